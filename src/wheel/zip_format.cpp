#include "wheelfix/wheel/zip_format.hpp"

#include <charconv>
#include <ctime>

#include "wheelfix/util/strings.hpp"

namespace wheelfix::wheel {

DosDateTime dos_datetime_from_epoch(std::int64_t epoch) {
  // 2107-12-31 23:59:58 UTC, the last time a DOS date can hold.
  constexpr std::int64_t kZipEpochMax = 4354819198;
  if (epoch < kZipEpochMin) epoch = kZipEpochMin;
  if (epoch > kZipEpochMax) epoch = kZipEpochMax;
  std::time_t t = static_cast<std::time_t>(epoch);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  DosDateTime out;
  out.date = static_cast<std::uint16_t>(((tm.tm_year - 80) << 9) | ((tm.tm_mon + 1) << 5) | tm.tm_mday);
  out.time = static_cast<std::uint16_t>((tm.tm_hour << 11) | (tm.tm_min << 5) | (tm.tm_sec / 2));
  return out;
}

util::Result<std::int64_t> parse_source_date_epoch(std::string_view text) {
  std::string_view t = util::trim(text);
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
  if (t.empty() || ec != std::errc() || end != t.data() + t.size()) {
    return util::make_error("SOURCE_DATE_EPOCH: '", std::string(text), "' is not a number of seconds");
  }
  return value;
}

bool is_valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    std::uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (s.size() - i < len) return false;
    for (std::size_t k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

std::optional<std::string> member_name_problem(std::string_view name) {
  if (name.empty()) return "empty member name";
  if (!is_valid_utf8(name)) return "name is not valid UTF-8";
  if (name.find('\0') != std::string_view::npos) return "name contains a NUL byte";
  if (name.find('\\') != std::string_view::npos) return "name contains a backslash";
  if (name.front() == '/') return "absolute path";
  std::string_view body = name;
  if (body.back() == '/') body.remove_suffix(1);  // directory marker
  for (const std::string& part : util::split(body, '/')) {
    if (part == "..") return "path has a '..' component";
    if (part == ".") return "path has a '.' component";
    if (part.empty()) return "path has an empty component";
  }
  return std::nullopt;
}

std::string printable_name(std::string_view name) {
  bool utf8 = is_valid_utf8(name);
  std::string out;
  static constexpr char kHex[] = "0123456789abcdef";
  for (char ch : name) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7F || (!utf8 && c >= 0x80)) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    } else {
      out += ch;
    }
  }
  return out;
}

}  // namespace wheelfix::wheel
