// Symbol renames in files whose program header table grows in place: the
// sections right after the table (.hash, .gnu.hash, .dynsym) move to the
// added segment, and their rebuilt content must land there, not over the
// grown table (fuzz/regressions/elf_rewriter/musl-rename-clobbers-grown-phdr).
#include <catch.hpp>
#include <elf.h>

#include <cstring>

#include "test_rewrite_support.hpp"

using namespace wheelfix;
using namespace rwtest;

namespace {

const char* kLibSource =
    "int grow_value(void) { return 42; }\n"
    "int grow_other(void) { return 7; }\n";

const char* kProgSource =
    "int grow_value(void);\nint grow_other(void);\n"
    "int main(void) { return grow_value() == 42 && grow_other() == 7 ? 0 : 1; }\n";

// A number from "readelf -hW" (`label` e.g. "Start of program headers:").
std::uint64_t header_field(const std::string& file, const std::string& label) {
  std::istringstream in(capture("readelf -hW '" + file + "'"));
  for (std::string line; std::getline(in, line);) {
    auto at = line.find(label);
    if (at != std::string::npos) return std::stoull(line.substr(at + label.size()));
  }
  return 0;
}

// File offset of the section named `name` ("readelf -SW"), or 0.
std::uint64_t section_offset(const std::string& file, const std::string& name) {
  std::istringstream in(capture("readelf -SW '" + file + "'"));
  std::regex row(R"(\]\s+(\S+)\s+\S+\s+[0-9a-f]+\s+([0-9a-f]+)\s)");
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_search(line, m, row) && m[1] == name) return std::stoull(m[2], nullptr, 16);
  }
  return 0;
}

std::uint64_t phdr_end(const std::string& file) {
  return header_field(file, "Start of program headers:") +
         header_field(file, "Number of program headers:") * header_field(file, "Size of program headers:");
}

// readelf's warnings and errors about the program headers and dynamic
// symbols (both streams).
std::string readelf_complaints(const std::string& file) {
  std::string out = capture("sh -c \"readelf -lW --dyn-syms -D '" + file + "' 2>&1\"");
  std::string bad;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);)
    if (line.find("Warning") != std::string::npos || line.find("Error") != std::string::npos) bad += line + "\n";
  return bad;
}

// Renames `from` to `to` in `file`; checks the program header table stayed
// in place with `added` more entries and the result is well-formed.
void rename_growing(const std::string& file, const std::string& from, const std::string& to, int added) {
  std::uint64_t phoff = header_field(file, "Start of program headers:");
  std::uint64_t phnum = header_field(file, "Number of program headers:");
  elf::EditPlan plan;
  plan.rename_dynamic_symbols = {{from, to}};
  auto r = elf::rewrite(file, plan);
  INFO(file << ": " << (r.ok() ? std::string() : r.error().message));
  REQUIRE(r.ok());
  CHECK(r->changed);
  CHECK(header_field(file, "Start of program headers:") == phoff);
  CHECK(header_field(file, "Number of program headers:") == phnum + added);
  CHECK(readelf_complaints(file).empty());
  CHECK(elflint(file).empty());  // includes the hash chains of .hash/.gnu.hash
  auto info = elf::parse_file(file);
  REQUIRE(info.ok());
  bool found = false, old = false;
  for (const auto& s : info->symbols) {
    found = found || s.name == to;
    old = old || s.name == from;
  }
  CHECK(found);
  CHECK_FALSE(old);
}

}  // namespace

