// Loader emulation tests: fixtures built with the local compiler, and the
// real ld.so (LD_TRACE_LOADED_OBJECTS) as the reference where it can run.
#include "test_loader_support.hpp"

namespace fs = std::filesystem;
using namespace wheelfix::elf;
using namespace wheelfix::elf::test;

namespace {

struct Fixture : LoaderFixture {
  Fixture() : LoaderFixture("wf-loader") {}
};

std::string s(const fs::path& p) { return p.string(); }

}  // namespace

TEST_CASE("RPATH is inherited by dependencies, RUNPATH is not; both agree with ld.so") {
  Fixture f;
  f.lib("deep", "libdeep.so", "deep");
  // --no-as-needed: some toolchains link with --as-needed by default, which
  // would drop libdeep from libmid (mid() does not call into it).
  f.lib("mid", "libmid.so", "mid", "-Wl,--no-as-needed -Ldeep -ldeep");
  f.write("main.c", "int mid(void); int main(void) { return mid() - 1; }\n");
  // RPATH on the executable names both folders: libmid's own lookup of
  // libdeep uses the executable's inherited RPATH.
  f.run("cc -o exe_rpath main.c -Lmid -lmid -Wl,--disable-new-dtags -Wl,-rpath,'$ORIGIN/mid:$ORIGIN/deep'");
  f.run("cc -o exe_runpath main.c -Lmid -lmid -Wl,--enable-new-dtags -Wl,-rpath,'$ORIGIN/mid:$ORIGIN/deep'");
  LoaderConfig config;

  auto t = resolve(f.dir / "exe_rpath", config);
  auto* deep = find_dep(t, "libdeep.so");
  REQUIRE(deep);
  REQUIRE(deep->rule == FoundBy::rpath);
  REQUIRE(deep->path == s(f.dir / "deep/libdeep.so"));
  REQUIRE(deep->via.find("RPATH of " + s(f.dir / "exe_rpath")) == 0);
  REQUIRE(real_loader(f.dir / "exe_rpath")["libdeep.so"] == *deep->path);

  auto t2 = resolve(f.dir / "exe_runpath", config);
  REQUIRE(find_dep(t2, "libmid.so")->rule == FoundBy::runpath);
  REQUIRE(find_dep(t2, "libdeep.so")->object == -1);
  REQUIRE(real_loader(f.dir / "exe_runpath")["libdeep.so"] == "not");  // "not found"
}

TEST_CASE("search order: RPATH, LD_LIBRARY_PATH, RUNPATH, as ld.so does it") {
  Fixture f;
  for (auto sub : {"a", "b", "c"}) f.lib(sub, "libx.so", "x");
  f.write("main.c", "int x(void); int main(void) { return x() - 1; }\n");
  f.run("cc -o exe_rp main.c -La -lx -Wl,--disable-new-dtags -Wl,-rpath,'$ORIGIN/b'");
  f.run("cc -o exe_rn main.c -La -lx -Wl,--enable-new-dtags -Wl,-rpath,'$ORIGIN/b'");
  LoaderConfig config;
  config.ld_library_path = {s(f.dir / "c")};
  std::string env = "LD_LIBRARY_PATH=" + s(f.dir / "c");

  const auto rp_tree = resolve(f.dir / "exe_rp", config);
  auto rp = find_dep(rp_tree, "libx.so");
  REQUIRE(rp->rule == FoundBy::rpath);
  REQUIRE(*rp->path == real_loader(f.dir / "exe_rp", env)["libx.so"]);

  const auto rn_tree = resolve(f.dir / "exe_rn", config);
  auto rn = find_dep(rn_tree, "libx.so");
  REQUIRE(rn->rule == FoundBy::ld_library_path);
  REQUIRE(*rn->path == real_loader(f.dir / "exe_rn", env)["libx.so"]);

  config.ld_library_path.clear();
  const auto rn2_tree = resolve(f.dir / "exe_rn", config);
  auto rn2 = find_dep(rn2_tree, "libx.so");
  REQUIRE(rn2->rule == FoundBy::runpath);
  REQUIRE(*rn2->path == real_loader(f.dir / "exe_rn")["libx.so"]);
}

TEST_CASE("libraries of another class or machine are skipped") {
  if (std::system("command -v i686-linux-gnu-gcc >/dev/null 2>&1") != 0) {
    WARN("SKIP: i686-linux-gnu-gcc not installed");
    return;
  }
  Fixture f;
  fs::create_directories(f.dir / "wrong");
  f.write("wrong/x.c", "int x(void) { return 1; }\n");
  f.run("i686-linux-gnu-gcc -shared -fPIC -o wrong/libx.so -Wl,-soname,libx.so wrong/x.c");
  f.lib("right", "libx.so", "x");
  f.write("main.c", "int x(void); int main(void) { return x() - 1; }\n");
  f.run("cc -o exe main.c -Lright -lx -Wl,--enable-new-dtags -Wl,-rpath,'$ORIGIN/wrong:$ORIGIN/right'");
  const auto d_tree = resolve(f.dir / "exe", LoaderConfig{});
  auto d = find_dep(d_tree, "libx.so");
  REQUIRE(d->path == s(f.dir / "right/libx.so"));
  REQUIRE(*d->path == real_loader(f.dir / "exe")["libx.so"]);
}

TEST_CASE("sysroot: ld.so.conf with include globs, --ldpaths, and not found") {
  Fixture f;
  f.lib("root/opt/conf", "libconf.so", "conf");
  f.lib("root/opt/other", "libother.so", "other");
  f.write("root/etc/ld.so.conf", "# comment\ninclude ld.so.conf.d/*.conf\n");
  f.write("root/etc/ld.so.conf.d/one.conf", "/opt/conf\n");
  f.write("main.c", "int conf(void); int other(void); int main(void) { return conf() + other() - 2; }\n");
  f.run("cc -shared -fPIC -o root/ext.so main.c -Lroot/opt/conf -lconf -Lroot/opt/other -lother");

  auto root = s(f.dir / "root");
  REQUIRE(read_ld_so_conf(root) == std::vector<std::string>{"/opt/conf"});
  auto config = make_loader_config(root, std::nullopt, std::nullopt);
  auto t = resolve(f.dir / "root/ext.so", config);
  auto* conf = find_dep(t, "libconf.so");
  REQUIRE(conf->rule == FoundBy::ld_so_conf);
  REQUIRE(conf->path == std::string("/opt/conf/libconf.so"));  // as the target sees it
  REQUIRE(find_dep(t, "libother.so")->rule == FoundBy::not_found);

  auto with_ldpaths = make_loader_config(root, std::nullopt, std::string("/opt/other"));
  auto t2 = resolve(f.dir / "root/ext.so", with_ldpaths);
  REQUIRE(find_dep(t2, "libother.so")->rule == FoundBy::ldpaths);
  REQUIRE(find_dep(t2, "libconf.so")->rule == FoundBy::not_found);  // ld.so.conf replaced
}

TEST_CASE("musl path file and the musl default") {
  Fixture f;
  auto root = s(f.dir);
  REQUIRE(read_musl_path(root, Arch::x86_64) == std::vector<std::string>{"/lib", "/usr/local/lib", "/usr/lib"});
  f.write("etc/ld-musl-x86_64.path", "/opt/a:/opt/b\n/opt/c\n");
  REQUIRE(read_musl_path(root, Arch::x86_64) == std::vector<std::string>{"/opt/a", "/opt/b", "/opt/c"});
  REQUIRE(split_search_path("a::b") == std::vector<std::string>{"a", "", "b"});
}
