// Small string helpers shared by every module.
#pragma once

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
// Shell-style glob match (fnmatch without FNM_PATHNAME): `*`, `?`, `[...]`.
bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace wheelfix::util
