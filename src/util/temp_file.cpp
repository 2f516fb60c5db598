#include "wheelfix/util/temp_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace wheelfix::util {

Result<TempFile> TempFile::create(const std::string& dir, Bytes data) {
  TempFile f;
  f.fd_ = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (f.fd_ < 0) return make_error(dir, ": cannot create a temporary file: ", std::strerror(errno));
  if (auto st = f.append(data); !st) return make_error(dir, ": ", st.error().message);
  return f;
}

Status TempFile::append(Bytes data) {
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd_, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return make_error(std::strerror(errno));
    done += static_cast<std::size_t>(n);
  }
  return {};
}

std::string TempFile::shared_path() const {
  return "/proc/" + std::to_string(::getpid()) + "/fd/" + std::to_string(fd_);
}

TempFile::TempFile(TempFile&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

TempFile& TempFile::operator=(TempFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

TempFile::~TempFile() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace wheelfix::util
