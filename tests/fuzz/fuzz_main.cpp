// libFuzzer entry point for one target of tests/fuzz/fuzz_targets.h: tests/fuzz/CMakeLists.txt
// compiles this file once per target with ZOOMRT_FUZZ_FN set to that target's function.
#include "tests/fuzz/fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return zoomrt::fuzz::ZOOMRT_FUZZ_FN(data, size);
}
