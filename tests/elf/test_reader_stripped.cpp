// The reader on stripped files and on files whose section headers were
// removed: everything must come from the program headers and still match.
#include <catch.hpp>

#include <elf.h>

#include <cstring>
#include <regex>
#include <string>

#include "elf/test_reader_support.hpp"
#include "wheelfix/elf/elf_info.hpp"
#include "wheelfix/elf/types.hpp"

using namespace wheelfix;
using namespace wheelfix::elf;
using elf::testing::compile_c;
using elf::testing::TempDir;

namespace {

const char* kLib = R"(
#include <stdio.h>
#include <string.h>
#include <math.h>
extern void optional_hook(void) __attribute__((weak));
int counter = 3;
static int helper(int x) { return x * 2; }
int api_one(const char* s) { if (optional_hook) optional_hook(); return (int)strlen(s) + helper(counter); }
double api_two(double x) { printf("%f\n", x); return sqrt(x); }
int api_v1(void) { return 1; }
int api_v2(void) { return 2; }
__asm__(".symver api_v1,api@LIB_1");
__asm__(".symver api_v2,api@@LIB_2");
)";

const char* kScript = "LIB_1 { global: api; api_one; counter; local: *; };\n"
                      "LIB_2 { global: api; api_two; } LIB_1;\n";

// A copy of `data` with e_shoff, e_shnum and e_shstrndx zeroed: no section
// headers at all, as some packers and hand-made files leave them.
std::vector<std::uint8_t> without_section_headers(std::vector<std::uint8_t> data) {
  REQUIRE(data.size() >= sizeof(Elf64LE::Ehdr));
  Elf64LE::Ehdr eh;
  std::memcpy(&eh, data.data(), sizeof(eh));
  eh.e_shoff = 0;
  eh.e_shnum = 0;
  eh.e_shstrndx = 0;
  std::memcpy(data.data(), &eh, sizeof(eh));
  return data;
}

void check_same(const ElfInfo& a, const ElfInfo& b) {
  CHECK(a.needed == b.needed);
  CHECK(a.soname == b.soname);
  CHECK(a.runpath == b.runpath);
  REQUIRE(a.version_needs.size() == b.version_needs.size());
  for (std::size_t i = 0; i < a.version_needs.size(); ++i) {
    CHECK(a.version_needs[i].file == b.version_needs[i].file);
    REQUIRE(a.version_needs[i].versions.size() == b.version_needs[i].versions.size());
    for (std::size_t j = 0; j < a.version_needs[i].versions.size(); ++j) {
      CHECK(a.version_needs[i].versions[j].name == b.version_needs[i].versions[j].name);
      CHECK(a.version_needs[i].versions[j].index == b.version_needs[i].versions[j].index);
    }
  }
  REQUIRE(a.version_defs.size() == b.version_defs.size());
  for (std::size_t i = 0; i < a.version_defs.size(); ++i) {
    CHECK(a.version_defs[i].name == b.version_defs[i].name);
  }
  REQUIRE(a.symbols.size() == b.symbols.size());
  for (std::size_t i = 0; i < a.symbols.size(); ++i) {
    CHECK(a.symbols[i].name == b.symbols[i].name);
    CHECK(a.symbols[i].version == b.symbols[i].version);
    CHECK(a.symbols[i].version_hidden == b.symbols[i].version_hidden);
    CHECK(a.symbols[i].defined == b.symbols[i].defined);
    CHECK(a.symbols[i].binding == b.symbols[i].binding);
  }
}

// The number of .dynsym entries readelf reports (null symbol excluded).
std::size_t readelf_dynsym_count(const std::string& path) {
  std::string out = elf::testing::capture("readelf -W --dyn-syms '" + path + "'");
  std::smatch m;
  REQUIRE(std::regex_search(out, m, std::regex("contains (\\d+) entr")));
  return std::stoul(m[1]) - 1;
}

}  // namespace

TEST_CASE("stripped and section-header-less copies give the same facts", "[reader]") {
  const std::string style = GENERATE(std::string("gnu"), std::string("sysv"), std::string("both"));
  INFO("hash style " << style);
  TempDir dir;
  elf::testing::write_text(dir / "lib.map", kScript);
  std::string lib = compile_c(dir, "cc", "lib", kLib,
                              "-shared -fPIC -lm -Wl,--hash-style=" + style +
                                  " -Wl,--version-script=" + (dir / "lib.map") +
                                  " -Wl,-soname,libfull.so.2 -Wl,-rpath,/opt/x",
                              "libfull.so");
  REQUIRE(!lib.empty());
  auto full = parse_file(lib);
  REQUIRE(full.ok());
  CHECK(full->symbols.size() == readelf_dynsym_count(lib));
  CHECK(full->symbols.size() > 8);
  CHECK(full->version_defs.size() == 3);
  CHECK(full->needed.size() == 2);

  std::string stripped = dir / "libstripped.so";
  REQUIRE(elf::testing::run("strip --strip-all -o '" + stripped + "' '" + lib + "'"));
  auto s = parse_file(stripped);
  REQUIRE(s.ok());
  check_same(*full, *s);

  std::string bare = dir / "libbare.so";
  elf::testing::write_bytes(bare, without_section_headers(elf::testing::read_bytes(lib)));
  CHECK(elf::testing::capture("readelf -S '" + bare + "'").find("no sections") != std::string::npos);
  auto b = parse_file(bare);
  INFO((b.ok() ? "" : b.error().message));
  REQUIRE(b.ok());
  check_same(*full, *b);
}

TEST_CASE("VER_FLG_WEAK on a version requirement is reported", "[reader]") {
  TempDir dir;
  std::string lib = compile_c(dir, "cc", "user", "#include <stdio.h>\nvoid f(void) { puts(\"x\"); }\n",
                              "-shared -fPIC", "libuser.so");
  REQUIRE(!lib.empty());
  auto before = parse_file(lib);
  REQUIRE(before.ok());
  REQUIRE(before->version_needs.size() == 1);
  REQUIRE(before->version_needs[0].versions.size() == 1);
  CHECK(!before->version_needs[0].versions[0].weak());

  // Locate the Vernaux entry with readelf (an independent reader) and set
  // VER_FLG_WEAK in its vna_flags (4 bytes into the entry).
  std::string out = elf::testing::capture("readelf -W -V '" + lib + "'");
  std::smatch m;
  REQUIRE(std::regex_search(out, m, std::regex("Version needs section[^\\n]*\\n[^\\n]*Offset: (0x[0-9a-f]+)")));
  std::uint64_t section = std::stoull(m[1], nullptr, 16);
  REQUIRE(std::regex_search(out, m, std::regex("\\n  (0x[0-9a-f]+):   Name: GLIBC_")));
  std::uint64_t entry = std::stoull(m[1], nullptr, 16);
  auto data = elf::testing::read_bytes(lib);
  REQUIRE(section + entry + 6 <= data.size());
  data[section + entry + 4] |= VER_FLG_WEAK;  // little-endian u16: low byte first
  std::string patched = dir / "libweak.so";
  elf::testing::write_bytes(patched, data);
  CHECK(elf::testing::capture("readelf -W -V '" + patched + "'").find("Flags: WEAK") != std::string::npos);

  auto after = parse_file(patched);
  REQUIRE(after.ok());
  const VersionRef& v = after->version_needs[0].versions[0];
  CHECK(v.weak());
  CHECK(v.flags == VER_FLG_WEAK);
  CHECK(v.name == before->version_needs[0].versions[0].name);
}
