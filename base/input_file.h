// The one way to read a file the user named: open without blocking, fstat, refuse what is not
// a regular file (a device such as /dev/zero, a FIFO, a folder), and refuse a file above the
// caller's size cap before a byte is read. Symlinks are followed (the target is checked).
// Errors are InputError "<path>: ..." naming the path as given.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace zoomrt {

// Caps used by the readers (bytes). Each is far above any legitimate file of its kind.
inline constexpr uint64_t kMaxConfigBytes = 256ull << 20;  // JSON configs, vocab, tokenizer
inline constexpr uint64_t kMaxTextBytes = 16ull << 20;     // prompt files, NPU descriptions, CSV
inline constexpr uint64_t kMaxImageBytes = 1ull << 30;     // PNG / JPEG start images

// The whole file. `what` names the kind in messages ("image", "prompt file", ...).
// InputError: "<path>: cannot read <what>: <errno text>", "<path>: cannot read <what>: a
// character device, not a regular file", "<path>: <what> is N bytes, above the limit of M".
std::string read_input_file(const std::string& path, uint64_t max_bytes, std::string_view what);

// An open, checked regular file (close it with ::close). For readers that map or stream it.
// Same checks and messages as read_input_file; `size` is its length in bytes.
struct InputFd {
  int fd = -1;
  uint64_t size = 0;
};
InputFd open_input_file(const std::string& path, uint64_t max_bytes, std::string_view what);

// "a character device", "a FIFO", "a folder", ... for a stat mode; "" for a regular file.
std::string_view file_kind_name(unsigned mode);

}  // namespace zoomrt
