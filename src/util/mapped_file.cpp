#include "wheelfix/util/mapped_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>

namespace wheelfix::util {

Result<MappedFile> MappedFile::open(const std::string& path) {
  // O_NONBLOCK: opening a FIFO would otherwise wait for a writer; open_fd
  // then refuses anything that is not a regular file (for which the flag
  // changes nothing).
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return make_error(path, ": ", std::strerror(errno));
  auto f = open_fd(fd, path);
  ::close(fd);
  return f;
}

Result<MappedFile> MappedFile::open_fd(int fd, const std::string& name) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return make_error(name, ": ", std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return make_error(name, ": not a regular file");
  MappedFile f;
  f.path_ = name;
  f.size_ = static_cast<std::size_t>(st.st_size);
  if (f.size_ > 0) {
    void* p = ::mmap(nullptr, f.size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) return make_error(name, ": cannot map: ", std::strerror(errno));
    f.data_ = static_cast<const std::uint8_t*>(p);
    f.fault_slot_ = detail::register_mapping(p, f.size_, name);
  }
  return f;
}

MappedFile::MappedFile(MappedFile&& other) noexcept { *this = std::move(other); }

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    unmap();
    data_ = other.data_;
    size_ = other.size_;
    path_ = std::move(other.path_);
    fault_slot_ = other.fault_slot_;
    other.data_ = nullptr;
    other.size_ = 0;
    other.fault_slot_ = -1;
  }
  return *this;
}

void MappedFile::release(Bytes range) const {
  if (!data_ || range.empty()) return;
  auto lo = reinterpret_cast<std::uintptr_t>(range.data());
  auto hi = lo + range.size();
  auto map_lo = reinterpret_cast<std::uintptr_t>(data_);
  lo = std::max(lo, map_lo);
  hi = std::min(hi, map_lo + size_);
  static const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  lo = (lo + page - 1) / page * page;  // whole pages only: neighbours may still be in use
  hi = hi / page * page;
  if (hi > lo) ::madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_DONTNEED);
}

void MappedFile::unmap() {
  detail::unregister_mapping(fault_slot_);
  fault_slot_ = -1;
  if (data_) ::munmap(const_cast<std::uint8_t*>(data_), size_);
  data_ = nullptr;
}

MappedFile::~MappedFile() { unmap(); }

Result<std::string> read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(path, ": ", std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return make_error(path, ": read error");
  return ss.str();
}

}  // namespace wheelfix::util
