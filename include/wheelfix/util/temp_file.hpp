// Anonymous scratch files: they vanish when closed or when the process dies.
#pragma once

#include <string>

#include "wheelfix/util/bytes.hpp"
#include "wheelfix/util/result.hpp"

namespace wheelfix::util {

// An unnamed file (O_TMPFILE) in a folder, readable through path() (a
// /proc/self/fd link) while the object lives. Move-only.
class TempFile {
 public:
  // Creates the file in `dir` and writes `data` to it. Fails with
  // "<dir>: <strerror>" (e.g. disk full, folder not writable).
  static Result<TempFile> create(const std::string& dir, Bytes data);

  TempFile() = default;
  TempFile(TempFile&& other) noexcept;
  TempFile& operator=(TempFile&& other) noexcept;
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile();

  // Appends `data` at the end of the file. Fails with "<strerror>".
  Status append(Bytes data);

  // The open file descriptor (for writing at offsets, copying into it).
  int fd() const { return fd_; }

  // A path that opens this file ("/proc/self/fd/N").
  std::string path() const { return "/proc/self/fd/" + std::to_string(fd_); }

  // A path that opens this file from a child process too
  // ("/proc/<our pid>/fd/N"; the same user may open it while this lives).
  std::string shared_path() const;

 private:
  int fd_ = -1;
};

}  // namespace wheelfix::util
