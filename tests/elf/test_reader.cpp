// ELF reader unit tests on real binaries built with `cc` at test time.
#include <catch.hpp>

#include <elf.h>

#include <algorithm>
#include <string>

#include "elf/test_reader_support.hpp"
#include "wheelfix/elf/elf_info.hpp"

using namespace wheelfix;
using namespace wheelfix::elf;
using elf::testing::compile_c;
using elf::testing::TempDir;

namespace {

const char* kVersionedLib = R"(
int foo_v1(void) { return 1; }
int foo_v2(void) { return 2; }
__asm__(".symver foo_v1,foo@VERS_1");
__asm__(".symver foo_v2,foo@@VERS_2");
int bar(void) { return 3; }
int counter = 5;
int hidden_helper(void) { return 4; }
)";

const char* kVersionScript = R"(
VERS_1 { global: foo; bar; counter; local: *; };
VERS_2 { global: foo; } VERS_1;
)";

const char* kUser = R"(
#include <stdio.h>
extern int foo(void);
extern int bar(void) __attribute__((weak));
extern void maybe_missing(void) __attribute__((weak));
extern int maybe_var __attribute__((weak));
int user(void) {
  if (maybe_missing) maybe_missing();
  printf("%d\n", foo());
  return bar ? bar() : (&maybe_var ? maybe_var : 0);
}
)";

// Builds libver.so.1 (version script, SONAME) in `dir`.
std::string build_versioned_lib(const TempDir& dir) {
  elf::testing::write_text(dir / "ver.map", kVersionScript);
  return compile_c(dir, "cc", "libver", kVersionedLib,
                   "-shared -fPIC -Wl,--version-script=" + (dir / "ver.map") +
                       " -Wl,-soname,libver.so.1",
                   "libver.so.1");
}

// Builds a library that uses libver.so.1 and libc, with extra link `flags`.
std::string build_user_lib(const TempDir& dir, const std::string& flags, const std::string& out) {
  return compile_c(dir, "cc", "user", kUser,
                   "-shared -fPIC " + flags + " -L" + dir.path() + " -l:libver.so.1", out);
}

const DynSymbol* find_symbol(const ElfInfo& info, const std::string& name,
                             const std::string& version = "") {
  for (const auto& s : info.symbols) {
    if (s.name == name && (version.empty() || s.version == version)) return &s;
  }
  return nullptr;
}

const VersionNeed* find_need(const ElfInfo& info, const std::string& file) {
  for (const auto& n : info.version_needs) {
    if (n.file == file) return &n;
  }
  return nullptr;
}

ElfInfo parse_ok(const std::string& path, ParseOptions options = {}) {
  auto r = parse_file(path, options);
  INFO(path << ": " << (r ? "" : r.error().message));
  REQUIRE(r.ok());
  return std::move(r).value();
}

}  // namespace

TEST_CASE("versioned shared library: SONAME, version definitions, symbol versions", "[reader]") {
  TempDir dir;
  std::string lib = build_versioned_lib(dir);
  REQUIRE(!lib.empty());
  ElfInfo info = parse_ok(lib);

  CHECK(info.arch == Arch::x86_64);
  CHECK(info.type == ET_DYN);
  CHECK(info.has_dynamic);
  CHECK(info.soname == std::optional<std::string>("libver.so.1"));
  CHECK(!info.interpreter);
  REQUIRE(info.version_defs.size() == 3);
  CHECK(info.version_defs[0].name == "libver.so.1");
  CHECK(info.version_defs[0].flags == VER_FLG_BASE);
  CHECK(info.version_defs[0].index == 1);
  CHECK(info.version_defs[1].name == "VERS_1");
  CHECK(info.version_defs[2].name == "VERS_2");

  const DynSymbol* old_foo = find_symbol(info, "foo", "VERS_1");
  const DynSymbol* new_foo = find_symbol(info, "foo", "VERS_2");
  REQUIRE(old_foo);
  REQUIRE(new_foo);
  CHECK(old_foo->version_hidden);  // foo@VERS_1
  CHECK(!new_foo->version_hidden);  // foo@@VERS_2
  CHECK(new_foo->defined);
  CHECK(new_foo->type == SymbolType::func);
  CHECK(new_foo->binding == SymbolBinding::global);
  const DynSymbol* counter = find_symbol(info, "counter");
  REQUIRE(counter);
  CHECK(counter->type == SymbolType::object);
  CHECK(counter->version == "VERS_1");
  CHECK(!find_symbol(info, "hidden_helper"));  // made local by the script
  CHECK(!find_symbol(info, "foo_v1"));
}

