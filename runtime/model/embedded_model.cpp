#include "runtime/model/embedded_model.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "runtime/model/make_model.h"
#include "base/error.h"

namespace zoomrt {

std::string embedded_model_dir() {
  namespace fs = std::filesystem;
  fs::path base;
  if (const char* c = std::getenv("ZOOMRT_CACHE"); c && *c) {
    base = c;
  } else if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) {
    base = fs::path(x) / "zoomrt";
  } else if (const char* h = std::getenv("HOME"); h && *h) {
    base = fs::path(h) / ".cache" / "zoomrt";
  } else {
    base = "/tmp/zoomrt-cache";
  }
  const fs::path dir = base / "tiny-v1";
  if (fs::exists(dir / "model_index.json")) return dir.string();
  std::error_code ec;
  fs::create_directories(base, ec);
  if (ec) fail_input("{}: cannot create the model cache: {} (set ZOOMRT_CACHE)", base.string(), ec.message());
  const fs::path tmp = base / ("tiny-v1.tmp." + std::to_string(::getpid()));
  fs::remove_all(tmp, ec);
  make_model("tiny", 0, DType::F32, tmp.string());
  fs::rename(tmp, dir, ec);
  if (ec && !fs::exists(dir / "model_index.json"))  // another process may have won the race
    fail_input("{}: cannot install the embedded model: {}", dir.string(), ec.message());
  fs::remove_all(tmp, ec);
  return dir.string();
}

}  // namespace zoomrt
