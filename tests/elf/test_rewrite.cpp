// Rewriter tests on real binaries built at test time: after every edit the
// program runs / the library loads and a function is called.
#include <catch.hpp>
#include <elf.h>

#include "test_rewrite_support.hpp"

using namespace wheelfix;
using namespace rwtest;

namespace {

elf::ElfInfo info(const std::string& path) {
  auto r = elf::parse_file(path);
  REQUIRE(r.ok());
  return *r;
}

void edit(const std::string& path, const elf::EditPlan& plan, const std::string& output = "") {
  auto r = elf::rewrite(path, plan, elf::RewriteOptions{output});
  INFO((r.ok() ? std::string() : r.error().message));
  REQUIRE(r.ok());
}

}  // namespace

TEST_CASE("soname, needed and rpath in one call on a versioned library", "[rewrite]") {
  auto f = build_fixtures("one_call");
  REQUIRE(!f.dir.empty());
  auto lint_before = elflint(f.libfix);
  // Graft libdep under a hashed name, the way repair does.
  fs::create_directories(f.dir + "/fix.libs");
  std::string grafted = f.dir + "/fix.libs/libdep-0123abcd.so.1";
  copy(f.libdep, grafted);
  elf::EditPlan dep;
  dep.soname = "libdep-0123abcd.so.1";
  edit(grafted, dep);
  fs::remove(f.libdep);

  elf::EditPlan plan;
  plan.soname = "libfix-with-a-much-longer-soname.so";
  plan.replace_needed = {{"libdep.so.1", "libdep-0123abcd.so.1"}};
  plan.rpath_op = elf::RpathOp::set;
  plan.rpath = "$ORIGIN/fix.libs";
  auto before = info(f.libfix);
  edit(f.libfix, plan);
  auto after = info(f.libfix);
  CHECK(after.soname == plan.soname);
  CHECK(after.needed == std::vector<std::string>{"libdep-0123abcd.so.1"});
  CHECK(after.runpath == "$ORIGIN/fix.libs");
  REQUIRE(after.version_needs.size() == 1);
  CHECK(after.version_needs[0].file == "libdep-0123abcd.so.1");  // vn_file follows the rename
  CHECK(info(grafted).soname == "libdep-0123abcd.so.1");
  // The suffix-shared symbol name survived.
  CHECK(call_in_child(f.libfix, "Xlibdep.so.1") == 7);
  CHECK(call_in_child(f.libfix, "fix_value") == 42);
  CHECK(elflint(f.libfix) == lint_before);
  // The program still runs against the patched library.
  CHECK(run_prog(f.pie) == 0);
}

TEST_CASE("suffix-shared .dynstr strings are not overwritten in place", "[rewrite]") {
  auto f = build_fixtures("suffix");
  REQUIRE(!f.dir.empty());
  // The linker merged "libdep.so.1" into the tail of "Xlibdep.so.1".
  std::string dynstr = capture("readelf -p .dynstr " + f.libfix);
  INFO(dynstr);
  CHECK(dynstr.find("]  libdep.so.1\n") == std::string::npos);  // no separate copy
  CHECK(dynstr.find("]  Xlibdep.so.1\n") != std::string::npos);
  copy(f.libdep, f.dir + "/libdee.so.1");  // same length: would fit in place
  elf::EditPlan plan;
  plan.replace_needed = {{"libdep.so.1", "libdee.so.1"}};
  edit(f.libfix, plan);
  CHECK(info(f.libfix).needed == std::vector<std::string>{"libdee.so.1"});
  CHECK(call_in_child(f.libfix, "Xlibdep.so.1") == 7);
  CHECK(call_in_child(f.libfix, "fix_value") == 42);
}

TEST_CASE("strings that fit are written in place without a layout change", "[rewrite]") {
  auto f = build_fixtures("in_place");
  REQUIRE(!f.dir.empty());
  auto size = file_size(f.pie_rpath);
  elf::EditPlan plan;
  plan.rpath_op = elf::RpathOp::set;
  plan.force_rpath = true;
  plan.rpath = "$ORIGIN";  // shorter than "/nonexistent:$ORIGIN"
  auto r = elf::rewrite(f.pie_rpath, plan);
  REQUIRE(r.ok());
  CHECK(r->changed);
  CHECK_FALSE(r->layout_changed);
  CHECK(file_size(f.pie_rpath) == size);
  CHECK(info(f.pie_rpath).rpath == "$ORIGIN");
  CHECK(run_prog(f.pie_rpath) == 0);
  // The same edit again changes nothing and does not rewrite the file.
  auto mtime = fs::last_write_time(f.pie_rpath);
  auto again = elf::rewrite(f.pie_rpath, plan);
  REQUIRE(again.ok());
  CHECK_FALSE(again->changed);
  CHECK(fs::last_write_time(f.pie_rpath) == mtime);
}

