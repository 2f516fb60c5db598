// Atomic file writer: temp file in the target's folder, then rename.
#pragma once

#include <string>

#include "wheelfix/util/bytes.hpp"
#include "wheelfix/util/result.hpp"

namespace wheelfix::util {

// Writes a file so that readers see either the old content or the complete
// new content, never a partial file. Data goes to an unnamed temporary file
// (O_TMPFILE) in the target's folder, so even a killed process leaves nothing
// behind; where the filesystem lacks O_TMPFILE, to a hidden named one.
// commit() flushes it, names it and renames it over the target. If the object
// is destroyed without commit(), the temporary file is discarded.
class AtomicFile {
 public:
  // Creates the temporary file next to `target`. `mode` is applied on commit
  // (permissions of the final file). Fails with "<target>: <strerror>".
  static Result<AtomicFile> create(const std::string& target, unsigned mode = 0644);

  AtomicFile() = default;
  AtomicFile(AtomicFile&& other) noexcept;
  AtomicFile& operator=(AtomicFile&& other) noexcept;
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile();

  // Appends bytes. Fails (e.g. disk full) with "<target>: <strerror>".
  Status write(Bytes data);
  Status write(std::string_view data);
  // Writes at an absolute offset (for patching headers after the fact).
  Status pwrite(Bytes data, std::uint64_t offset);
  // Bytes written so far (the current append offset).
  std::uint64_t size() const { return size_; }
  int fd() const { return fd_; }

  // Flushes to disk and renames the temporary file to the target.
  Status commit();

 private:
  void discard();
  int fd_ = -1;
  std::string target_;
  std::string temp_;
  unsigned mode_ = 0644;
  std::uint64_t size_ = 0;
};

// Writes `data` to `path` atomically (AtomicFile + commit).
Status write_file_atomic(const std::string& path, Bytes data, unsigned mode = 0644);

}  // namespace wheelfix::util