TEST_CASE("versioned references, weak undefined symbols and RPATH", "[reader]") {
  TempDir dir;
  REQUIRE(!build_versioned_lib(dir).empty());
  std::string lib = build_user_lib(dir, "-Wl,-rpath,'$ORIGIN/../lib' -Wl,--disable-new-dtags",
                                   "libuser.so");
  REQUIRE(!lib.empty());
  ElfInfo info = parse_ok(lib);

  CHECK(info.needed == std::vector<std::string>{"libver.so.1", "libc.so.6"});
  CHECK(info.rpath == std::optional<std::string>("$ORIGIN/../lib"));
  CHECK(!info.runpath);
  CHECK(!info.soname);

  const VersionNeed* ver = find_need(info, "libver.so.1");
  REQUIRE(ver);
  std::vector<std::string> names;
  for (const auto& v : ver->versions) names.push_back(v.name);
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"VERS_1", "VERS_2"});
  for (const auto& v : ver->versions) {
    CHECK(v.index >= 2);
    CHECK(!v.weak());
    CHECK(v.hash != 0);
  }
  const VersionNeed* libc = find_need(info, "libc.so.6");
  REQUIRE(libc);
  REQUIRE(!libc->versions.empty());
  CHECK(libc->versions[0].name.rfind("GLIBC_2.", 0) == 0);

  const DynSymbol* foo = find_symbol(info, "foo");
  REQUIRE(foo);
  CHECK(!foo->defined);
  CHECK(foo->version == "VERS_2");
  const DynSymbol* printf_sym = find_symbol(info, "printf");
  REQUIRE(printf_sym);
  CHECK(printf_sym->version.rfind("GLIBC_2.", 0) == 0);
  const DynSymbol* missing = find_symbol(info, "maybe_missing");
  REQUIRE(missing);
  CHECK(missing->binding == SymbolBinding::weak);
  CHECK(missing->type == SymbolType::notype);
  CHECK(!missing->defined);
  CHECK(missing->version.empty());
  const DynSymbol* bar = find_symbol(info, "bar");
  REQUIRE(bar);
  CHECK(bar->binding == SymbolBinding::weak);
  CHECK(bar->version == "VERS_1");
  const DynSymbol* user = find_symbol(info, "user");
  REQUIRE(user);
  CHECK(user->defined);
}

TEST_CASE("RUNPATH with new dtags, DT_FLAGS and DT_FLAGS_1", "[reader]") {
  TempDir dir;
  REQUIRE(!build_versioned_lib(dir).empty());
  std::string lib = build_user_lib(
      dir, "-Wl,-rpath,/opt/a:/opt/b -Wl,--enable-new-dtags -Wl,-z,now -Wl,-z,origin",
      "libuser.so");
  REQUIRE(!lib.empty());
  ElfInfo info = parse_ok(lib, ParseOptions{.symbols = false});
  CHECK(info.runpath == std::optional<std::string>("/opt/a:/opt/b"));
  CHECK(!info.rpath);
  CHECK((info.flags & DF_BIND_NOW) != 0);
  CHECK((info.flags & DF_ORIGIN) != 0);
  CHECK((info.flags_1 & DF_1_NOW) != 0);
  CHECK(info.symbols.empty());  // not asked for
  CHECK(info.needed.size() == 2);
  CHECK(!info.version_needs.empty());  // versions are read either way
}

TEST_CASE("executables: PT_INTERP, glibc vs musl", "[reader]") {
  TempDir dir;
  const char* main_c = "int main(void) { return 0; }\n";
  std::string pie = compile_c(dir, "cc", "main", main_c, "-pie -fPIE", "pie");
  std::string nopie = compile_c(dir, "cc", "main", main_c, "-no-pie -fno-PIE", "nopie");
  REQUIRE(!pie.empty());
  REQUIRE(!nopie.empty());
  ElfInfo a = parse_ok(pie);
  CHECK(a.interpreter == std::optional<std::string>("/lib64/ld-linux-x86-64.so.2"));
  CHECK(a.type == ET_DYN);
  CHECK((a.flags_1 & DF_1_PIE) != 0);
  CHECK(!a.is_musl());
  CHECK(std::find(a.needed.begin(), a.needed.end(), "libc.so.6") != a.needed.end());
  ElfInfo b = parse_ok(nopie);
  CHECK(b.type == ET_EXEC);
  CHECK(b.interpreter == a.interpreter);

  if (!elf::testing::have_program("musl-gcc")) {
    WARN("SKIP: musl-gcc not found: musl case skipped");
    return;
  }
  std::string musl = compile_c(dir, "musl-gcc", "main", main_c, "", "musl");
  REQUIRE(!musl.empty());
  ElfInfo m = parse_ok(musl);
  REQUIRE(m.interpreter);
  CHECK(m.interpreter->find("ld-musl-x86_64.so.1") != std::string::npos);
  CHECK(m.is_musl());
}

TEST_CASE("is_musl also recognises a libc.musl-* dependency", "[reader]") {
  ElfInfo info;
  CHECK(!info.is_musl());
  info.needed = {"libc.musl-x86_64.so.1"};
  CHECK(info.is_musl());
  info.needed = {"libc.so.6"};
  info.interpreter = "/lib/ld-musl-aarch64.so.1";
  CHECK(info.is_musl());
  info.interpreter = "/lib/ld-linux-aarch64.so.1";
  CHECK(!info.is_musl());
}

TEST_CASE("x86-64 ISA level from the GNU property note", "[reader]") {
  TempDir dir;
  const char* src = "int f(int x) { return x + 1; }\n";
  std::string base = compile_c(dir, "cc", "isa", src, "-shared -fPIC", "libbase.so");
  REQUIRE(!base.empty());
  CHECK(parse_ok(base).x86_isa_level() == 1);
  for (int level : {2, 3, 4}) {
    std::string flag = "-Wl,-z,x86-64-v" + std::to_string(level);
    std::string lib = compile_c(dir, "cc", "isa", src, "-shared -fPIC " + flag,
                                "libv" + std::to_string(level) + ".so");
    REQUIRE(!lib.empty());
    ElfInfo info = parse_ok(lib, ParseOptions{.symbols = false});
    INFO("level " << level);
    REQUIRE(info.x86_isa_needed);
    CHECK((*info.x86_isa_needed & (1u << (level - 1))) != 0);
    CHECK(info.x86_isa_level() == level);
  }
}
