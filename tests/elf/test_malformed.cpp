// Malformed inputs: truncations, corrupted offsets and counts, and seeded
// random byte mutations of real files. parse() must return a value or an
// error naming the file, never crash or read out of bounds (run this binary
// under -fsanitize=address,undefined to check the latter).
#include <catch.hpp>

#include <elf.h>

#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "elf/test_reader_support.hpp"
#include "wheelfix/elf/elf_info.hpp"
#include "wheelfix/elf/types.hpp"

using namespace wheelfix;
using namespace wheelfix::elf;
using elf::testing::compile_c;
using elf::testing::TempDir;
using Bytes = std::vector<std::uint8_t>;
using E = Elf64LE;

namespace {

const char* kLib = R"(
#include <stdio.h>
extern void hook(void) __attribute__((weak));
int api_v1(void) { return 1; }
int api_v2(void) { if (hook) hook(); return printf("x"); }
__asm__(".symver api_v1,api@LIB_1");
__asm__(".symver api_v2,api@@LIB_2");
)";

// Builds the test library with `compiler`; "" when the compiler is absent.
std::string build_lib(const TempDir& dir, const std::string& compiler, const std::string& out,
                      const std::string& extra = "") {
  if (!elf::testing::have_program(compiler)) return "";
  elf::testing::write_text(dir / "lib.map", "LIB_1 { global: api; local: *; };\nLIB_2 { global: api; } LIB_1;\n");
  return compile_c(dir, compiler, "lib", kLib,
                   "-shared -fPIC -Wl,-soname,libm1.so -Wl,-rpath,/opt/r -Wl,--version-script=" +
                       (dir / "lib.map") + " " + extra,
                   out);
}

// Parses an exact-size copy (so a sanitizer sees any read past the end) and
// checks the outcome is a value or an error that names the file.
util::Result<ElfInfo> parse_copy(const Bytes& data, std::size_t size = SIZE_MAX) {
  Bytes copy(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(std::min(size, data.size())));
  auto r = parse(util::Bytes(copy.data(), copy.size()), "bad.so", ParseOptions{.symbols = true});
  if (!r.ok()) {
    INFO(r.error().message);
    CHECK(r.error().message.rfind("bad.so: ", 0) == 0);
    CHECK(r.error().message.size() > 9);
  }
  return r;
}

std::string error_of(const Bytes& data) {
  auto r = parse_copy(data);
  return r.ok() ? std::string("<ok>") : r.error().message;
}

template <typename T>
T get(const Bytes& d, std::uint64_t off) {
  T v;
  std::memcpy(&v, d.data() + off, sizeof(T));
  return v;
}
template <typename T>
void put(Bytes& d, std::uint64_t off, const T& v) {
  std::memcpy(d.data() + off, &v, sizeof(T));
}

// Test-side navigation of a known-good 64-bit LE file.
std::uint64_t phdr_offset(const Bytes& d, std::uint32_t type) {
  auto eh = get<E::Ehdr>(d, 0);
  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    std::uint64_t off = eh.e_phoff + i * sizeof(E::Phdr);
    if (get<E::Phdr>(d, off).p_type == type) return off;
  }
  FAIL("no program header of type " << type);
  return 0;
}

// File offset of the first dynamic entry with `tag`.
std::uint64_t dyn_offset(const Bytes& d, std::int64_t tag) {
  auto ph = get<E::Phdr>(d, phdr_offset(d, PT_DYNAMIC));
  for (std::uint64_t off = ph.p_offset; off < ph.p_offset + ph.p_filesz; off += sizeof(E::Dyn)) {
    if (get<E::Dyn>(d, off).d_tag == tag) return off;
  }
  FAIL("no dynamic tag " << tag);
  return 0;
}

void set_dyn(Bytes& d, std::int64_t tag, std::uint64_t value) {
  std::uint64_t off = dyn_offset(d, tag);
  auto dyn = get<E::Dyn>(d, off);
  dyn.d_val = value;
  put(d, off, dyn);
}

}  // namespace

TEST_CASE("truncation at every length of a small library", "[malformed]") {
  TempDir dir;
  std::string lib = build_lib(dir, "cc", "libm1.so");
  REQUIRE(!lib.empty());
  Bytes data = elf::testing::read_bytes(lib);
  REQUIRE(parse_copy(data).ok());
  std::size_t ok = 0, failed = 0;
  for (std::size_t len = 0; len < data.size(); ++len) {
    (parse_copy(data, len).ok() ? ok : failed)++;
  }
  CHECK(failed > 0);
  INFO("ok " << ok << ", failed " << failed);
  CHECK(error_of(Bytes(data.begin(), data.begin() + 63)) == "bad.so: file is too short for an ELF header");
  CHECK(error_of(Bytes(data.begin(), data.begin() + 3)) == "bad.so: not an ELF file (no ELF magic)");
  auto eh = get<E::Ehdr>(data, 0);
  Bytes cut(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(eh.e_phoff + sizeof(E::Phdr)));
  CHECK(error_of(cut) == "bad.so: program header table runs past the end of the file");
}