TEST_CASE("executables (PIE, non-PIE, RPATH, RUNPATH) run after growing edits", "[rewrite]") {
  auto f = build_fixtures("exec");
  REQUIRE(!f.dir.empty());
  fs::create_directories(f.dir + "/a/rather/long/library/directory/name");
  for (auto lib : {f.libfix, f.libdep})
    fs::rename(lib, f.dir + "/a/rather/long/library/directory/name/" + fs::path(lib).filename().string());
  std::string interp = *info(f.pie).interpreter;
  std::string longer_interp = fs::path(interp).parent_path().string() + "/../" +
                              fs::path(interp).parent_path().filename().string() + "/" +
                              fs::path(interp).filename().string();
  for (const auto& prog : {f.pie, f.nopie, f.pie_rpath}) {
    INFO(prog);
    CHECK(run_prog(prog) != 0);  // libfix moved away
    auto lint_before = elflint(prog);
    elf::EditPlan plan;
    plan.rpath_op = elf::RpathOp::set;
    plan.rpath = "$ORIGIN/a/rather/long/library/directory/name";
    plan.interpreter = longer_interp;
    plan.add_debug_tag = true;
    plan.add_needed = {"libm.so.6"};
    edit(prog, plan);
    auto i = info(prog);
    CHECK(i.interpreter == longer_interp);
    CHECK(i.runpath == plan.rpath);
    CHECK_FALSE(i.rpath);
    CHECK(i.needed.front() == "libm.so.6");
    CHECK(run_prog(prog) == 0);
    CHECK(elflint(prog) == lint_before);
    // strip still works on the result, and the stripped program runs.
    std::string stripped = prog + ".stripped";
    CHECK(run("strip -o '" + stripped + "' '" + prog + "'") == 0);
    CHECK(capture("strip -o '" + prog + ".s2' '" + prog + "' 2>&1; echo").size() <= 1);  // no warnings
    CHECK(run_prog(stripped) == 0);
    // --force-rpath writes DT_RPATH instead.
    elf::EditPlan force;
    force.rpath_op = elf::RpathOp::add;
    force.force_rpath = true;
    force.rpath = "/opt/none";
    edit(prog, force);
    CHECK(info(prog).rpath == plan.rpath + ":/opt/none");
    CHECK_FALSE(info(prog).runpath);
    CHECK(run_prog(prog) == 0);
  }
}

TEST_CASE("PT_NOTE with several notes stays readable after the table moves", "[rewrite]") {
  auto f = build_fixtures("notes");
  REQUIRE(!f.dir.empty());
  std::string before = capture("readelf -nW " + f.pie);
  REQUIRE(before.find("wheelfix") != std::string::npos);
  elf::EditPlan plan;
  plan.rpath_op = elf::RpathOp::set;
  plan.rpath = "$ORIGIN:" + std::string(300, 'x');
  edit(f.pie, plan);
  CHECK(capture("readelf -nW " + f.pie) == before);
  // The notes PT_NOTE points at are the same bytes the sections hold.
  std::string seg_notes = capture("eu-readelf -n " + f.pie);
  CHECK(seg_notes.find("wheelfix") != std::string::npos);
  CHECK(seg_notes.find("Build ID") != std::string::npos);
  CHECK(run_prog(f.pie) == 0);
}

TEST_CASE("100 SONAME flips reuse one added segment", "[rewrite]") {
  auto f = build_fixtures("flips");
  REQUIRE(!f.dir.empty());
  auto size0 = file_size(f.libfix);
  int loads0 = load_count(f.libfix);
  std::uint64_t size1 = 0;
  for (int i = 0; i < 100; ++i) {
    elf::EditPlan plan;
    plan.soname = "libfix-flip-" + std::to_string(i % 2) + "-" + std::string(40 + i % 7, 'q') + ".so";
    edit(f.libfix, plan);
    if (i == 0) size1 = file_size(f.libfix);
  }
  CHECK(load_count(f.libfix) == loads0 + 1);
  CHECK(file_size(f.libfix) <= size1 + 64);
  CHECK(file_size(f.libfix) < size0 + 8192);
  CHECK(call_in_child(f.libfix, "fix_value") == 42);
  CHECK(elflint(f.libfix).empty());
  // A string that fits is written in place even inside the added segment.
  auto size = file_size(f.libfix);
  elf::EditPlan shorter;
  shorter.soname = "libfix-short.so";
  auto r = elf::rewrite(f.libfix, shorter);
  REQUIRE(r.ok());
  CHECK(r->changed);
  CHECK_FALSE(r->layout_changed);
  CHECK(file_size(f.libfix) == size);
  CHECK(call_in_child(f.libfix, "fix_value") == 42);
}

