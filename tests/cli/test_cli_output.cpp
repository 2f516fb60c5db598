// The pure pieces behind `repair --json`/-v, the progress line, `lddtree -v`,
// `index -v` and `install-links -v`.
#include <catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "cli/index_cmd.hpp"
#include "cli/install_links.hpp"
#include "cli/lddtree_cmd.hpp"
#include "cli/progress.hpp"
#include "cli/repair_step.hpp"
#include "wheel/test_support.hpp"

using namespace wheelfix;
using namespace wheelfix::cli;

namespace {

policy::Reason make_reason(policy::ReasonKind kind, std::string file, std::string library, std::string symbol) {
  policy::Reason r{};
  r.kind = kind;
  r.file = std::move(file);
  r.library = std::move(library);
  r.symbol = std::move(symbol);
  return r;
}

// An analysis whose evaluation says: every policy of `set` newer than
// (priority below) `cut` is ok, the others fail with one symbol_version
// reason; `best` as the evaluation would pick it.
repair::Analysis analysis_with_cut(const policy::PolicySet& set, int cut) {
  repair::Analysis a;
  for (const auto& p : set.policies) {
    if (p.is_fallback() || p.name.rfind("manylinux", 0) != 0) continue;
    policy::PolicyResult r;
    r.policy = &p;
    r.ok = p.priority < cut;
    if (!r.ok)
      r.reasons.push_back(make_reason(policy::ReasonKind::symbol_version, "pkg/_ext.so", "libc.so.6", "GLIBC_2.99"));
    a.eval.results.push_back(r);
    if (r.ok && !a.eval.best) a.eval.best = &p;
  }
  return a;
}

policy::PolicySet manylinux_policies() {
  return policy::load_policies({std::string(WHEELFIX_SOURCE_DIR) + "/policies/manylinux-policy.json"}).value();
}

}  // namespace

TEST_CASE("unreached_policy picks the target as repair does") {
  auto set = manylinux_policies();
  const policy::Policy* p2014 = set.find("manylinux2014");
  REQUIRE(p2014);
  repair::RepairOptions o;

  // Nothing reached: the newest policy evaluated, with its reasons.
  auto none = analysis_with_cut(set, -1000000);
  REQUIRE(none.eval.best == nullptr);
  auto u = unreached_policy(none, set, o);
  REQUIRE(u);
  CHECK(u->policy == none.eval.results.back().policy->name);
  REQUIRE(u->reasons.size() == 1);
  CHECK(u->reasons[0].symbol == "GLIBC_2.99");

  // A best policy and no --plat: nothing unreached.
  auto some = analysis_with_cut(set, p2014->priority);  // manylinux2014 fails, newer ones hold
  REQUIRE(some.eval.best != nullptr);
  CHECK_FALSE(unreached_policy(some, set, o));

  // --plat by alias: the policy's own name, its reasons.
  o.plat = "manylinux2014_x86_64";
  u = unreached_policy(some, set, o);
  REQUIRE(u);
  CHECK(u->policy == "manylinux_2_17");
  CHECK(u->reasons.size() == 1);

  // --plat reached, unknown, or no policy evaluated at all: nullopt.
  o.plat = "manylinux_2_28";
  CHECK_FALSE(unreached_policy(some, set, o));
  o.plat = "nosuchlinux_1";
  CHECK_FALSE(unreached_policy(some, set, o));
  o.plat.reset();
  CHECK_FALSE(unreached_policy(repair::Analysis{}, set, o));
}