TEST_CASE("corrupted offsets and counts give errors naming the problem", "[malformed]") {
  TempDir dir;
  std::string lib = build_lib(dir, "cc", "libm1.so");
  REQUIRE(!lib.empty());
  const Bytes good = elf::testing::read_bytes(lib);
  auto with_ehdr = [&](auto&& edit) {
    Bytes d = good;
    auto eh = get<E::Ehdr>(d, 0);
    edit(eh);
    put(d, 0, eh);
    return error_of(d);
  };
  CHECK(with_ehdr([](E::Ehdr& eh) { eh.e_phoff = ~0ull - 8; }) ==
        "bad.so: program header table runs past the end of the file");
  CHECK(with_ehdr([](E::Ehdr& eh) { eh.e_phentsize = 20; }).find("e_phentsize 20") != std::string::npos);
  CHECK(with_ehdr([](E::Ehdr& eh) { eh.e_phnum = PN_XNUM; }).find("PN_XNUM") != std::string::npos);
  CHECK(with_ehdr([](E::Ehdr& eh) { eh.e_phnum = 0xfffe; }) ==
        "bad.so: program header table runs past the end of the file");
  // Corrupt section headers are optional: the parse still succeeds.
  CHECK(with_ehdr([](E::Ehdr& eh) { eh.e_shoff = ~0ull; }) == "<ok>");
  CHECK(with_ehdr([](E::Ehdr& eh) { eh.e_shnum = 0xffff; }) == "<ok>");

  auto with_phdr = [&](std::uint32_t type, auto&& edit) {
    Bytes d = good;
    std::uint64_t off = phdr_offset(d, type);
    auto ph = get<E::Phdr>(d, off);
    edit(ph);
    put(d, off, ph);
    return error_of(d);
  };
  CHECK(with_phdr(PT_DYNAMIC, [&](E::Phdr& ph) { ph.p_offset = good.size(); }) ==
        "bad.so: PT_DYNAMIC segment runs past the end of the file");
  CHECK(with_phdr(PT_DYNAMIC, [](E::Phdr& ph) { ph.p_filesz = ~0ull; }) ==
        "bad.so: PT_DYNAMIC segment runs past the end of the file");
  CHECK(with_phdr(PT_DYNAMIC, [](E::Phdr& ph) { ph.p_filesz = 8; }) ==
        "bad.so: PT_DYNAMIC segment has no DT_NULL terminator");
  CHECK(with_phdr(PT_LOAD, [](E::Phdr& ph) { ph.p_filesz = 0; }).find("is not in any PT_LOAD segment") !=
        std::string::npos);

  auto with_dyn = [&](std::int64_t tag, std::uint64_t value) {
    Bytes d = good;
    set_dyn(d, tag, value);
    return error_of(d);
  };
  CHECK(with_dyn(DT_STRTAB, 0xdead0000) == "bad.so: DT_STRTAB address 0xdead0000 is not in any PT_LOAD segment");
  CHECK(with_dyn(DT_STRSZ, ~0ull).find("DT_STRTAB at 0x") != std::string::npos);
  CHECK(with_dyn(DT_NEEDED, 0x7fffffff) == "bad.so: DT_NEEDED string offset 0x7fffffff is outside the string table");
  CHECK(with_dyn(DT_RUNPATH, ~0ull).find("DT_RUNPATH string offset") != std::string::npos);
  CHECK(with_dyn(DT_SYMENT, 7) == "bad.so: DT_SYMENT 7 is not the size of a symbol (24)");
  CHECK(with_dyn(DT_VERNEEDNUM, 0xffffffff) == "bad.so: DT_VERNEEDNUM 4294967295 is larger than its segment holds");
  CHECK(with_dyn(DT_VERDEFNUM, 1ull << 40).find("DT_VERDEFNUM") != std::string::npos);
  CHECK(with_dyn(DT_VERSYM, 0xdead0000) == "bad.so: DT_VERSYM address 0xdead0000 is not in any PT_LOAD segment");
  CHECK(with_dyn(DT_SYMTAB, ~0ull - 4).find("DT_SYMTAB address") != std::string::npos);

  // No DT_NULL at all: turn every DT_NULL into DT_DEBUG.
  Bytes d = good;
  auto ph = get<E::Phdr>(d, phdr_offset(d, PT_DYNAMIC));
  for (std::uint64_t off = ph.p_offset; off < ph.p_offset + ph.p_filesz; off += sizeof(E::Dyn)) {
    auto dyn = get<E::Dyn>(d, off);
    if (dyn.d_tag == DT_NULL) dyn.d_tag = DT_DEBUG;
    put(d, off, dyn);
  }
  CHECK(error_of(d) == "bad.so: PT_DYNAMIC segment has no DT_NULL terminator");
}

