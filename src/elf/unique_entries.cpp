// The dynamic tags and segment types that must be unique (see
// unique_entries.hpp).
#include "elf/unique_entries.hpp"

#include <iterator>

#include "wheelfix/elf/types.hpp"

namespace wheelfix::elf::detail {
namespace {

struct TagName {
  std::int64_t tag;
  const char* name;
};

// Address, size and entry-size tags, the single-valued strings and the flag
// words. DT_NEEDED, DT_AUXILIARY, DT_FILTER and valueless tags may repeat.
constexpr TagName kUnique[] = {
    {DT_PLTRELSZ, "DT_PLTRELSZ"},   {DT_PLTGOT, "DT_PLTGOT"},
    {DT_HASH, "DT_HASH"},           {DT_STRTAB, "DT_STRTAB"},
    {DT_SYMTAB, "DT_SYMTAB"},       {DT_RELA, "DT_RELA"},
    {DT_RELASZ, "DT_RELASZ"},       {DT_RELAENT, "DT_RELAENT"},
    {DT_STRSZ, "DT_STRSZ"},         {DT_SYMENT, "DT_SYMENT"},
    {DT_INIT, "DT_INIT"},           {DT_FINI, "DT_FINI"},
    {DT_SONAME, "DT_SONAME"},       {DT_RPATH, "DT_RPATH"},
    {DT_REL, "DT_REL"},             {DT_RELSZ, "DT_RELSZ"},
    {DT_RELENT, "DT_RELENT"},       {DT_PLTREL, "DT_PLTREL"},
    {DT_JMPREL, "DT_JMPREL"},       {DT_INIT_ARRAY, "DT_INIT_ARRAY"},
    {DT_FINI_ARRAY, "DT_FINI_ARRAY"}, {DT_INIT_ARRAYSZ, "DT_INIT_ARRAYSZ"},
    {DT_FINI_ARRAYSZ, "DT_FINI_ARRAYSZ"}, {DT_RUNPATH, "DT_RUNPATH"},
    {DT_FLAGS, "DT_FLAGS"},         {DT_PREINIT_ARRAY, "DT_PREINIT_ARRAY"},
    {DT_PREINIT_ARRAYSZ, "DT_PREINIT_ARRAYSZ"}, {DT_RELRSZ, "DT_RELRSZ"},
    {DT_RELR, "DT_RELR"},           {DT_RELRENT, "DT_RELRENT"},
    {DT_GNU_HASH, "DT_GNU_HASH"},   {DT_VERSYM, "DT_VERSYM"},
    {DT_RELACOUNT, "DT_RELACOUNT"}, {DT_RELCOUNT, "DT_RELCOUNT"},
    {DT_FLAGS_1, "DT_FLAGS_1"},     {DT_VERDEF, "DT_VERDEF"},
    {DT_VERDEFNUM, "DT_VERDEFNUM"}, {DT_VERNEED, "DT_VERNEED"},
    {DT_VERNEEDNUM, "DT_VERNEEDNUM"},
};
static_assert(std::size(kUnique) <= 64, "UniqueTagCheck::seen_ holds 64 tags");

// Position of `tag` in kUnique, or -1.
int unique_index(std::int64_t tag) {
  for (std::size_t i = 0; i < std::size(kUnique); ++i)
    if (kUnique[i].tag == tag) return static_cast<int>(i);
  return -1;
}

}  // namespace

std::optional<std::string> UniqueTagCheck::add(std::int64_t tag) {
  int i = unique_index(tag);
  if (i < 0) return std::nullopt;
  if (seen_.test(static_cast<std::size_t>(i)))
    return std::string("duplicate ") + kUnique[i].name + " in the dynamic section";
  seen_.set(static_cast<std::size_t>(i));
  return std::nullopt;
}

std::optional<std::string> UniqueSegmentCheck::add(std::uint32_t type) {
  bool* seen = type == PT_DYNAMIC ? &dynamic_ : type == PT_INTERP ? &interp_ : type == PT_PHDR ? &phdr_ : nullptr;
  if (!seen) return std::nullopt;
  if (*seen) {
    const char* name = type == PT_DYNAMIC ? "PT_DYNAMIC" : type == PT_INTERP ? "PT_INTERP" : "PT_PHDR";
    return std::string("more than one ") + name + " segment";
  }
  *seen = true;
  return std::nullopt;
}

}  // namespace wheelfix::elf::detail
