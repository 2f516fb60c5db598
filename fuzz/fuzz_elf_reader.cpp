// libFuzzer target: the ELF reader (elf::parse, with and without symbols)
// and the rewriter's own parser (read_dynamic_facts) on arbitrary bytes.
// Properties: no crash, no sanitizer report; a parse that succeeds
// describes a file whose strings lie inside it.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.hpp"
#include "wheelfix/elf/elf_info.hpp"
#include "wheelfix/elf/rewriter.hpp"

using namespace wheelfix;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  util::Bytes bytes(data, size);
  const bool magic = elf::is_elf(bytes);
  auto full = elf::parse(bytes, "fuzz.so");
  auto quick = elf::parse(bytes, "fuzz.so", elf::ParseOptions{.symbols = false});
  if (full.ok() != quick.ok() && full.ok()) fuzz::violated("parse without symbols failed where parse with them succeeded");
  if (full.ok() && !magic) fuzz::violated("parse accepted a file is_elf() rejects");
  if (full.ok()) {
    // Every string the reader returns was copied out of the input, so none
    // can be longer than the file; walking them touches every byte.
    std::size_t total = 0;
    for (const auto& n : full->needed) total += n.size();
    for (const auto& v : full->version_needs) {
      total += v.file.size();
      for (const auto& r : v.versions) total += r.name.size();
    }
    for (const auto& s : full->symbols) {
      if (s.name.size() > size || s.version.size() > size) fuzz::violated("symbol string longer than the file");
    }
    if (full->soname && full->soname->size() > size) fuzz::violated("soname longer than the file");
    (void)full->is_musl();
    (void)full->x86_isa_level();
    (void)elf::arch_name(full->arch);
    (void)total;
  }
  auto facts = elf::read_dynamic_facts(bytes, "fuzz.so");
  if (facts.ok()) (void)elf::os_abi_name(facts->os_abi);
  return 0;
}
