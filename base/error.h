// InputError: the one exception type for bad input (files, configs, options).
// Its message is a single line that names the file, key or tensor and the problem;
// the CLI prints it and exits with status 2. Everything else that throws is a bug.
#pragma once
#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace zoomrt {

struct InputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

template <typename... Args>
[[noreturn]] void fail_input(fmt::format_string<Args...> f, Args&&... args) {
  throw InputError(fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace zoomrt
