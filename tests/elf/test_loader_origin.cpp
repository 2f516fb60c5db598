// Loader emulation: the braced ${ORIGIN} form in RPATH and RUNPATH resolves
// like $ORIGIN, checked against the real ld.so (LD_TRACE_LOADED_OBJECTS).
#include "test_loader_support.hpp"

namespace fs = std::filesystem;
using namespace wheelfix::elf;
using namespace wheelfix::elf::test;

namespace {

struct OriginFixture : LoaderFixture {
  OriginFixture() : LoaderFixture("wf-loader-origin") {}
};

// No LD_LIBRARY_PATH, no ld.so.conf: only RPATH/RUNPATH can find the fixtures.
DependencyTree resolve_file(const fs::path& file) { return resolve(file, LoaderConfig{}); }

std::map<std::string, std::string> traced(const fs::path& exe) { return real_loader(exe, "-u LD_LIBRARY_PATH"); }

}  // namespace

TEST_CASE("${ORIGIN} in RUNPATH resolves like $ORIGIN, as ld.so does") {
  OriginFixture f;
  f.lib("app/lib", "libbraced.so", "braced");
  f.write("app/main.c", "int braced(void); int main(void) { return braced() - 1; }\n");
  f.run("cc -o app/exe app/main.c -Lapp/lib -lbraced -Wl,--enable-new-dtags -Wl,-rpath,'${ORIGIN}/lib'");
  f.run("cc -o app/exe_plain app/main.c -Lapp/lib -lbraced -Wl,--enable-new-dtags -Wl,-rpath,'$ORIGIN/lib'");

  const auto t = resolve_file(f.dir / "app/exe");
  REQUIRE(t.objects[0].info->runpath == std::optional<std::string>("${ORIGIN}/lib"));
  const auto* d = find_dep(t, "libbraced.so");
  REQUIRE(d);
  CHECK(d->rule == FoundBy::runpath);
  REQUIRE(d->path == (f.dir / "app/lib/libbraced.so").string());
  CHECK(d->via.find("${ORIGIN}/lib") != std::string::npos);  // the entry as written
  CHECK(traced(f.dir / "app/exe")["libbraced.so"] == *d->path);

  const auto plain = resolve_file(f.dir / "app/exe_plain");
  const auto* p = find_dep(plain, "libbraced.so");
  REQUIRE(p);
  CHECK(p->path == d->path);
  CHECK(p->rule == d->rule);
}

TEST_CASE("${ORIGIN} in an inherited RPATH is the directory of the object holding it") {
  OriginFixture f;
  // libmid needs libdeep and has no path of its own: the executable's RPATH
  // (inherited, with ORIGIN = the executable's folder) must find libdeep.
  f.lib("app/deep", "libdeep.so", "deep");
  f.lib("app/mid", "libmid.so", "mid", "-Wl,--no-as-needed -Lapp/deep -ldeep");
  f.write("app/main.c", "int mid(void); int main(void) { return mid() - 1; }\n");
  f.run("cc -o app/exe app/main.c -Lapp/mid -lmid -Wl,-rpath-link,app/deep -Wl,--disable-new-dtags "
        "-Wl,-rpath,'${ORIGIN}/mid:${ORIGIN}/../app/deep'");

  const auto t = resolve_file(f.dir / "app/exe");
  REQUIRE(t.objects[0].info->rpath == std::optional<std::string>("${ORIGIN}/mid:${ORIGIN}/../app/deep"));
  const auto* mid = find_dep(t, "libmid.so");
  const auto* deep = find_dep(t, "libdeep.so");
  REQUIRE(mid);
  REQUIRE(deep);
  CHECK(mid->rule == FoundBy::rpath);
  CHECK(deep->rule == FoundBy::rpath);
  REQUIRE(mid->path == (f.dir / "app/mid/libmid.so").string());
  REQUIRE(deep->path == (f.dir / "app/deep/libdeep.so").string());  // normalised, no "/../"
  CHECK(deep->via.find("RPATH of " + (f.dir / "app/exe").string()) == 0);
  auto real = traced(f.dir / "app/exe");
  CHECK(real["libmid.so"] == *mid->path);
  CHECK(fs::weakly_canonical(real["libdeep.so"]) == fs::path(*deep->path));
}

TEST_CASE("${ORIGIN} followed directly by letters still expands; $ORIGIN followed by letters does not") {
  OriginFixture f;
  // ${ORIGIN}_libs names the sibling folder app_libs; $ORIGIN_libs is
  // another (unknown) variable to ld.so, so that path finds nothing.
  f.lib("app_libs", "libsib.so", "sib");
  f.write("app/main.c", "int sib(void); int main(void) { return sib() - 1; }\n");
  f.run("cc -o app/exe app/main.c -Lapp_libs -lsib -Wl,--enable-new-dtags -Wl,-rpath,'${ORIGIN}_libs'");
  f.run("cc -o app/exe_plain app/main.c -Lapp_libs -lsib -Wl,--enable-new-dtags -Wl,-rpath,'$ORIGIN_libs'");

  const auto t = resolve_file(f.dir / "app/exe");
  const auto* d = find_dep(t, "libsib.so");
  REQUIRE(d);
  CHECK(d->rule == FoundBy::runpath);
  REQUIRE(d->path == (f.dir / "app_libs/libsib.so").string());
  CHECK(traced(f.dir / "app/exe")["libsib.so"] == *d->path);

  const auto plain = resolve_file(f.dir / "app/exe_plain");
  const auto* p = find_dep(plain, "libsib.so");
  REQUIRE(p);
  CHECK(p->rule == FoundBy::not_found);
  CHECK(traced(f.dir / "app/exe_plain")["libsib.so"] == "not");
}
