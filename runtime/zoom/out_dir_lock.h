// An exclusive lock (flock) on a run's output directory for the life of the run: a second
// `zoomrt zoom` into the same --out fails at once with one line (exit 2) instead of
// interleaving its keyframes with the first one's. The lock belongs to the open directory, so
// it goes away with the process however it ends (no stale lock file). Locking a directory
// this process already holds returns the same lock (the CLI takes it before validating, the
// zoom driver again when it starts).
#pragma once
#include <memory>
#include <string>

namespace zoomrt {

class OutDirLock;

// Creates `dir` if needed and locks it. InputError "<option>: '<dir>' is in use by another
// zoomrt run (pid N)" when another process holds it. Returns null when the directory cannot
// be created or opened (the caller's own checks name the problem).
std::shared_ptr<OutDirLock> lock_out_dir(const std::string& dir, const char* option = "--out");

}  // namespace zoomrt
