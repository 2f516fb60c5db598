// Dynamic tags that may appear at most once in a dynamic section, shared by
// the reader (dynamic_table.cpp) and the rewriter (rewrite_parse.cpp) so both
// reject the same files.
//
// glibc's ld.so keeps the last entry of each tag and musl the first of some,
// GNU ld never emits two; a reader taking the first and a rewriter editing
// the last would disagree on what the file says, so a second entry of one of
// these tags makes the file malformed for both.
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>

namespace wheelfix::elf::detail {

// The name ("DT_STRTAB") of a tag that must be unique, or nullptr for
// tags that may repeat (DT_NEEDED, DT_DEBUG, ...) or are unknown.
const char* unique_dynamic_tag_name(std::int64_t tag);

// Feed every tag of one dynamic section to add(), in order.
class UniqueTagCheck {
 public:
  // "duplicate DT_STRTAB in the dynamic section" when `tag` must be unique
  // and was added before; nullopt otherwise.
  std::optional<std::string> add(std::int64_t tag);

 private:
  std::bitset<64> seen_;  // by position in the table of unique tags
};

}  // namespace wheelfix::elf::detail
