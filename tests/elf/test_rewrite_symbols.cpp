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
