// Read-only memory mapping of a whole file.
#pragma once

#include <string>

#include "wheelfix/util/bytes.hpp"
#include "wheelfix/util/result.hpp"

namespace wheelfix::util {

// A file mapped read-only. Pages are read by the kernel only when touched, so
// parsing the headers of a 500 MB library reads a few pages. Move-only.
class MappedFile {
 public:
  // Maps `path`. Fails with "<path>: <strerror>" when it cannot be opened,
  // is not a regular file, or cannot be mapped. An empty file maps to an
  // empty view.
  static Result<MappedFile> open(const std::string& path);
  // Maps the regular file open as `fd` (readable; it stays open and the
  // caller's), named `name` in errors ("<name>: <strerror>").
  static Result<MappedFile> open_fd(int fd, const std::string& name);

  MappedFile() = default;
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  Bytes bytes() const { return Bytes(data_, size_); }
  std::size_t size() const { return size_; }
  const std::string& path() const { return path_; }

  // Drops this process's resident pages that lie wholly inside `range`, a
  // part of this mapping the caller is done with (madvise MADV_DONTNEED):
  // they stay in the page cache and are read again if touched, so streaming
  // through a large mapped file keeps the resident set small. Parts of
  // `range` outside the mapping are ignored; never fails.
  void release(Bytes range) const;

 private:
  void unmap();

  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
  std::string path_;
  int fault_slot_ = -1;  // this mapping's entry for report_mapped_file_faults()
};

// Makes a SIGBUS on the pages of a live MappedFile (its file was truncated
// while mapped: another process rewrote an input during the run) print
// "wheelfix: error: <path>: the file shrank while it was being read ..." and
// exit with status 1 instead of crashing. A process-wide signal handler:
// call it once, from main. Other SIGBUS keep the default action. Nothing
// named is left behind where outputs are unnamed files until committed
// (AtomicFile, TempFile: O_TMPFILE).
void report_mapped_file_faults();

namespace detail {
// The registry behind report_mapped_file_faults() (src/util/mapped_fault.cpp):
// a slot index, or -1 when the table is full (the mapping then goes unnamed).
int register_mapping(const void* data, std::size_t size, const std::string& path);
void unregister_mapping(int slot);
}  // namespace detail

// Reads a whole (small) file into a string. Fails with "<path>: <strerror>".
Result<std::string> read_text_file(const std::string& path);

}  // namespace wheelfix::util