TEST_CASE("repair --json entries for failures and pure-Python copies") {
  UnreachedPolicy u{"manylinux_2_17", {make_reason(policy::ReasonKind::blacklist, "a.so", "libz.so.1", "zcalloc")}};
  auto j = repair_failure_json("in.whl", "in.whl: cannot be repaired", 1.5, u);
  CHECK(j["input"] == "in.whl");
  CHECK(j["ok"] == false);
  CHECK(j["error"] == "in.whl: cannot be repaired");
  CHECK(j["seconds"] == 1.5);
  CHECK(j["pure"] == false);
  CHECK(j["unreached_policy"] == "manylinux_2_17");
  REQUIRE(j["reasons"].size() == 1);
  const auto& r = j["reasons"][0];
  CHECK(r["kind"] == "blacklist");
  CHECK(r["file"] == "a.so");
  CHECK(r["library"] == "libz.so.1");
  CHECK(r["symbol"] == "zcalloc");
  CHECK(r["detail"] == "");
  CHECK(r["message"] == u.reasons[0].describe());

  auto other = repair_failure_json("x.whl", "x.whl: no such file", 0.0, std::nullopt, true);
  CHECK(other["unreached_policy"].is_null());
  CHECK(other["reasons"] == nlohmann::json::array());
  CHECK(other["pure"] == true);
  CHECK(other["abi3_problems"] == nlohmann::json::array());

  // The abi3 check's problems, one object each, as in `show --json`.
  policy::Abi3Problem too_new{policy::Abi3ProblemKind::too_new, "m.abi3.so", "PyUnicode_AsUTF8AndSize",
                              policy::PythonVersion{3, 10}, policy::PythonVersion{3, 7}};
  auto abi3 = repair_failure_json("n.whl", "n.whl: its abi3 tag does not hold", 0.0, std::nullopt, false, {too_new});
  REQUIRE(abi3["abi3_problems"].size() == 1);
  CHECK(abi3["abi3_problems"][0] == nlohmann::json{{"kind", "too_new"},
                                                    {"file", "m.abi3.so"},
                                                    {"symbol", "PyUnicode_AsUTF8AndSize"},
                                                    {"added", "3.10"},
                                                    {"claimed", "3.7"},
                                                    {"message", too_new.describe()}});

  auto copy = pure_copy_json("p-1.0-py3-none-any.whl", "wh/p-1.0-py3-none-any.whl", "any", "py3", 0.25);
  CHECK(copy["ok"] == true);
  CHECK(copy["pure"] == true);
  CHECK(copy["copied"] == true);
  CHECK(copy["output"] == "wh/p-1.0-py3-none-any.whl");
  CHECK(copy["tag"] == "any");
  CHECK(copy["python_tag"] == "py3");
  CHECK(copy["policy"].is_null());
  CHECK(copy["vendored"] == nlohmann::json::array());
  CHECK(copy["seconds"] == 0.25);
}

TEST_CASE("describe_edits and describe_plan for repair -v") {
  elf::EditPlan e;
  CHECK(describe_edits(e).empty());
  e.soname = "libx-1234abcd.so.1";
  e.replace_needed = {{"liby.so.2", "liby-5678ef90.so.2"}};
  e.remove_needed = {"libpython3.11.so.1.0"};
  e.rpath_op = elf::RpathOp::set;
  e.rpath = "$ORIGIN";
  e.force_rpath = true;
  CHECK(describe_edits(e) == std::vector<std::string>{"set DT_SONAME libx-1234abcd.so.1",
                                                      "replace DT_NEEDED liby.so.2 -> liby-5678ef90.so.2",
                                                      "remove DT_NEEDED libpython3.11.so.1.0", "set DT_RPATH $ORIGIN"});
  e = {};
  e.rpath_op = elf::RpathOp::set;
  e.rpath = "$ORIGIN/../x.libs";
  CHECK(describe_edits(e) == std::vector<std::string>{"set DT_RUNPATH $ORIGIN/../x.libs"});
  e.rpath_op = elf::RpathOp::remove;
  CHECK(describe_edits(e) == std::vector<std::string>{"remove DT_RPATH/DT_RUNPATH"});

  repair::RepairPlan plan;
  plan.target_set = manylinux_policies();
  plan.target = plan.target_set.find("manylinux_2_17");
  plan.platform_tags = {"manylinux2014_x86_64", "manylinux_2_17_x86_64"};
  repair::GraftPlan g;
  g.lib.source_path = "/opt/lib/libx.so.1";
  g.lib.member = "x.libs/libx-1234abcd.so.1";
  g.edits.soname = "libx-1234abcd.so.1";
  plan.grafts.push_back(g);
  repair::FilePlan f;
  f.member = "x.libs/bin/tool";
  f.moved_script = true;
  f.edits.replace_needed = {{"libx.so.1", "libx-1234abcd.so.1"}};
  plan.files["x-1.0.data/scripts/tool"] = f;
  CHECK(describe_plan(plan, false) ==
        std::vector<std::string>{"target manylinux_2_17, tag manylinux2014_x86_64.manylinux_2_17_x86_64",
                                 "  vendor /opt/lib/libx.so.1 -> x.libs/libx-1234abcd.so.1",
                                 "    set DT_SONAME libx-1234abcd.so.1",
                                 "  move x-1.0.data/scripts/tool -> x.libs/bin/tool (a launcher script takes its place)",
                                 "    replace DT_NEEDED libx.so.1 -> libx-1234abcd.so.1"});
  plan.grafts.clear();
  plan.files.clear();
  auto lines = describe_plan(plan, true);
  REQUIRE(lines.size() == 3);
  CHECK(lines[1] == "  nothing to vendor, no ELF file edited");
  CHECK(lines[2] == "  strip every ELF file written (--strip)");
}

