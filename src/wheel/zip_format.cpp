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

bool is_valid_utf8(std::string_view s) { return util::is_valid_utf8(s); }

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

std::string printable_name(std::string_view name) { return util::printable(name); }

}  // namespace wheelfix::wheel