TEST_CASE("version chains with absurd links end quickly", "[malformed]") {
  TempDir dir;
  std::string lib = build_lib(dir, "cc", "libm1.so");
  REQUIRE(!lib.empty());
  const Bytes good = elf::testing::read_bytes(lib);
  auto info = parse_copy(good);
  REQUIRE(info.ok());
  REQUIRE(!info->version_needs.empty());
  // Find the first Verneed through DT_VERNEED (vaddr == file offset in the
  // first PT_LOAD of this small library) and corrupt its links.
  std::uint64_t vn = get<E::Dyn>(good, dyn_offset(good, DT_VERNEED)).d_val;
  auto load = get<E::Phdr>(good, phdr_offset(good, PT_LOAD));
  REQUIRE(load.p_vaddr == load.p_offset);
  for (std::uint32_t next : {1u, 2u, 16u, 0xffffffffu}) {
    for (std::uint16_t cnt : {std::uint16_t{0}, std::uint16_t{0xffff}}) {
      Bytes d = good;
      auto v = get<E::Verneed>(d, vn);
      v.vn_next = next;
      v.vn_cnt = cnt;
      put(d, vn, v);
      auto aux = get<E::Vernaux>(d, vn + v.vn_aux);
      aux.vna_next = next;
      put(d, vn + v.vn_aux, aux);
      set_dyn(d, DT_VERNEEDNUM, 0x100);
      (void)parse_copy(d);  // a value or an error, either is fine; it must return
    }
  }
}

TEST_CASE("seeded random byte mutations of real files never crash", "[malformed]") {
  TempDir dir;
  std::vector<std::string> files;
  for (auto [cc, out, extra] : {std::tuple{"cc", "lib-x86_64.so", ""},
                                std::tuple{"cc", "lib-sysv.so", "-Wl,--hash-style=sysv -Wl,-z,x86-64-v2"},
                                std::tuple{"i686-linux-gnu-gcc", "lib-i686.so", ""},
                                std::tuple{"s390x-linux-gnu-gcc", "lib-s390x.so", ""},
                                std::tuple{"arm-linux-gnueabihf-gcc", "lib-arm.so", ""}}) {
    std::string path = build_lib(dir, cc, out, extra);
    if (path.empty()) WARN("SKIP: " + std::string(cc) + " unavailable: " + out);
    if (!path.empty()) files.push_back(path);
  }
  REQUIRE(files.size() >= 2);
  // WHEELFIX_MUTATIONS raises the per-file count for longer runs by hand.
  const char* env = std::getenv("WHEELFIX_MUTATIONS");
  const int iterations = env ? std::atoi(env) : 1000;
  std::mt19937_64 rng(20240611);
  std::size_t ok = 0, failed = 0;
  for (const auto& path : files) {
    const Bytes good = elf::testing::read_bytes(path);
    // Headers and dynamic tables of these small libraries live in the first
    // pages; most mutations go there.
    const std::size_t hot = std::min<std::size_t>(good.size(), 8192);
    for (int iter = 0; iter < iterations; ++iter) {
      Bytes d = good;
      int edits = 1 + static_cast<int>(rng() % 4);
      for (int e = 0; e < edits; ++e) {
        std::size_t pos = rng() % 10 < 8 ? rng() % hot : rng() % d.size();
        switch (rng() % 4) {
          case 0: d[pos] = static_cast<std::uint8_t>(rng()); break;
          case 1: d[pos] ^= static_cast<std::uint8_t>(1u << (rng() % 8)); break;
          case 2:  // an extreme word: 0 or all ones
            for (std::size_t k = pos; k < std::min(d.size(), pos + 4); ++k) d[k] = rng() % 2 ? 0xff : 0;
            break;
          default: d[pos] = static_cast<std::uint8_t>(d[pos] + 1); break;
        }
      }
      (parse_copy(d).ok() ? ok : failed)++;
    }
  }
  INFO("ok " << ok << ", failed " << failed);
  CHECK(ok > 0);
  CHECK(failed > 0);
}

