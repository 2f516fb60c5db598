#include "wheelfix/util/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace wheelfix::util {

namespace {

std::string dir_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string base_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

Result<AtomicFile> AtomicFile::create(const std::string& target, unsigned mode) {
  AtomicFile f;
  f.target_ = target;
  f.mode_ = mode;
  // Preferably an unnamed file (O_TMPFILE): nothing is left behind even if
  // the process is killed; it gets a name only at commit().
  int fd = ::open(dir_of(target).c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0) {
    f.fd_ = fd;
    return f;
  }
  if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) {
    return make_error(target, ": cannot create temporary file: ", std::strerror(errno));
  }
  std::string tmpl = dir_of(target) + "/." + base_of(target) + ".wheelfix-tmp-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  fd = ::mkostemp(buf.data(), O_CLOEXEC);
  if (fd < 0) return make_error(target, ": cannot create temporary file: ", std::strerror(errno));
  f.fd_ = fd;
  f.temp_ = buf.data();
  return f;
}

AtomicFile::AtomicFile(AtomicFile&& other) noexcept { *this = std::move(other); }

AtomicFile& AtomicFile::operator=(AtomicFile&& other) noexcept {
  if (this != &other) {
    discard();
    fd_ = other.fd_;
    target_ = std::move(other.target_);
    temp_ = std::move(other.temp_);
    mode_ = other.mode_;
    size_ = other.size_;
    other.fd_ = -1;
    other.temp_.clear();
  }
  return *this;
}

AtomicFile::~AtomicFile() { discard(); }

void AtomicFile::discard() {
  if (fd_ >= 0) ::close(fd_);
  if (!temp_.empty()) ::unlink(temp_.c_str());
  fd_ = -1;
  temp_.clear();
}

Status AtomicFile::write(Bytes data) {
  if (fd_ < 0) return make_error(target_, ": write after close");
  const std::uint8_t* p = data.data();
  std::size_t left = data.size();
  while (left > 0) {
    ssize_t n = ::write(fd_, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return make_error(target_, ": ", std::strerror(errno));
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  size_ += data.size();
  return {};
}

Status AtomicFile::write(std::string_view data) {
  return write(Bytes(reinterpret_cast<const std::uint8_t*>(data.data()), data.size()));
}

Status AtomicFile::pwrite(Bytes data, std::uint64_t offset) {
  if (fd_ < 0) return make_error(target_, ": write after close");
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::pwrite(fd_, data.data() + done, data.size() - done,
                         static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return make_error(target_, ": ", std::strerror(errno));
    }
    done += static_cast<std::size_t>(n);
  }
  if (offset + data.size() > size_) size_ = offset + data.size();
  return {};
}

Status AtomicFile::commit() {
  if (fd_ < 0) return make_error(target_, ": commit after close");
  if (::fchmod(fd_, mode_) != 0 || ::fsync(fd_) != 0) {
    return make_error(target_, ": ", std::strerror(errno));
  }
  if (temp_.empty()) {
    // Unnamed file: link it under a temporary name, then rename over the
    // target (linkat cannot replace an existing file).
    std::string proc = "/proc/self/fd/" + std::to_string(fd_);
    for (int attempt = 0; attempt < 100 && temp_.empty(); ++attempt) {
      std::string name = dir_of(target_) + "/." + base_of(target_) + ".wheelfix-tmp-" + std::to_string(::getpid()) +
                         "-" + std::to_string(attempt);
      if (::linkat(AT_FDCWD, proc.c_str(), AT_FDCWD, name.c_str(), AT_SYMLINK_FOLLOW) == 0) {
        temp_ = name;
      } else if (errno != EEXIST) {
        return make_error(target_, ": ", std::strerror(errno));
      }
    }
    if (temp_.empty()) return make_error(target_, ": cannot name the temporary file");
  }
  if (::close(fd_) != 0) {
    fd_ = -1;
    return make_error(target_, ": ", std::strerror(errno));
  }
  fd_ = -1;
  if (::rename(temp_.c_str(), target_.c_str()) != 0) {
    return make_error(target_, ": cannot rename into place: ", std::strerror(errno));
  }
  temp_.clear();
  return {};
}

Status write_file_atomic(const std::string& path, Bytes data, unsigned mode) {
  WF_TRY(AtomicFile f, AtomicFile::create(path, mode));
  WF_CHECK(f.write(data));
  return f.commit();
}

}  // namespace wheelfix::util
