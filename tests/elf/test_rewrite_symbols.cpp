// Symbol edits: renaming dynamic symbols (hash tables rebuilt, .dynsym,
// versym and relocations reordered when GNU hash buckets change), clearing
// symbol versions.
#include <catch.hpp>

#include "test_rewrite_support.hpp"

using namespace wheelfix;
using namespace rwtest;

namespace {

// dlsym() of `fn` in a child: true if found.
bool has_symbol(const std::string& lib, const std::string& fn) {
  pid_t pid = fork();
  if (pid == 0) {
    void* h = dlopen(lib.c_str(), RTLD_NOW | RTLD_LOCAL);
    _exit(h && dlsym(h, fn.c_str()) ? 0 : 1);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

}  // namespace

TEST_CASE("rename a versioned symbol in a library and the program using it", "[rewrite][symbols]") {
  auto f = build_fixtures("rename");
  REQUIRE(!f.dir.empty());
  elf::EditPlan plan;
  plan.rename_dynamic_symbols = {{"fix_value", "fix_value_renamed_by_wheelfix"}};
  for (const auto& file : {f.libfix, f.pie, f.nopie}) {
    auto r = elf::rewrite(file, plan);
    INFO(file << ": " << (r.ok() ? std::string() : r.error().message));
    REQUIRE(r.ok());
    CHECK(r->changed);
  }
  CHECK(call_in_child(f.libfix, "fix_value_renamed_by_wheelfix") == 42);
  CHECK_FALSE(has_symbol(f.libfix, "fix_value"));
  CHECK(call_in_child(f.libfix, "Xlibdep.so.1") == 7);
  CHECK(run_prog(f.pie) == 0);
  CHECK(run_prog(f.nopie) == 0);
  CHECK(capture("readelf --dyn-syms -W " + f.libfix).find("fix_value_renamed_by_wheelfix@@FIX_1") != std::string::npos);
  CHECK(elflint(f.libfix).empty());
}

TEST_CASE("renaming many symbols reorders GNU hash buckets consistently", "[rewrite][symbols]") {
  std::string dir = scratch("rename_many");
  {
    std::ofstream out(dir + "/many.c");
    out << "static int counter;\nint *counter_ptr = &counter;\n";  // a data relocation
    for (int i = 0; i < 400; ++i) out << "int f_" << i << "(void) { return " << i << " + *counter_ptr; }\n";
    out << "int call_f_7(void) { return f_7(); }\n";  // PLT relocation against f_7
  }
  std::string lib = dir + "/libmany.so";
  REQUIRE(run("gcc -shared -fPIC -O0 -o " + lib + " " + dir + "/many.c") == 0);
  elf::EditPlan plan;
  for (int i = 0; i < 50; ++i) plan.rename_dynamic_symbols["f_" + std::to_string(i)] = "renamed_" + std::to_string(i) + "_x";
  auto r = elf::rewrite(lib, plan);
  INFO((r.ok() ? std::string() : r.error().message));
  REQUIRE(r.ok());
  for (int i : {0, 7, 33, 49}) CHECK(call_in_child(lib, "renamed_" + std::to_string(i) + "_x") == i);
  for (int i : {50, 123, 399}) CHECK(call_in_child(lib, "f_" + std::to_string(i)) == i);
  CHECK_FALSE(has_symbol(lib, "f_7"));
  CHECK(call_in_child(lib, "call_f_7") == 7);  // the PLT slot follows the moved symbol
  CHECK(elflint(lib).empty());
}

TEST_CASE("clear a symbol version", "[rewrite][symbols]") {
  auto f = build_fixtures("clear_version");
  REQUIRE(!f.dir.empty());
  REQUIRE(capture("readelf --dyn-syms -W " + f.pie).find("fix_value@FIX_1") != std::string::npos);
  elf::EditPlan plan;
  plan.clear_symbol_version = {"fix_value"};
  REQUIRE(elf::rewrite(f.pie, plan).ok());
  auto syms = capture("readelf --dyn-syms -W " + f.pie);
  CHECK(syms.find("fix_value@FIX_1") == std::string::npos);
  CHECK(syms.find("fix_value") != std::string::npos);
  CHECK(run_prog(f.pie) == 0);
}

TEST_CASE("renaming remaps relocations once when DT_RELASZ includes DT_JMPREL", "[rewrite][symbols]") {
  // The ELF spec lets DT_RELA's range include the PLT relocations (glibc
  // trims the overlap at load time); GNU ld on x86_64 keeps them apart, so
  // the fixture's DT_RELASZ is widened to end where .rela.plt ends.
  std::string dir = scratch("rename_overlap");
  {
    std::ofstream out(dir + "/many.c");
    out << "static int counter;\nint *counter_ptr = &counter;\n";
    for (int i = 0; i < 400; ++i) out << "int f_" << i << "(void) { return " << i << " + *counter_ptr; }\n";
    out << "int call_f_7(void) { return f_7(); }\nint call_f_301(void) { return f_301(); }\n";
  }
  std::string lib = dir + "/libmany.so";
  REQUIRE(run("gcc -shared -fPIC -O0 -o " + lib + " " + dir + "/many.c") == 0);
  {
    std::ofstream py(dir + "/widen.py");
    py << R"(import struct, sys
data = bytearray(open(sys.argv[1], 'rb').read())
shoff, = struct.unpack_from('<Q', data, 0x28)
shentsize, shnum = struct.unpack_from('<HH', data, 0x3a)
for i in range(shnum):
    sh = shoff + i * shentsize
    if struct.unpack_from('<I', data, sh + 4)[0] != 6:  # SHT_DYNAMIC
        continue
    off, size = struct.unpack_from('<QQ', data, sh + 0x18)
    tags = {}
    for e in range(off, off + size, 16):
        tag, val = struct.unpack_from('<qQ', data, e)
        tags.setdefault(tag, (e, val))
    rela, relasz, jmprel, pltrelsz = (tags[t][1] for t in (7, 8, 23, 2))
    assert jmprel == rela + relasz, 'no adjacent .rela.plt'
    struct.pack_into('<Q', data, tags[8][0] + 8, relasz + pltrelsz)
open(sys.argv[1], 'wb').write(data)
)";
  }
  REQUIRE(run("python3 " + dir + "/widen.py " + lib) == 0);
  REQUIRE(call_in_child(lib, "call_f_7") == 7);  // the widened file still loads
  elf::EditPlan plan;
  for (int i = 0; i < 50; ++i) plan.rename_dynamic_symbols["f_" + std::to_string(i)] = "renamed_" + std::to_string(i) + "_x";
  auto r = elf::rewrite(lib, plan);
  INFO((r.ok() ? std::string() : r.error().message));
  REQUIRE(r.ok());
  CHECK(call_in_child(lib, "call_f_7") == 7);  // PLT slot remapped once, not twice
  CHECK(call_in_child(lib, "call_f_301") == 301);
  CHECK(call_in_child(lib, "renamed_7_x") == 7);
  std::string relocs = capture("readelf -rW " + lib);
  CHECK(relocs.find("renamed_7_x") != std::string::npos);
  CHECK(relocs.find("f_301") != std::string::npos);
}
