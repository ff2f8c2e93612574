// AtomicFile: the one writer of output files. What it does depends on what is at <path>:
//  - nothing, or a regular file: writes "<path>.tmp.<pid>" and renames it to <path> on
//    commit(), so no file is ever left half-written under its final name. Destroying an
//    uncommitted AtomicFile (an exception while writing) removes the temporary file.
//  - a symbolic link: the same rules for its target, so the link stays a link (a regular
//    target is replaced atomically, a device or FIFO target is written through);
//    a dangling link is refused.
//  - a character device (/dev/null, a terminal) or a FIFO with a reader: written through,
//    never replaced (a run as root must not turn /dev/null into a regular file). A FIFO
//    without a reader is refused rather than waited on.
//  - a folder, a block device, a socket: refused.
// Refusals and I/O failures throw InputError naming <path>. Not thread-safe; one writer per
// object.
#pragma once
#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>

namespace zoomrt {

class AtomicFile {
 public:
  explicit AtomicFile(std::string path);  // creates the temporary file (or opens the device)
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const void* data, size_t bytes);
  void write(std::string_view s) { write(s.data(), s.size()); }
  void commit();  // flush, close, rename over <path> (written-through outputs: flush, close)

  const std::string& path() const { return path_; }
  // True when <path> is a device or FIFO written in place (no temporary file).
  bool writes_through() const { return tmp_path_.empty(); }

 private:
  [[noreturn]] void fail_io(const char* what);

  std::string path_, tmp_path_, rename_to_;  // tmp_path_ empty: written through
  std::FILE* file_ = nullptr;
  bool committed_ = false;
};

// Where an output file must go, resolved as AtomicFile resolves it: `target` is the path to
// replace (the link's target for a symbolic link) or to write through. InputError for a
// folder, block device, socket or dangling link, naming `path`.
struct OutputTarget {
  std::string target;
  bool write_through = false;
};
OutputTarget resolve_output(const std::string& path);

}  // namespace zoomrt
