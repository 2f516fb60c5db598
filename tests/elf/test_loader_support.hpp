// Shared fixtures of the loader-emulation tests: a scratch folder where
// libraries and programs are built with the local compiler, the real
// ld.so's choices (LD_TRACE_LOADED_OBJECTS), and our resolution of a file.
#pragma once

#include <catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>

#include "wheelfix/elf/loader.hpp"

namespace wheelfix::elf::test {

namespace fs = std::filesystem;

// A fresh folder under TMPDIR named "<prefix>-<pid>", removed at the end.
struct LoaderFixture {
  fs::path dir;
  explicit LoaderFixture(const std::string& prefix) {
    dir = fs::temp_directory_path() / (prefix + "-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~LoaderFixture() { fs::remove_all(dir); }
  LoaderFixture(const LoaderFixture&) = delete;
  LoaderFixture& operator=(const LoaderFixture&) = delete;

  // Runs `cmd` in the folder; REQUIREs success.
  void run(const std::string& cmd) const {
    std::string full = "cd '" + dir.string() + "' && " + cmd;
    INFO(full);
    REQUIRE(std::system(full.c_str()) == 0);
  }
  void write(const std::string& rel, const std::string& text) const {
    fs::create_directories((dir / rel).parent_path());
    std::ofstream(dir / rel) << text;
  }
  // A shared library `soname` in folder `sub` defining int func(void),
  // linked with `link` (e.g. "-Lx -lfoo").
  void lib(const std::string& sub, const std::string& soname, const std::string& func,
           const std::string& link = "") const {
    write(sub + "/" + func + ".c", "int " + func + "(void) { return 1; }\n");
    run("cc -shared -fPIC -o " + sub + "/" + soname + " -Wl,-soname," + soname + " " + sub + "/" + func + ".c " +
        link);
  }
};

// The path the real loader picks for each library of `exe` ("not" when it
// reports "not found"), run under `env ENV` (e.g. "-u LD_LIBRARY_PATH").
inline std::map<std::string, std::string> real_loader(const fs::path& exe, const std::string& env = "") {
  std::string cmd = "env " + env + " LD_TRACE_LOADED_OBJECTS=1 '" + exe.string() + "' 2>/dev/null";
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

// Our resolution of `file`'s dependencies under `config`.
inline DependencyTree resolve(const fs::path& file, const LoaderConfig& config) {
  auto info = parse_file(file.string(), ParseOptions{.symbols = false});
  REQUIRE(info.ok());
  DiskObjectSource source(config.root);
  return resolve_dependencies(file.string(), std::make_shared<const ElfInfo>(std::move(info).value()), config,
                              source);
}

// The first dependency called `name` anywhere in `t`, or nullptr.
inline const Resolution* find_dep(const DependencyTree& t, const std::string& name) {
  for (const auto& o : t.objects)
    for (const auto& d : o.deps)
      if (d.name == name) return &d;
  return nullptr;
}

}  // namespace wheelfix::elf::test