TEST_CASE("a second entry of a tag that must be unique is an error", "[malformed]") {
  // fuzz/regressions/elf_rewriter/duplicate-strtab-needed-not-replaced: with
  // two DT_STRTAB entries the reader and the rewriter read different string
  // tables; both now reject the file (unique_entries.hpp).
  TempDir dir;
  std::string lib = build_lib(dir, "cc", "libm1.so");
  REQUIRE(!lib.empty());
  const Bytes good = elf::testing::read_bytes(lib);
  // Turns the DT_RUNPATH entry (before DT_STRTAB in GNU ld's order) into `tag`.
  auto runpath_as = [&](std::int64_t tag, std::uint64_t value) {
    Bytes d = good;
    std::uint64_t off = dyn_offset(d, DT_RUNPATH);
    auto dyn = get<E::Dyn>(d, off);
    dyn.d_tag = tag;
    dyn.d_val = value;
    put(d, off, dyn);
    return error_of(d);
  };
  auto value_of = [&](std::int64_t tag) { return get<E::Dyn>(good, dyn_offset(good, tag)).d_val; };
  CHECK(runpath_as(DT_STRTAB, 0) == "bad.so: duplicate DT_STRTAB in the dynamic section");
  // Even an identical value: an edit of one copy would make them differ.
  CHECK(runpath_as(DT_STRTAB, value_of(DT_STRTAB)) == "bad.so: duplicate DT_STRTAB in the dynamic section");
  CHECK(runpath_as(DT_STRSZ, 1) == "bad.so: duplicate DT_STRSZ in the dynamic section");
  CHECK(runpath_as(DT_SONAME, value_of(DT_SONAME)) == "bad.so: duplicate DT_SONAME in the dynamic section");
  CHECK(runpath_as(DT_VERNEED, value_of(DT_VERNEED)) == "bad.so: duplicate DT_VERNEED in the dynamic section");
  CHECK(runpath_as(DT_GNU_HASH, value_of(DT_GNU_HASH)) == "bad.so: duplicate DT_GNU_HASH in the dynamic section");
  // Tags that may repeat still parse: a second DT_NEEDED, a DT_DEBUG.
  CHECK(runpath_as(DT_NEEDED, value_of(DT_RUNPATH)) == "<ok>");
  CHECK(runpath_as(DT_DEBUG, 0) == "<ok>");
  Bytes twice = good;
  std::uint64_t off = dyn_offset(twice, DT_RUNPATH);
  put(twice, off, E::Dyn{.d_tag = DT_NEEDED, .d_val = get<E::Dyn>(good, dyn_offset(good, DT_NEEDED)).d_val});
  auto info = parse_copy(twice);
  REQUIRE(info.ok());
  REQUIRE(info->needed.size() == 2);
  CHECK(info->needed[0] == info->needed[1]);
}

TEST_CASE("a second PT_DYNAMIC, PT_INTERP or PT_PHDR segment is an error", "[malformed]") {
  // fuzz/regressions/elf_rewriter/two-dynamic-segments-soname-not-set: the
  // reader used the first PT_DYNAMIC, the rewriter the last.
  TempDir dir;
  std::string lib = build_lib(dir, "cc", "libm1.so");
  REQUIRE(!lib.empty());
  const Bytes good = elf::testing::read_bytes(lib);
  // Gives the PT_GNU_STACK and PT_GNU_EH_FRAME headers new types.
  auto retyped = [&](std::uint32_t stack_type, std::uint32_t eh_type) {
    Bytes d = good;
    for (auto [from, to] : {std::pair{PT_GNU_STACK, stack_type}, std::pair{PT_GNU_EH_FRAME, eh_type}}) {
      std::uint64_t off = phdr_offset(d, from);
      auto ph = get<E::Phdr>(d, off);
      ph.p_type = to;
      put(d, off, ph);
    }
    return error_of(d);
  };
  CHECK(retyped(PT_DYNAMIC, PT_NULL) == "bad.so: more than one PT_DYNAMIC segment");
  CHECK(retyped(PT_INTERP, PT_INTERP) == "bad.so: more than one PT_INTERP segment");
  CHECK(retyped(PT_PHDR, PT_PHDR) == "bad.so: more than one PT_PHDR segment");
  // Repeatable types still parse: two PT_NULL / PT_LOPROC entries.
  CHECK(retyped(PT_NULL, PT_NULL) == "<ok>");
  CHECK(retyped(PT_LOPROC, PT_LOPROC) == "<ok>");
}
