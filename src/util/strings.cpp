#include "wheelfix/util/strings.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <cctype>
#include <cstdint>

namespace wheelfix::util {

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    auto pos = s.find(sep, start);
    if (pos == std::string_view::npos) {
      out.emplace_back(s.substr(start));
      return out;
    }
    out.emplace_back(s.substr(start, pos - start));
    start = pos + 1;
  }
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i) out.append(sep);
    out.append(parts[i]);
  }
  return out;
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  const char* ws = " \t\r\n\f\v";
  auto b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(ws);
  return s.substr(b, e - b + 1);
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.starts_with(prefix); }
bool ends_with(std::string_view s, std::string_view suffix) { return s.ends_with(suffix); }

bool glob_match(std::string_view pattern, std::string_view text) {
  return ::fnmatch(std::string(pattern).c_str(), std::string(text).c_str(), 0) == 0;
}

std::optional<Utf8Char> decode_utf8(std::string_view s, std::size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return Utf8Char{c, 1};
  std::size_t len;
  char32_t cp;
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
    return std::nullopt;
  }
  if (s.size() - i < len) return std::nullopt;
  for (std::size_t k = 1; k < len; ++k) {
    auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return std::nullopt;
    cp = (cp << 6) | (cc & 0x3F);
  }
  static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
  return Utf8Char{cp, len};
}

bool is_valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    auto ch = decode_utf8(s, i);
    if (!ch) return false;
    i += ch->length;
  }
  return true;
}

namespace {

constexpr char kHex[] = "0123456789abcdef";

void append_hex_bytes(std::string& out, std::string_view bytes) {
  for (char b : bytes) {
    auto c = static_cast<unsigned char>(b);
    out += "\\x";
    out += kHex[c >> 4];
    out += kHex[c & 0xF];
  }
}

// Characters a terminal acts on instead of showing, or that make text
// look like something else (bidi overrides, line separators).
bool is_terminal_control(char32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x061C || (cp >= 0x200E && cp <= 0x200F) ||
         (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

}  // namespace

std::string printable(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    auto ch = decode_utf8(s, i);
    std::size_t len = ch ? ch->length : 1;
    if (!ch || is_terminal_control(ch->code_point)) append_hex_bytes(out, s.substr(i, len));
    else out.append(s.substr(i, len));
    i += len;
  }
  return out;
}

std::string python_string_literal(std::string_view s) {
  std::string out = "\"";
  auto hex = [&](std::uint32_t v, int digits) {
    for (int d = digits - 1; d >= 0; --d) out += kHex[(v >> (4 * d)) & 0xF];
  };
  for (std::size_t i = 0; i < s.size();) {
    auto ch = decode_utf8(s, i);
    if (!ch) {  // os.fsdecode's surrogateescape for an undecodable byte
      out += "\\udc";
      hex(static_cast<unsigned char>(s[i]), 2);
      ++i;
      continue;
    }
    char32_t cp = ch->code_point;
    i += ch->length;
    if (cp == '\\' || cp == '"') {
      out += '\\';
      out += static_cast<char>(cp);
    } else if (cp >= 0x20 && cp < 0x7F) {
      out += static_cast<char>(cp);
    } else if (cp < 0x100) {
      out += "\\x";
      hex(cp, 2);
    } else {
      out += "\\U";
      hex(cp, 8);
    }
  }
  out += '"';
  return out;
}

}  // namespace wheelfix::util
