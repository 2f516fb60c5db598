// rewrite_to_fd(): the streaming entry point repair uses. Its output must
// be exactly the bytes rewrite_bytes() returns (and rewrite() writes), for
// growing edits on libraries and executables, for no edit at all (a plain
// copy) and when the input is an anonymous file reached through /proc.
#include <catch.hpp>
#include <fcntl.h>
#include <unistd.h>

#include "test_rewrite_support.hpp"
#include "wheelfix/util/temp_file.hpp"

using namespace wheelfix;
using namespace rwtest;

namespace {

// Runs rewrite_to_fd(path -> out) into a fresh file; REQUIREs success.
elf::RewriteOutcome to_file(const std::string& path, const std::string& name, const elf::EditPlan& plan,
                            const std::string& out) {
  int fd = ::open(out.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
  REQUIRE(fd >= 0);
  auto r = elf::rewrite_to_fd(path, name, plan, fd);
  ::close(fd);
  INFO((r.ok() ? std::string() : r.error().message));
  REQUIRE(r.ok());
  return *r;
}

// rewrite_bytes() of the file at `path`, or its own bytes when unchanged.
std::vector<std::uint8_t> in_memory(const std::string& path, const elf::EditPlan& plan) {
  auto data = read_all(path);
  auto r = elf::rewrite_bytes(util::Bytes(data.data(), data.size()), path, plan);
  REQUIRE(r.ok());
  return r->has_value() ? **r : data;
}

elf::EditPlan growing_plan() {
  elf::EditPlan plan;
  plan.soname = "libfix-renamed-with-a-name-much-longer-than-the-old-one.so";
  plan.replace_needed = {{"libdep.so.1", "libdep-0123abcd-with-a-long-hash-suffix.so.1"}};
  plan.add_needed = {"libm.so.6"};
  plan.rpath_op = elf::RpathOp::set;
  plan.rpath = "$ORIGIN/fix.libs:$ORIGIN/../some/rather/long/path/to/force/a/move";
  return plan;
}

}  // namespace

TEST_CASE("rewrite_to_fd writes the bytes rewrite_bytes returns", "[rewrite][stream]") {
  auto f = build_fixtures("to_fd");
  REQUIRE(!f.dir.empty());
  elf::EditPlan plan = growing_plan();
  std::string out = f.dir + "/libfix.out.so";
  auto outcome = to_file(f.libfix, "pkg/libfix.so", plan, out);
  CHECK(outcome.changed);
  CHECK(outcome.layout_changed);
  CHECK(outcome.old_size == file_size(f.libfix));
  CHECK(outcome.new_size == file_size(out));
  CHECK(read_all(out) == in_memory(f.libfix, plan));
  // Same bytes as the file rewrite, and the library still works.
  std::string via_rewrite = f.dir + "/libfix.rewrite.so";
  REQUIRE(elf::rewrite(f.libfix, plan, elf::RewriteOptions{via_rewrite}).ok());
  CHECK(read_all(out) == read_all(via_rewrite));
  auto info = elf::parse_file(out);
  REQUIRE(info.ok());
  CHECK(info->soname == plan.soname);
  CHECK(info->runpath == plan.rpath);
}

TEST_CASE("rewrite_to_fd on PIE and non-PIE executables: same bytes, still run", "[rewrite][stream]") {
  auto f = build_fixtures("to_fd_exe");
  REQUIRE(!f.dir.empty());
  elf::EditPlan plan;
  plan.add_needed = {"libm.so.6", "libdl.so.2"};
  plan.interpreter = "/lib64/../lib64/../lib64/../lib64/ld-linux-x86-64.so.2";
  for (const auto& exe : {f.nopie, f.pie}) {
    INFO(exe);
    std::string out = exe + ".out";
    auto outcome = to_file(exe, exe, plan, out);
    CHECK(outcome.changed);
    CHECK(read_all(out) == in_memory(exe, plan));
    CHECK(run_prog(out) == 0);
  }
}

TEST_CASE("rewrite_to_fd with nothing to change copies the input", "[rewrite][stream]") {
  auto f = build_fixtures("to_fd_copy");
  REQUIRE(!f.dir.empty());
  std::string out = f.dir + "/copy.so";
  auto outcome = to_file(f.libfix, "libfix.so", elf::EditPlan{}, out);
  CHECK_FALSE(outcome.changed);
  CHECK(read_all(out) == read_all(f.libfix));
}

TEST_CASE("rewrite_to_fd reads an anonymous file and names the member in errors", "[rewrite][stream]") {
  auto f = build_fixtures("to_fd_anon");
  REQUIRE(!f.dir.empty());
  auto data = read_all(f.libfix);
  auto anon = util::TempFile::create(f.dir, util::Bytes(data.data(), data.size()));
  REQUIRE(anon.ok());
  elf::EditPlan plan = growing_plan();
  std::string out = f.dir + "/from-anon.so";
  to_file(anon->path(), "pkg/libfix.so", plan, out);
  CHECK(read_all(out) == in_memory(f.libfix, plan));

  // A truncated ELF file: the error names the member, not the /proc path.
  data.resize(200);
  auto bad = util::TempFile::create(f.dir, util::Bytes(data.data(), data.size()));
  REQUIRE(bad.ok());
  int fd = ::open((f.dir + "/bad.out").c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  REQUIRE(fd >= 0);
  auto r = elf::rewrite_to_fd(bad->path(), "pkg/libbad.so", plan, fd);
  ::close(fd);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.rfind("pkg/libbad.so: ", 0) == 0);

  // A missing input: named too.
  auto missing = elf::rewrite_to_fd(f.dir + "/nonexistent.so", "pkg/libgone.so", plan, -1);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message.rfind("pkg/libgone.so: ", 0) == 0);
}
