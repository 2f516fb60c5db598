// Helpers of `build` and `install-links`: child processes with an edited
// environment and log files, test-command placeholders, symlink installs.
#include <catch.hpp>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/build_process.hpp"
#include "cli/build_steps.hpp"
#include "cli/install_links.hpp"
#include "support/files.hpp"
#include "support/temp_dir.hpp"

namespace fs = std::filesystem;
using namespace wheelfix::cli;

namespace {

using wf_test::read_file;
using wf_test::TempDir;

}  // namespace

TEST_CASE("run_program: exit status, signals, log file and environment edits") {
  TempDir t;
  std::string log = t.path() + "/out.log";
  ::setenv("WF_TEST_KEEP", "kept", 1);
  ::setenv("WF_TEST_DROP", "dropped", 1);
  RunSpec s;
  s.argv = {"/bin/sh", "-c", "echo out:$WF_TEST_KEEP:${WF_TEST_DROP-unset}:$WF_TEST_NEW; echo err >&2; pwd; exit 3"};
  s.unset = {"WF_TEST_DROP"};
  s.set = {{"WF_TEST_NEW", "new"}};
  s.cwd = t.path();
  s.log_file = log;
  auto rc = run_program(s);
  REQUIRE(rc.ok());
  CHECK(*rc == 3);
  std::string text = read_file(log);
  CHECK(text.find("out:kept:unset:new\n") != std::string::npos);
  CHECK(text.find("err\n") != std::string::npos);
  CHECK(text.find(fs::canonical(t.path()).string()) != std::string::npos);
  // Appends, never truncates.
  REQUIRE(run_program(s).ok());
  CHECK(read_file(log).size() == 2 * text.size());
  // Our own environment is untouched.
  CHECK(std::string(std::getenv("WF_TEST_DROP")) == "dropped");

  // unset_prefixes removes every variable starting with the prefix, and
  // `set` still applies after it.
  ::setenv("WF_PFX_ONE", "1", 1);
  ::setenv("WF_PFX_TWO", "2", 1);
  RunSpec prefixed;
  prefixed.argv = {"/bin/sh", "-c", "echo pfx:${WF_PFX_ONE-gone}:${WF_PFX_TWO-gone}:$WF_PFX_SET:$WF_TEST_KEEP"};
  prefixed.unset_prefixes = {"WF_PFX_"};
  prefixed.set = {{"WF_PFX_SET", "set"}};
  prefixed.log_file = t.path() + "/prefix.log";
  REQUIRE(run_program(prefixed).ok());
  CHECK(read_file(prefixed.log_file) == "pfx:gone:gone:set:kept\n");
  ::unsetenv("WF_PFX_ONE");
  ::unsetenv("WF_PFX_TWO");

  RunSpec killed;
  killed.argv = {"/bin/sh", "-c", "kill -TERM $$"};
  auto k = run_program(killed);
  REQUIRE(k.ok());
  CHECK(*k == 128 + 15);

  RunSpec missing;
  missing.argv = {"wf-no-such-program-xyz"};
  auto m = run_program(missing);
  REQUIRE_FALSE(m.ok());
  CHECK(m.error().message.rfind("wf-no-such-program-xyz: ", 0) == 0);

  RunSpec bad_log = s;
  bad_log.log_file = t.path() + "/no/such/dir/log";
  auto b = run_program(bad_log);
  REQUIRE_FALSE(b.ok());
  CHECK(b.error().message.find("/no/such/dir/log: ") != std::string::npos);
}

TEST_CASE("describe_command quotes words a shell would split") {
  CHECK(describe_command({"python", "-m", "pip"}) == "python -m pip");
  CHECK(describe_command({"sh", "-c", "echo 'a b'"}) == "sh -c 'echo '\\''a b'\\'''");
  CHECK(describe_command({""}) == "''");
}

TEST_CASE("expand_test_command replaces every placeholder") {
  CHECK(expand_test_command("pytest {project}/tests && ls {package} {wheel} {wheel}", "/src/p", "/wh/p.whl") ==
        "pytest /src/p/tests && ls /src/p /wh/p.whl /wh/p.whl");
  CHECK(expand_test_command("python -c 'print({})'", "/p", "/w") == "python -c 'print({})'");
}

TEST_CASE("install_link replaces links, refuses files unless forced, never folders") {
  TempDir t;
  std::string target = "/bin/true";
  REQUIRE(install_link(t.path(), "auditwheel", target, false).ok());
  CHECK(fs::read_symlink(t.path() + "/auditwheel") == target);
  // An existing (dangling) link is replaced.
  fs::remove(t.path() + "/auditwheel");
  fs::create_symlink("/nonexistent", t.path() + "/auditwheel");
  REQUIRE(install_link(t.path(), "auditwheel", target, false).ok());
  CHECK(fs::read_symlink(t.path() + "/auditwheel") == target);
  // A regular file is kept without force.
  { std::ofstream(t.path() + "/patchelf") << "mine"; }
  auto refused = install_link(t.path(), "patchelf", target, false);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message == t.path() + "/patchelf: exists and is not a symlink; not replaced (use --force)");
  CHECK(read_file(t.path() + "/patchelf") == "mine");
  REQUIRE(install_link(t.path(), "patchelf", target, true).ok());
  CHECK(fs::is_symlink(t.path() + "/patchelf"));
  // A folder never.
  fs::create_directory(t.path() + "/dir");
  auto folder = install_link(t.path(), "dir", target, true);
  REQUIRE_FALSE(folder.ok());
  CHECK(fs::is_directory(t.path() + "/dir"));
  // No temporary link left behind.
  for (const auto& e : fs::directory_iterator(t.path())) CHECK(e.path().filename().string().find("wheelfix-link") == std::string::npos);
}
