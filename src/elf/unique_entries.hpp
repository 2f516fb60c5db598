// Dynamic tags and program header types that may appear at most once,
// shared by the reader (dynamic_table.cpp, reader_image.cpp) and the
// rewriter (rewrite_parse.cpp) so both reject the same files.
//
// For duplicates, glibc's ld.so keeps the last entry (elf_get_dynamic_info,
// the PT_DYNAMIC and PT_INTERP cases of its program header loop), musl the
// first of some tags and the kernel the first PT_INTERP; GNU ld never emits
// any. A reader taking one copy and a rewriter editing another would
// disagree on what the file says, so a second copy makes the file malformed
// for both.
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>

namespace wheelfix::elf::detail {

// Feed every tag of one dynamic section to add(), in order.
class UniqueTagCheck {
 public:
  // "duplicate DT_STRTAB in the dynamic section" when `tag` must be unique
  // and was added before; nullopt otherwise (also for tags that may repeat:
  // DT_NEEDED, DT_DEBUG, ...).
  std::optional<std::string> add(std::int64_t tag);

 private:
  std::bitset<64> seen_;  // by position in the table of unique tags
};

// Feed every p_type of the program header table to add(), in order.
class UniqueSegmentCheck {
 public:
  // "more than one PT_DYNAMIC segment" for a second PT_DYNAMIC, PT_INTERP
  // or PT_PHDR; nullopt otherwise.
  std::optional<std::string> add(std::uint32_t type);

 private:
  bool dynamic_ = false, interp_ = false, phdr_ = false;
};

}  // namespace wheelfix::elf::detail
