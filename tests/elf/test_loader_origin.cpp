// Loader emulation: the braced ${ORIGIN} form in RPATH and RUNPATH resolves
// like $ORIGIN, checked against the real ld.so (LD_TRACE_LOADED_OBJECTS).
#include <catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "wheelfix/elf/loader.hpp"

namespace fs = std::filesystem;
using namespace wheelfix::elf;

namespace {

struct OriginFixture {
  fs::path dir;
  OriginFixture() {
    dir = fs::temp_directory_path() / ("wf-loader-origin-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~OriginFixture() { fs::remove_all(dir); }
  OriginFixture(const OriginFixture&) = delete;
  OriginFixture& operator=(const OriginFixture&) = delete;

  void run(const std::string& cmd) const {
    std::string full = "cd '" + dir.string() + "' && " + cmd;
    INFO(full);
    REQUIRE(std::system(full.c_str()) == 0);
  }
  void write(const std::string& rel, const std::string& text) const {
    fs::create_directories((dir / rel).parent_path());
    std::ofstream(dir / rel) << text;
  }
  // A shared library `soname` in folder `sub` defining int func(void).
  void lib(const std::string& sub, const std::string& soname, const std::string& func,
           const std::string& link = "") const {
    write(sub + "/" + func + ".c", "int " + func + "(void) { return 1; }\n");
    run("cc -shared -fPIC -o " + sub + "/" + soname + " -Wl,-soname," + soname + " " + sub + "/" + func + ".c " +
        link);
  }
};

// The path the real loader picks for each library of `exe` ("not" when it
// reports "not found").
std::map<std::string, std::string> traced(const fs::path& exe) {
  std::string cmd = "env -u LD_LIBRARY_PATH LD_TRACE_LOADED_OBJECTS=1 '" + exe.string() + "' 2>/dev/null";
  std::map<std::string, std::string> out;
  FILE* p = ::popen(cmd.c_str(), "r");
  char line[4096];
  while (p && std::fgets(line, sizeof line, p)) {
    std::string l(line);
    auto arrow = l.find(" => ");
    if (arrow == std::string::npos) continue;
    std::string name(l.substr(0, arrow));
    name.erase(0, name.find_first_not_of(" \t"));
    std::string rest = l.substr(arrow + 4);
    out[name] = rest.substr(0, rest.find(' '));
  }
  if (p) ::pclose(p);
  return out;
}

DependencyTree resolve_file(const fs::path& file) {
  auto info = parse_file(file.string(), ParseOptions{.symbols = false});
  REQUIRE(info.ok());
  LoaderConfig config;  // no LD_LIBRARY_PATH, no ld.so.conf: only RPATH/RUNPATH can find the fixtures
  DiskObjectSource source(config.root);
  return resolve_dependencies(file.string(), std::make_shared<const ElfInfo>(std::move(info).value()), config,
                              source);
}

const Resolution* dep_named(const DependencyTree& t, const std::string& name) {
  for (const auto& o : t.objects)
    for (const auto& d : o.deps)
      if (d.name == name) return &d;
  return nullptr;
}

}  // namespace

TEST_CASE("${ORIGIN} in RUNPATH resolves like $ORIGIN, as ld.so does") {
  OriginFixture f;
  f.lib("app/lib", "libbraced.so", "braced");
  f.write("app/main.c", "int braced(void); int main(void) { return braced() - 1; }\n");
  f.run("cc -o app/exe app/main.c -Lapp/lib -lbraced -Wl,--enable-new-dtags -Wl,-rpath,'${ORIGIN}/lib'");
  f.run("cc -o app/exe_plain app/main.c -Lapp/lib -lbraced -Wl,--enable-new-dtags -Wl,-rpath,'$ORIGIN/lib'");

  const auto t = resolve_file(f.dir / "app/exe");
  REQUIRE(t.objects[0].info->runpath == std::optional<std::string>("${ORIGIN}/lib"));
  const auto* d = dep_named(t, "libbraced.so");
  REQUIRE(d);
  CHECK(d->rule == FoundBy::runpath);
  REQUIRE(d->path == (f.dir / "app/lib/libbraced.so").string());
  CHECK(d->via.find("${ORIGIN}/lib") != std::string::npos);  // the entry as written
  CHECK(traced(f.dir / "app/exe")["libbraced.so"] == *d->path);

  const auto plain = resolve_file(f.dir / "app/exe_plain");
  const auto* p = dep_named(plain, "libbraced.so");
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
  const auto* mid = dep_named(t, "libmid.so");
  const auto* deep = dep_named(t, "libdeep.so");
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
  const auto* d = dep_named(t, "libsib.so");
  REQUIRE(d);
  CHECK(d->rule == FoundBy::runpath);
  REQUIRE(d->path == (f.dir / "app_libs/libsib.so").string());
  CHECK(traced(f.dir / "app/exe")["libsib.so"] == *d->path);

  const auto plain = resolve_file(f.dir / "app/exe_plain");
  const auto* p = dep_named(plain, "libsib.so");
  REQUIRE(p);
  CHECK(p->rule == FoundBy::not_found);
  CHECK(traced(f.dir / "app/exe_plain")["libsib.so"] == "not");
}