TEST_CASE("rename a symbol where the grown program header table moves .hash (musl-gcc)", "[rewrite][symbols][grow]") {
  if (!have("musl-gcc") || access("/lib/ld-musl-x86_64.so.1", X_OK) != 0) {
    WARN("SKIP: musl-gcc or /lib/ld-musl-x86_64.so.1 missing (apt-get install musl-tools)");
    return;
  }
  // musl-gcc's default output has .hash and .gnu.hash; sysv-only makes the
  // musl loader look names up through .hash.
  for (std::string style : {"", "-Wl,--hash-style=sysv"}) {
    std::string dir = scratch(style.empty() ? "grow_musl" : "grow_musl_sysv");
    std::string lib = dir + "/libgrow.so", prog = dir + "/prog";
    { std::ofstream(dir + "/lib.c") << kLibSource; }
    { std::ofstream(dir + "/prog.c") << kProgSource; }
    REQUIRE(run("musl-gcc -shared -fPIC -o " + lib + " -Wl,-soname,libgrow.so " + style + " " + dir + "/lib.c") == 0);
    REQUIRE(run("musl-gcc -o " + prog + " " + dir + "/prog.c -L" + dir + " -lgrow -Wl,-rpath,'$ORIGIN' " + style) == 0);
    INFO("hash style: " << (style.empty() ? "default" : style));
    // The case under test: .hash starts where the program headers end.
    REQUIRE(section_offset(lib, ".hash") == phdr_end(lib));
    REQUIRE(run_prog(prog) == 0);

    rename_growing(lib, "grow_value", "grow_value_renamed_by_wheelfix", 1);
    rename_growing(prog, "grow_value", "grow_value_renamed_by_wheelfix", 1);
    CHECK(run_prog(prog) == 0);  // the musl loader finds it through the hash table

    // A second rename: the moved tables now lie in the segment the first
    // run added, which is rebuilt (no new program header).
    rename_growing(lib, "grow_other", "grow_other_renamed_too", 0);
    rename_growing(prog, "grow_other", "grow_other_renamed_too", 0);
    CHECK(run_prog(prog) == 0);
  }
}

TEST_CASE("rename a symbol where the grown program header table moves the hash tables (gcc)", "[rewrite][symbols][grow]") {
  // Link options and the section that then follows the program headers.
  const std::pair<const char*, const char*> cases[] = {
      {"-Wl,--build-id=none -Wl,--hash-style=gnu", ".gnu.hash"},
      {"-Wl,--build-id=none -Wl,--hash-style=both", ".hash"},
      {"-Wl,--build-id=none -Wl,--hash-style=sysv", ".hash"},
      {"-Wl,--build-id -Wl,--hash-style=both", ".note.gnu.build-id"},
  };
  for (const auto& [opts, first] : cases) {
    INFO("link options: " << opts);
    std::string dir = scratch("grow_gcc");
    std::string lib = dir + "/libgrow.so";
    { std::ofstream(dir + "/lib.c") << kLibSource; }
    REQUIRE(run(std::string("gcc -shared -fPIC -O1 -o ") + lib + " " + opts + " " + dir + "/lib.c") == 0);
    REQUIRE(section_offset(lib, first) == phdr_end(lib));
    rename_growing(lib, "grow_value", "grow_value_renamed_by_wheelfix", 1);
    CHECK(call_in_child(lib, "grow_value_renamed_by_wheelfix") == 42);
    CHECK(call_in_child(lib, "grow_other") == 7);
    CHECK_FALSE(call_in_child(lib, "grow_value").has_value());
  }
}

