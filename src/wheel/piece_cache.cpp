// PieceCache: compressed pieces on disk, keyed by content (piece_cache.hpp).
#include "wheel/piece_cache.hpp"

#include <fcntl.h>
#include <libdeflate.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <random>
#include <system_error>

namespace wheelfix::wheel {

namespace fs = std::filesystem;

namespace {

constexpr std::array<std::uint8_t, 8> kMagic = {'W', 'F', 'P', 'I', 'E', 'C', 'E', '1'};
constexpr std::size_t kHeader = 8 + 32 + 8 + 4;  // magic, key, payload size, CRC-32
constexpr std::uint64_t kMaxPayload = std::uint64_t{1} << 31;

void put_le(std::vector<std::uint8_t>& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

std::uint64_t get_le(const std::uint8_t* p, int bytes) {
  std::uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// Reads all of `fd` (at most `limit` bytes); nullopt on error or when larger.
std::optional<std::vector<std::uint8_t>> read_all(int fd, std::uint64_t limit) {
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || static_cast<std::uint64_t>(st.st_size) > limit) {
    return std::nullopt;
  }
  std::vector<std::uint8_t> buf(static_cast<std::size_t>(st.st_size));
  std::size_t done = 0;
  while (done < buf.size()) {
    ssize_t n = ::read(fd, buf.data() + done, buf.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;
    done += static_cast<std::size_t>(n);
  }
  return buf;
}

bool write_all(int fd, util::Bytes data) {
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

std::string random_suffix() {
  std::random_device rd;
  std::uint64_t v = (std::uint64_t{rd()} << 32) ^ rd() ^ static_cast<std::uint64_t>(::getpid());
  return util::to_hex(util::Bytes(reinterpret_cast<const std::uint8_t*>(&v), sizeof v));
}

}  // namespace

util::Sha256Digest piece_key(const std::string& compressor, int level, bool last, util::Bytes dictionary,
                             util::Bytes input) {
  util::Sha256 h;
  std::string head = "wheelfix-piece-v1\n" + compressor + "\nlevel " + std::to_string(level) +
                     (last ? "\nlast\n" : "\nmore\n") + "dictionary " + std::to_string(dictionary.size()) + "\n";
  h.update(util::as_bytes(head));
  h.update(dictionary);
  h.update(input);
  return h.finish();
}

util::Sha256Digest member_key(const std::string& compressor, int level, std::uint64_t chunk, std::uint64_t size,
                              const util::Sha256Digest& input_sha256) {
  std::string head = "wheelfix-member-v1\n" + compressor + "\nlevel " + std::to_string(level) + "\nchunk " +
                     std::to_string(chunk) + "\nsize " + std::to_string(size) + "\nsha256 ";
  util::Sha256 h;
  h.update(util::as_bytes(head));
  h.update(util::as_bytes(input_sha256));
  return h.finish();
}

std::string PieceCache::entry_path(const util::Sha256Digest& key) const {
  std::string hex = util::to_hex(util::as_bytes(key));
  return (fs::path(options_.dir) / "pieces" / hex.substr(0, 2) / hex).string();
}

std::optional<std::vector<std::uint8_t>> PieceCache::get(const util::Sha256Digest& key) const {
  std::string path = entry_path(key);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return std::nullopt;
  auto buf = read_all(fd, kHeader + kMaxPayload);
  ::close(fd);
  if (!buf || buf->size() < kHeader) return std::nullopt;
  const std::uint8_t* h = buf->data();
  if (std::memcmp(h, kMagic.data(), kMagic.size()) != 0 || std::memcmp(h + 8, key.data(), key.size()) != 0) {
    return std::nullopt;
  }
  std::uint64_t size = get_le(h + 40, 8);
  if (size != buf->size() - kHeader) return std::nullopt;
  auto crc = static_cast<std::uint32_t>(get_le(h + 48, 4));
  if (libdeflate_crc32(0, h + kHeader, size) != crc) return std::nullopt;
  ::utimensat(AT_FDCWD, path.c_str(), nullptr, 0);  // now: recently used
  buf->erase(buf->begin(), buf->begin() + kHeader);
  return buf;
}

std::optional<std::uint64_t> PieceCache::payload_size(const util::Sha256Digest& key) const {
  std::string path = entry_path(key);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return std::nullopt;
  std::array<std::uint8_t, kHeader> h{};
  struct stat st {};
  bool ok = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && ::pread(fd, h.data(), h.size(), 0) == kHeader;
  ::close(fd);
  if (!ok || std::memcmp(h.data(), kMagic.data(), kMagic.size()) != 0 ||
      std::memcmp(h.data() + 8, key.data(), key.size()) != 0) {
    return std::nullopt;
  }
  std::uint64_t size = get_le(h.data() + 40, 8);
  if (size > kMaxPayload || size + kHeader != static_cast<std::uint64_t>(st.st_size)) return std::nullopt;
  return size;
}

void PieceCache::put(const util::Sha256Digest& key, util::Bytes payload) const {
  if (payload.size() > kMaxPayload) return;
  std::string path = entry_path(key);
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  if (ec) return;
  std::vector<std::uint8_t> head(kMagic.begin(), kMagic.end());
  head.insert(head.end(), key.begin(), key.end());
  put_le(head, payload.size(), 8);
  put_le(head, libdeflate_crc32(0, payload.data(), payload.size()), 4);
  std::string tmp = path + ".tmp." + random_suffix();
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return;
  bool ok = write_all(fd, util::Bytes(head)) && write_all(fd, payload);
  ok = ::close(fd) == 0 && ok;
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) ::unlink(tmp.c_str());
}

void PieceCache::trim() const {
  struct Entry {
    fs::file_time_type used;
    std::uint64_t size;
    fs::path path;
  };
  std::vector<Entry> entries;
  std::uint64_t total = 0;
  auto stale = fs::file_time_type::clock::now() - std::chrono::hours(1);
  std::error_code ec;
  for (fs::recursive_directory_iterator it(fs::path(options_.dir) / "pieces", ec), end; !ec && it != end;
       it.increment(ec)) {
    std::error_code e2;
    if (!it->is_regular_file(e2) || e2) continue;
    auto used = it->last_write_time(e2);
    auto size = it->file_size(e2);
    if (e2) continue;
    if (it->path().filename().string().find(".tmp.") != std::string::npos) {
      if (used < stale) fs::remove(it->path(), e2);
      continue;
    }
    entries.push_back({used, size, it->path()});
    total += size;
  }
  if (total <= options_.max_bytes) return;
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.used < b.used; });
  for (const Entry& e : entries) {
    if (total <= options_.max_bytes) break;
    std::error_code e2;
    if (fs::remove(e.path, e2)) total -= e.size;
  }
}

}  // namespace wheelfix::wheel
