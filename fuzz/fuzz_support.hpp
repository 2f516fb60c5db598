// Helpers shared by the libFuzzer targets (fuzz/fuzz_*.cpp).
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace wheelfix::fuzz {

// Stops the run with a message when a property the code promises does not
// hold: libFuzzer (and the replay driver) report the abort as a crash and
// keep the input.
[[noreturn]] inline void violated(const std::string& what) {
  std::fprintf(stderr, "fuzz invariant violated: %s\n", what.c_str());
  std::abort();
}

// FNV-1a of the whole input: a cheap way to derive choices (which edits to
// plan) from the input itself, so seeds stay plain files.
inline std::uint64_t fnv1a(const std::uint8_t* data, std::size_t size) {
  std::uint64_t h = 1469598103934665603ull;
  for (std::size_t i = 0; i < size; ++i) h = (h ^ data[i]) * 1099511628211ull;
  return h;
}

// An anonymous in-memory file (memfd) that the path-based APIs can open as
// /proc/self/fd/<n>, plus a symlink to it with a chosen file name (for
// APIs that parse the name, like Wheel::open).  One per process, reused by
// every input.  Aborts if the kernel refuses a memfd.
class MemFile {
 public:
  MemFile();
  ~MemFile();
  MemFile(const MemFile&) = delete;
  MemFile& operator=(const MemFile&) = delete;
  // Replaces the content; returns the /proc path.
  const std::string& write(const std::uint8_t* data, std::size_t size);
  // A symlink named `file_name` (no '/') in a private folder, pointing at
  // the memfd; returns its path.
  std::string link_as(std::string_view file_name);

 private:
  int fd_ = -1;
  std::string proc_path_;
  std::string dir_;
  std::string link_;
};

}  // namespace wheelfix::fuzz