TEST_CASE("progress line: format and throttling") {
  CHECK(format_progress("a.whl", "analyzing", 3, 10, 2'500'000) == "a.whl: analyzing 3/10, 2.5 MB");
  // A file name cannot move the cursor of the progress line.
  CHECK(format_progress("a\x1b[2K\n.whl", "writing", 1, 1, 0) == "a\\x1b[2K\\x0a.whl: writing 1/1, 0.0 MB");
  ProgressLine p(false);
  auto t0 = ProgressLine::Clock::now();
  using std::chrono::milliseconds;
  CHECK(p.due("analyzing", 1, 10, t0));                        // the first
  CHECK_FALSE(p.due("analyzing", 2, 10, t0 + milliseconds(50)));  // too soon
  CHECK(p.due("analyzing", 3, 10, t0 + milliseconds(100)));      // 100 ms later
  CHECK(p.due("analyzing", 10, 10, t0 + milliseconds(101)));     // the last item
  CHECK(p.due("writing", 1, 5, t0 + milliseconds(102)));         // a new stage
  CHECK_FALSE(p.due("writing", 2, 5, t0 + milliseconds(103)));
  p.set_label("b.whl");
  CHECK(p.due("writing", 3, 5, t0 + milliseconds(104)));         // a new wheel
}

TEST_CASE("search_path_lines follows the loader's order") {
  elf::LoaderConfig c;
  c.ld_library_path = {"/env"};
  c.conf_paths = {"/conf1", "/conf2"};
  c.default_paths = {"/lib", "/usr/lib"};
  elf::ElfInfo info;
  info.arch = elf::Arch::x86_64;
  CHECK(search_path_lines(c, "f.so", info) ==
        std::vector<std::string>{"LD_LIBRARY_PATH: /env", "ld.so.conf: /conf1", "ld.so.conf: /conf2",
                                 "default path: /lib", "default path: /usr/lib"});
  info.rpath = "$ORIGIN/a:/b";
  CHECK(search_path_lines(c, "f.so", info).front() == "RPATH of f.so: $ORIGIN/a");
  CHECK(search_path_lines(c, "f.so", info)[1] == "RPATH of f.so: /b");
  info.runpath = "$ORIGIN/r";  // RUNPATH: no RPATH, searched after LD_LIBRARY_PATH
  CHECK(search_path_lines(c, "f.so", info) ==
        std::vector<std::string>{"LD_LIBRARY_PATH: /env", "RUNPATH of f.so: $ORIGIN/r", "ld.so.conf: /conf1",
                                 "ld.so.conf: /conf2", "default path: /lib", "default path: /usr/lib"});
  info.flags_1 = 0x800;  // DF_1_NODEFLIB
  CHECK(search_path_lines(c, "f.so", info) ==
        std::vector<std::string>{"LD_LIBRARY_PATH: /env", "RUNPATH of f.so: $ORIGIN/r"});
  c.ldpaths = std::vector<std::string>{"/only"};
  CHECK(search_path_lines(c, "f.so", info) ==
        std::vector<std::string>{"RUNPATH of f.so: $ORIGIN/r", "--ldpaths: /only"});
  info.interpreter = "/lib/ld-musl-x86_64.so.1";  // musl: --ldpaths alone
  CHECK(search_path_lines(c, "f.so", info) == std::vector<std::string>{"--ldpaths: /only"});
}