TEST_CASE("a table the section headers understate is not cut in two by growing the program headers", "[rewrite][symbols][grow]") {
  // fuzz/regressions/elf_rewriter/rename-dynsym-cut-by-grown-phdr-block:
  // .dynsym's header claims a 16-byte note, so the run of sections moved
  // for the grown table ended inside .dynsym (found through DT_SYMTAB and
  // the GNU hash) and only its start moved. Now the table moves instead.
  std::string dir = scratch("grow_cut");
  std::string lib = dir + "/libgrow.so";
  { std::ofstream(dir + "/lib.c") << kLibSource; }
  REQUIRE(run("gcc -shared -fPIC -O1 -o " + lib + " -Wl,--build-id=none -Wl,--hash-style=gnu " + dir + "/lib.c") == 0);
  REQUIRE(section_offset(lib, ".gnu.hash") == phdr_end(lib));
  std::uint64_t phoff = header_field(lib, "Start of program headers:");
  auto d = read_all(lib);
  const auto* eh = reinterpret_cast<const Elf64_Ehdr*>(d.data());
  bool edited = false;
  for (std::uint16_t i = 0; i < eh->e_shnum; ++i) {
    auto* sh = reinterpret_cast<Elf64_Shdr*>(d.data() + eh->e_shoff + i * sizeof(Elf64_Shdr));
    if (sh->sh_type != SHT_DYNSYM) continue;
    sh->sh_type = SHT_NOTE;
    sh->sh_size = 16;
    edited = true;
  }
  REQUIRE(edited);
  write_all(lib, d);
  elf::EditPlan plan;
  plan.rename_dynamic_symbols = {{"grow_value", "grow_value_renamed_by_wheelfix"}};
  auto r = elf::rewrite(lib, plan);
  INFO((r.ok() ? std::string() : r.error().message));
  REQUIRE(r.ok());
  CHECK(header_field(lib, "Start of program headers:") != phoff);  // moved, not grown
  auto info = elf::parse_file(lib);
  REQUIRE(info.ok());
  CHECK(call_in_child(lib, "grow_value_renamed_by_wheelfix") == 42);
  CHECK(call_in_child(lib, "grow_other") == 7);
}

TEST_CASE("renaming an undefined symbol keeps GNU ld's empty GNU hash table and .dynsym entry 0", "[rewrite][symbols]") {
  // A no-PIE executable that exports nothing: ld writes a GNU hash table
  // with empty buckets and no chains. Rebuilding chains for its undefined
  // symbols used to write them over .dynsym entry 0.
  std::string dir = scratch("grow_empty_hash");
  std::string lib = dir + "/libgrow.so", prog = dir + "/prog";
  { std::ofstream(dir + "/lib.c") << kLibSource; }
  { std::ofstream(dir + "/prog.c") << kProgSource; }
  REQUIRE(run("gcc -shared -fPIC -o " + lib + " -Wl,-soname,libgrow.so " + dir + "/lib.c") == 0);
  REQUIRE(run("gcc -no-pie -fno-PIE -Wl,--hash-style=gnu -o " + prog + " " + dir + "/prog.c -L" + dir +
              " -lgrow -Wl,-rpath,'$ORIGIN'") == 0);
  auto before = capture("readelf -x .gnu.hash '" + prog + "'");
  elf::EditPlan plan;
  plan.rename_dynamic_symbols = {{"grow_value", "grow_value_renamed_by_wheelfix"}};
  for (const auto& f : {lib, prog}) {
    auto r = elf::rewrite(f, plan);
    INFO(f << ": " << (r.ok() ? std::string() : r.error().message));
    REQUIRE(r.ok());
  }
  CHECK(elflint(prog).empty());
  CHECK(capture("readelf -x .gnu.hash '" + prog + "'") == before);
  CHECK(readelf_complaints(prog).empty());
  CHECK(run_prog(prog) == 0);
}

