// Helpers for the rewriter tests: scratch folders, compiling fixtures with
// the local compilers, running tools, loading libraries in a child process.
#pragma once

#include <dlfcn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/files.hpp"
#include "wheelfix/elf/elf_info.hpp"
#include "wheelfix/elf/rewriter.hpp"

namespace rwtest {

namespace fs = std::filesystem;

inline std::string fixtures() { return std::string(WHEELFIX_SOURCE_DIR) + "/tests/e2e/rewriter"; }

// A fresh, empty folder under the build tree for one test.
inline std::string scratch(const std::string& name) {
  std::string dir = std::string(WHEELFIX_BINARY_DIR) + "/rewrite-tests/" + name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

inline int run(const std::string& cmd) {
  int st = std::system((cmd + " >/dev/null 2>&1").c_str());
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

// stdout of `cmd` (stderr dropped).
inline std::string capture(const std::string& cmd, int* status = nullptr) {
  std::string out;
  FILE* p = popen((cmd + " 2>/dev/null").c_str(), "r");
  if (!p) return out;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int st = pclose(p);
  if (status) *status = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
  return out;
}

inline bool have(const std::string& program) { return run("command -v " + program) == 0; }

inline std::uint64_t file_size(const std::string& p) { return fs::file_size(p); }

inline void copy(const std::string& from, const std::string& to) {
  fs::copy_file(from, to, fs::copy_options::overwrite_existing);
}

// The shared file helpers (tests/support/files.hpp) under this folder's names.
inline std::vector<std::uint8_t> read_all(const std::string& p) { return wf_test::read_bytes(p); }
inline void write_all(const std::string& p, const std::vector<std::uint8_t>& d) { wf_test::write_file(p, d); }

// dlopen()s `lib` in a forked child and calls `int fn(void)`; nullopt when
// loading fails or the child crashes.
inline std::optional<int> call_in_child(const std::string& lib, const std::string& fn) {
  int fds[2];
  if (pipe(fds) != 0) return std::nullopt;
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    void* h = dlopen(lib.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!h) {
      std::fprintf(stderr, "dlopen %s: %s\n", lib.c_str(), dlerror());
      _exit(3);
    }
    auto f = reinterpret_cast<int (*)()>(dlsym(h, fn.c_str()));
    if (!f) _exit(4);
    int v = f();
    if (write(fds[1], &v, sizeof v) != sizeof v) _exit(5);
    _exit(0);
  }
  close(fds[1]);
  int v = 0;
  ssize_t got = read(fds[0], &v, sizeof v);
  close(fds[0]);
  int st = 0;
  waitpid(pid, &st, 0);
  if (got != sizeof v || !WIFEXITED(st) || WEXITSTATUS(st) != 0) return std::nullopt;
  return v;
}

// dlopen()s `lib` in a child without calling anything.
inline bool loads_in_child(const std::string& lib) {
  pid_t pid = fork();
  if (pid == 0) {
    void* h = dlopen(lib.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!h) std::fprintf(stderr, "dlopen %s: %s\n", lib.c_str(), dlerror());
    _exit(h ? 0 : 3);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

// eu-elflint --gnu-ld messages, as a set of lines ("No errors" dropped).
inline std::set<std::string> elflint(const std::string& file) {
  std::set<std::string> out;
  std::istringstream in(capture("eu-elflint --gnu-ld '" + file + "'"));
  for (std::string line; std::getline(in, line);)
    if (line != "No errors" && !line.empty()) {
      // Section and program header numbers change when headers are
      // re-sorted or a PT_LOAD is inserted: compare without them.
      static const std::regex index(R"(\[\s*\d+\])");
      line = std::regex_replace(line, index, "[*]");
      out.insert(line);
    }
  return out;
}

// Lines of "readelf -lW": the count of PT_LOAD entries.
inline int load_count(const std::string& file) {
  std::istringstream in(capture("readelf -lW '" + file + "'"));
  int n = 0;
  for (std::string line; std::getline(in, line);)
    if (line.find("  LOAD ") != std::string::npos) ++n;
  return n;
}

// The fixture set: libdep.so.1 (versioned), libfix.so (needs it, shares a
// .dynstr suffix) and executables linked against libfix.so.
struct Fixtures {
  std::string dir, libdep, libfix, pie, nopie, pie_rpath;
};

inline Fixtures build_fixtures(const std::string& name, const std::string& cc = "gcc") {
  Fixtures f;
  f.dir = scratch(name);
  std::string s = fixtures();
  std::string d = f.dir;
  f.libdep = d + "/libdep.so.1";
  f.libfix = d + "/libfix.so";
  f.pie = d + "/prog_pie";
  f.nopie = d + "/prog_nopie";
  f.pie_rpath = d + "/prog_rpath";
  std::string lib = cc + " -shared -fPIC -O1 ";
  bool ok = run(lib + "-o " + f.libdep + " -Wl,-soname,libdep.so.1 -Wl,--version-script=" + s + "/dep.map " + s + "/dep.c") == 0 &&
            run(lib + "-o " + f.libfix + " -Wl,-soname,libfix.so -Wl,--enable-new-dtags,-rpath,'$ORIGIN' -Wl,--version-script=" + s + "/fix.map " + s + "/fix.c -L" + d + " -l:libdep.so.1") == 0 &&
            run(cc + " -fPIE -pie -o " + f.pie + " " + s + "/prog.c -L" + d + " -lfix -Wl,--enable-new-dtags,-rpath,'$ORIGIN' -Wl,-rpath-link," + d) == 0 &&
            run(cc + " -no-pie -fno-PIE -o " + f.nopie + " " + s + "/prog.c -L" + d + " -lfix -Wl,--disable-new-dtags,-rpath,'$ORIGIN' -Wl,-rpath-link," + d) == 0 &&
            run(cc + " -fPIE -pie -o " + f.pie_rpath + " " + s + "/prog.c -L" + d + " -lfix -Wl,--disable-new-dtags,-rpath,/nonexistent:'$ORIGIN' -Wl,-rpath-link," + d) == 0;
  if (!ok) f.dir.clear();
  return f;
}

// Runs `prog` (exit status), with an optional qemu/sysroot prefix.
inline int run_prog(const std::string& prog, const std::string& prefix = "") {
  return run(prefix + (prefix.empty() ? "" : " ") + "'" + prog + "'");
}

}  // namespace rwtest
