// The repository lock: one run at a time per output folder.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

#include "plan.hpp"

namespace wheelfix::index::detail {

util::Result<RepoLock> RepoLock::acquire(const std::string& out_dir) {
  RepoLock lock;
  lock.out_ = out_dir;
  lock.path_ = out_dir + "/.wheelfix-index.lock";
  std::error_code ec;
  lock.created_ = std::filesystem::create_directories(out_dir, ec);
  if (ec) return util::make_error(out_dir, ": cannot create the folder: ", ec.message());
  lock.fd_ = ::open(lock.path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock.fd_ < 0) {
    int err = errno;
    lock.abandon();
    return util::make_error(lock.path_, ": ", std::strerror(err));
  }
  while (::flock(lock.fd_, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    int err = errno;
    lock.abandon();
    return util::make_error(lock.path_, ": cannot lock: ", std::strerror(err));
  }
  return lock;
}

RepoLock::RepoLock(RepoLock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      out_(std::move(other.out_)),
      path_(std::move(other.path_)),
      created_(std::exchange(other.created_, false)) {}

RepoLock& RepoLock::operator=(RepoLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    out_ = std::move(other.out_);
    path_ = std::move(other.path_);
    created_ = std::exchange(other.created_, false);
  }
  return *this;
}

RepoLock::~RepoLock() {
  if (fd_ >= 0) ::close(fd_);
}

void RepoLock::abandon() {
  if (!created_) return;
  ::unlink(path_.c_str());
  ::rmdir(out_.c_str());  // only succeeds when nothing else is in it
  created_ = false;
}

}  // namespace wheelfix::index::detail
