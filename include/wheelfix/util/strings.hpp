// Small string helpers shared by every module.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wheelfix::util {

// Splits on `sep`, keeping empty fields ("a::b" -> {"a", "", "b"}).
std::vector<std::string> split(std::string_view s, char sep);
// Joins with `sep`.
std::string join(const std::vector<std::string>& parts, std::string_view sep);
// Strips ASCII whitespace at both ends.
std::string_view trim(std::string_view s);
bool starts_with(std::string_view s, std::string_view prefix);
bool ends_with(std::string_view s, std::string_view suffix);

// `s` with ASCII letters lowercased (other bytes unchanged).
std::string ascii_lower(std::string_view s);
// True when `a` and `b` are equal ignoring the case of ASCII letters.
bool iequals(std::string_view a, std::string_view b);
// Shell-style glob match (fnmatch without FNM_PATHNAME): `*`, `?`, `[...]`.
bool glob_match(std::string_view pattern, std::string_view text);

// One UTF-8 encoded character: its code point and its length in bytes.
struct Utf8Char {
  char32_t code_point;
  std::size_t length;
};
// The character that starts at s[i], or nullopt when s[i..] does not start
// a valid UTF-8 sequence (cut short, overlong, a surrogate, > U+10FFFF).
std::optional<Utf8Char> decode_utf8(std::string_view s, std::size_t i);
// True when all of `s` is valid UTF-8.
bool is_valid_utf8(std::string_view s);

// `s` made safe to print on a terminal, for every untrusted string in text
// output (member names, ELF strings, paths): C0 and C1 control characters,
// DEL, bidirectional-text controls, line separators and bytes that are not
// UTF-8 are shown as \xNN per byte; everything else is kept as it is (so a
// name cannot move the cursor, clear the screen or start a fake line).
std::string printable(std::string_view s);

// `s` as a double-quoted Python 3 string literal in pure ASCII: backslash,
// quote and control characters escaped, other non-ASCII characters as
// \UXXXXXXXX, and bytes that are not UTF-8 as the \udcNN surrogates that
// os.fsdecode() gives them (so the literal names the same file). Safe to
// paste into generated Python source.
std::string python_string_literal(std::string_view s);

}  // namespace wheelfix::util
