#include "elf/rewrite_place.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace wheelfix::elf::rw {

using util::make_error;

namespace {

// True when a new file made by this process can be given the owner of `st`.
bool can_keep_owner(const struct stat& st) {
  return ::geteuid() == 0 || (st.st_uid == ::geteuid() && st.st_gid == ::getegid());
}

std::string folder_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

// True when this process may create files in `folder`.
bool writable(const std::string& folder) { return ::access(folder.c_str(), W_OK) == 0; }

// write(2) of all of `data`, retried on EINTR and short writes.
util::Status write_all(int fd, const char* data, std::size_t size, const std::string& target) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return make_error(target, ": write error: ", std::strerror(errno));
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return {};
}

}  // namespace

util::Result<Placement> choose_placement(const std::string& target) {
  Placement p;
  p.path = target;
  if (::stat(target.c_str(), &p.st) != 0) {
    if (errno == ENOENT) return p;  // nothing there (or a dangling symlink, replaced)
    return make_error(target, ": ", std::strerror(errno));
  }
  if (S_ISDIR(p.st.st_mode)) return make_error(target, ": is a folder");
  if (!S_ISREG(p.st.st_mode)) {
    p.kind = PlaceKind::copy_into;
    return p;
  }
  char resolved[PATH_MAX];
  if (::realpath(target.c_str(), resolved) == nullptr) return make_error(target, ": ", std::strerror(errno));
  p.path = resolved;
  bool rename_ok = p.st.st_nlink == 1 && can_keep_owner(p.st) && writable(folder_of(p.path));
  p.kind = rename_ok ? PlaceKind::rename_over : PlaceKind::copy_into;
  return p;
}

std::string scratch_dir(const Placement& p) {
  if (S_ISREG(p.st.st_mode) && writable(folder_of(p.path))) return folder_of(p.path);
  const char* tmp = std::getenv("TMPDIR");
  return tmp && *tmp ? tmp : "/tmp";
}

util::Status copy_into(int from_fd, const Placement& p, const std::string& target) {
  bool regular = S_ISREG(p.st.st_mode);
  int fd = ::open(p.path.c_str(), O_WRONLY | O_CLOEXEC | (regular ? O_TRUNC : 0));
  if (fd < 0) return make_error(target, ": ", std::strerror(errno));
  std::vector<char> buf(1 << 20);
  off_t at = 0;
  util::Status st;
  for (;;) {
    ssize_t n = ::pread(from_fd, buf.data(), buf.size(), at);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      st = make_error(target, ": reading the rewritten copy: ", std::strerror(errno));
      break;
    }
    if (n == 0) break;
    st = write_all(fd, buf.data(), static_cast<std::size_t>(n), target);
    if (!st) break;
    at += n;
  }
  if (st && regular && ::fsync(fd) != 0) st = make_error(target, ": ", std::strerror(errno));
  if (::close(fd) != 0 && st) st = make_error(target, ": ", std::strerror(errno));
  return st;
}

}  // namespace wheelfix::elf::rw