TEST_CASE("index_file_lines: added, unchanged, skipped") {
  index::IndexSummary s;
  s.added_files = {"a-1.0-py3-none-any.whl"};
  s.unchanged_files = {"b-1.0-py3-none-any.whl"};
  CHECK(index_file_lines({"wh1/a-1.0-py3-none-any.whl", "wh1/b-1.0-py3-none-any.whl", "wh2/a-1.0-py3-none-any.whl"},
                         s, "repo/files") ==
        std::vector<std::string>{"added a-1.0-py3-none-any.whl (from wh1/a-1.0-py3-none-any.whl)",
                                 "unchanged b-1.0-py3-none-any.whl (already in repo/files)",
                                 "skipped wh2/a-1.0-py3-none-any.whl (same file as wh1/a-1.0-py3-none-any.whl)"});
}

TEST_CASE("link_previous_state says what install-links replaces") {
  wheel_test::TempDir t;
  namespace fs = std::filesystem;
  CHECK(link_previous_state(t.path(), "patchelf", "/bin/wheelfix") == "new");
  fs::create_symlink("/bin/wheelfix", t / "patchelf");
  CHECK(link_previous_state(t.path(), "patchelf", "/bin/wheelfix") == "unchanged");
  CHECK(link_previous_state(t.path(), "patchelf", "/usr/bin/wheelfix") == "replaces the symlink to /bin/wheelfix");
  wheel_test::write_file(t / "auditwheel", "#!/bin/sh\n");
  CHECK(link_previous_state(t.path(), "auditwheel", "/bin/wheelfix") == "replaces a regular file");
  fs::create_directory(t / "dir");
  CHECK(link_previous_state(t.path(), "dir", "/bin/wheelfix") == "replaces a folder");
}

TEST_CASE("already_compatible: an abi3 wheel whose imports break its tag goes through repair") {
  auto set = manylinux_policies();
  repair::Analysis a = analysis_with_cut(set, 1000);  // every manylinux policy reached
  a.eval.arch = elf::Arch::x86_64;
  policy::ObjectFacts ext;
  ext.path = "m.abi3.so";
  ext.in_wheel = true;
  ext.undefined_strong = {"PyUnicode_AsUTF8AndSize"};
  a.graph.objects.push_back(ext);
  a.elves.push_back({"m.abi3.so", nullptr, {}});
  auto abi = policy::parse_stable_abi(
      R"({"symbols": {"PyUnicode_AsUTF8AndSize": {"kind": "function", "added": "3.10"}}})", "t.json");
  REQUIRE(abi.ok());
  auto name = [](const char* n) { return wheel::WheelFilename::parse(n).value(); };
  auto old = name("m-1.0-cp37-abi3-manylinux_2_17_x86_64.whl");
  CHECK(already_compatible(old, a, set));  // without the data: not checked
  CHECK_FALSE(already_compatible(old, a, set, &*abi));
  CHECK(already_compatible(name("m-1.0-cp310-abi3-manylinux_2_17_x86_64.whl"), a, set, &*abi));
  CHECK(already_compatible(name("m-1.0-cp311-cp311-manylinux_2_17_x86_64.whl"), a, set, &*abi));
}