TEST_CASE("stripped files and files without section headers", "[rewrite]") {
  auto f = build_fixtures("stripped");
  REQUIRE(!f.dir.empty());
  REQUIRE(run("strip " + f.libfix + " " + f.pie) == 0);
  // Drop the section header table entirely (e_shoff/e_shnum/e_shstrndx = 0).
  auto bytes = read_all(f.libfix);
  REQUIRE(bytes.size() > 64);
  std::fill(bytes.begin() + 0x28, bytes.begin() + 0x30, 0);
  std::fill(bytes.begin() + 0x3c, bytes.begin() + 0x40, 0);
  write_all(f.libfix, bytes);
  REQUIRE(run("chmod +x " + f.libfix) == 0);
  elf::EditPlan plan;
  plan.soname = "libfix-no-sections-" + std::string(64, 's') + ".so";
  plan.rpath_op = elf::RpathOp::set;
  plan.rpath = "$ORIGIN:$ORIGIN/" + std::string(100, 'r');
  edit(f.libfix, plan);
  CHECK(info(f.libfix).soname == plan.soname);
  CHECK(call_in_child(f.libfix, "fix_value") == 42);
  edit(f.pie, plan);
  CHECK(run_prog(f.pie) == 0);
}

TEST_CASE("remove needed, remove rpath, no-default-lib, soname removal", "[rewrite]") {
  auto f = build_fixtures("remove");
  REQUIRE(!f.dir.empty());
  elf::EditPlan plan;
  plan.add_needed = {"libm.so.6"};
  edit(f.libfix, plan);
  CHECK(info(f.libfix).needed.size() == 2);
  elf::EditPlan rm;
  rm.remove_needed = {"libm.so.6"};
  rm.remove_soname = true;
  rm.no_default_lib = true;
  edit(f.libfix, rm);
  auto i = info(f.libfix);
  CHECK(i.needed == std::vector<std::string>{"libdep.so.1"});
  CHECK_FALSE(i.soname);
  CHECK((i.flags_1 & DF_1_NODEFLIB) != 0);
  CHECK(call_in_child(f.libfix, "fix_value") == 42);
  elf::EditPlan norp;
  norp.rpath_op = elf::RpathOp::remove;
  edit(f.pie, norp);
  CHECK_FALSE(info(f.pie).runpath);
  CHECK(run_prog(f.pie) != 0);  // $ORIGIN was how it found libfix
  CHECK(run("LD_LIBRARY_PATH=" + f.dir + " " + f.pie) == 0);
}

TEST_CASE("removing a versioned DT_NEEDED drops its .gnu.version_r entry", "[rewrite]") {
  auto f = build_fixtures("remove_versioned");
  REQUIRE(!f.dir.empty());
  // libfix needs dep_value@DEP_1 from libdep.so.1; remove the dependency
  // and let the program supply libdep itself.
  elf::EditPlan plan;
  plan.remove_needed = {"libdep.so.1"};
  edit(f.libfix, plan);
  auto i = info(f.libfix);
  CHECK(i.needed.empty());
  for (const auto& v : i.version_needs) CHECK(v.file != "libdep.so.1");
  CHECK(elflint(f.libfix).empty());
  elf::EditPlan add;
  add.add_needed = {"libdep.so.1"};
  edit(f.pie, add);
  CHECK(run_prog(f.pie) == 0);
}

TEST_CASE("--page-size sets the alignment of the added segment", "[rewrite]") {
  auto f = build_fixtures("page_size");
  REQUIRE(!f.dir.empty());
  elf::EditPlan plan;
  plan.page_size = 16384;
  plan.rpath_op = elf::RpathOp::set;
  plan.rpath = "$ORIGIN:" + std::string(200, 'p');
  auto r = elf::rewrite(f.libfix, plan);
  REQUIRE(r.ok());
  auto lines = capture("readelf -lW " + f.libfix + " | grep ' LOAD ' | tail -1");
  CHECK(lines.find("0x4000") != std::string::npos);
  CHECK(r->new_size - r->old_size < 4096);  // congruence, not padding
  CHECK(call_in_child(f.libfix, "fix_value") == 42);
}
