// musl's version string, found by scanning the library's bytes.
#include "wheelfix/elf/musl_version.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>

#include "wheelfix/util/mapped_file.hpp"

namespace wheelfix::elf {

namespace {

// "X.Y" or "X.Y.Z" with decimal parts of at most 4 digits each (optionally
// followed by a "-suffix" such as "-git"): (major, minor), else nullopt.
std::optional<std::pair<int, int>> parse_version(std::string_view s) {
  int parts[3] = {0, 0, 0};
  int n = 0;
  std::size_t i = 0;
  while (n < 3) {
    std::size_t start = i;
    int v = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) && i - start < 4) v = v * 10 + (s[i++] - '0');
    if (i == start) return std::nullopt;
    parts[n++] = v;
    if (i == s.size() || s[i] == '-') break;
    if (s[i] != '.') return std::nullopt;
    ++i;
  }
  if (n < 2 || (i < s.size() && s[i] != '-')) return std::nullopt;
  return std::pair{parts[0], parts[1]};
}

bool contains(std::string_view hay, std::string_view needle) { return hay.find(needle) != std::string_view::npos; }

}  // namespace

std::optional<std::pair<int, int>> musl_version_of(util::Bytes image) {
  std::string_view all(reinterpret_cast<const char*>(image.data()), image.size());
  if (all.size() < 4 || all.substr(0, 4) != "\x7f" "ELF" || !contains(all, "musl libc")) return std::nullopt;
  std::optional<std::pair<int, int>> found;
  std::string_view found_text;
  // Each NUL-terminated run of printable bytes that looks like "1.2.3".
  std::size_t pos = 0;
  while (pos < all.size()) {
    std::size_t end = all.find('\0', pos);
    if (end == std::string_view::npos) end = all.size();
    std::string_view str = all.substr(pos, end - pos);
    pos = end + 1;
    if (str.size() < 3 || str.size() > 24 || !std::isdigit(static_cast<unsigned char>(str[0]))) continue;
    auto v = parse_version(str);
    if (!v || str.find('.') == std::string_view::npos || std::count(str.begin(), str.end(), '.') != 2) continue;
    if (found && str != found_text) return std::nullopt;  // ambiguous
    found = v;
    found_text = str;
  }
  return found;
}

util::Result<std::optional<std::pair<int, int>>> read_musl_version(const std::string& path) {
  auto file = util::MappedFile::open(path);
  if (!file) return file.error();
  return musl_version_of(file->bytes());
}

}  // namespace wheelfix::elf