TEST_CASE("a section reaching out of the run behind the program headers stops it from moving", "[rewrite][symbols][grow]") {
  // fuzz/regressions/elf_rewriter/block-moves-section-out-of-file: a corrupt
  // section started inside .dynsym and ran past the moved run of sections;
  // it moved with them and ended past the end of the output.
  std::string dir = scratch("grow_straddle");
  std::string lib = dir + "/libgrow.so";
  { std::ofstream(dir + "/lib.c") << kLibSource; }
  REQUIRE(run("gcc -shared -fPIC -O1 -o " + lib + " -Wl,--build-id=none -Wl,--hash-style=gnu " + dir + "/lib.c") == 0);
  REQUIRE(section_offset(lib, ".gnu.hash") == phdr_end(lib));
  std::uint64_t phoff = header_field(lib, "Start of program headers:");
  std::uint64_t dynsym = section_offset(lib, ".dynsym");
  REQUIRE(dynsym != 0);
  auto d = read_all(lib);
  const auto* eh = reinterpret_cast<const Elf64_Ehdr*>(d.data());
  const auto* shstr = reinterpret_cast<const Elf64_Shdr*>(d.data() + eh->e_shoff + eh->e_shstrndx * sizeof(Elf64_Shdr));
  bool edited = false;
  for (std::uint16_t i = 0; i < eh->e_shnum; ++i) {
    auto* sh = reinterpret_cast<Elf64_Shdr*>(d.data() + eh->e_shoff + i * sizeof(Elf64_Shdr));
    if (std::strcmp(reinterpret_cast<const char*>(d.data() + shstr->sh_offset + sh->sh_name), ".comment") != 0) continue;
    sh->sh_flags |= SHF_ALLOC;
    sh->sh_offset = dynsym + 8;
    sh->sh_size = d.size() - sh->sh_offset - 1;  // inside the file, far past .dynsym
    edited = true;
  }
  REQUIRE(edited);
  write_all(lib, d);
  elf::EditPlan plan;
  plan.rename_dynamic_symbols = {{"grow_value", "grow_value_renamed_by_wheelfix"}};
  auto r = elf::rewrite(lib, plan);
  INFO((r.ok() ? std::string() : r.error().message));
  REQUIRE(r.ok());
  CHECK(header_field(lib, "Start of program headers:") != phoff);  // moved, not grown
  auto out = read_all(lib);
  auto facts = elf::read_dynamic_facts(util::Bytes(out.data(), out.size()), lib);
  INFO((facts.ok() ? std::string() : facts.error().message));
  CHECK(facts.ok());
  CHECK(call_in_child(lib, "grow_value_renamed_by_wheelfix") == 42);
  CHECK(call_in_child(lib, "grow_other") == 7);
}

TEST_CASE("a run behind the program headers mapped by two PT_LOADs does not move", "[rewrite][symbols][grow]") {
  // fuzz/regressions/elf_rewriter/block-mapped-by-two-loads: a second
  // PT_LOAD mapped the file's start at another address; the run was placed
  // through that one, so DT_GNU_HASH kept pointing into the grown table.
  std::string dir = scratch("grow_two_loads");
  std::string lib = dir + "/libgrow.so";
  { std::ofstream(dir + "/lib.c") << kLibSource; }
  REQUIRE(run("gcc -shared -fPIC -O1 -o " + lib + " -Wl,--build-id=none -Wl,--hash-style=gnu " + dir + "/lib.c") == 0);
  REQUIRE(section_offset(lib, ".gnu.hash") == phdr_end(lib));
  std::uint64_t phoff = header_field(lib, "Start of program headers:");
  auto d = read_all(lib);
  auto* eh = reinterpret_cast<Elf64_Ehdr*>(d.data());
  auto* ph = reinterpret_cast<Elf64_Phdr*>(d.data() + eh->e_phoff);
  Elf64_Phdr* last_ro = nullptr;  // a read-only PT_LOAD after the first
  for (std::uint16_t i = 1; i < eh->e_phnum; ++i)
    if (ph[i].p_type == PT_LOAD && ph[i].p_flags == PF_R && ph[i].p_offset != 0) last_ro = &ph[i];
  REQUIRE(last_ro != nullptr);
  last_ro->p_offset = 0;
  last_ro->p_filesz = last_ro->p_memsz = std::max<std::uint64_t>(last_ro->p_filesz, 0x800);
  write_all(lib, d);
  REQUIRE(elf::parse_file(lib).ok());
  elf::EditPlan plan;
  plan.rename_dynamic_symbols = {{"grow_value", "grow_value_renamed_by_wheelfix"}};
  auto r = elf::rewrite(lib, plan);
  INFO((r.ok() ? std::string() : r.error().message));
  REQUIRE(r.ok());
  CHECK(header_field(lib, "Start of program headers:") != phoff);  // moved, not grown
  auto info = elf::parse_file(lib, elf::ParseOptions{.symbols = true});
  INFO((info.ok() ? std::string() : info.error().message));
  REQUIRE(info.ok());
  bool renamed = false;
  for (const auto& s : info->symbols) renamed = renamed || s.name == "grow_value_renamed_by_wheelfix";
  CHECK(renamed);
}
