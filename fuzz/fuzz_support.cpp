// MemFile: the memfd-backed file the path-based fuzz targets open.
#include "fuzz_support.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>

namespace wheelfix::fuzz {

MemFile::MemFile() {
  fd_ = ::memfd_create("wheelfix-fuzz", MFD_CLOEXEC);
  if (fd_ < 0) violated("memfd_create failed");
  proc_path_ = "/proc/self/fd/" + std::to_string(fd_);
  const char* tmp = std::getenv("TMPDIR");
  std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/wf-fuzz.XXXXXX";
  if (!::mkdtemp(templ.data())) violated("mkdtemp failed");
  dir_ = templ;
}

MemFile::~MemFile() {
  if (!link_.empty()) ::unlink(link_.c_str());
  ::rmdir(dir_.c_str());
  ::close(fd_);
}

const std::string& MemFile::write(const std::uint8_t* data, std::size_t size) {
  if (::ftruncate(fd_, 0) != 0) violated("ftruncate failed");
  std::size_t done = 0;
  while (done < size) {
    ssize_t n = ::pwrite(fd_, data + done, size - done, static_cast<off_t>(done));
    if (n <= 0) violated("pwrite to the memfd failed");
    done += static_cast<std::size_t>(n);
  }
  return proc_path_;
}

std::string MemFile::link_as(std::string_view file_name) {
  std::string path = dir_ + "/" + std::string(file_name);
  if (path == link_) return link_;
  if (!link_.empty()) ::unlink(link_.c_str());
  ::unlink(path.c_str());
  // A symlink to the magic /proc link opens the memfd itself.
  if (::symlink(proc_path_.c_str(), path.c_str()) != 0) violated("symlink " + path + " failed");
  link_ = path;
  return link_;
}

}  // namespace wheelfix::fuzz
