// Helpers for the index tests (TempDir and file I/O come from
// tests/support/): running tools, and real wheels
// written at test time by Python's zipfile (an independent implementation).
#pragma once

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>

#include "support/files.hpp"
#include "support/temp_dir.hpp"

namespace index_test {

using wf_test::read_file;
using wf_test::TempDir;
using wf_test::write_file;

inline std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Runs a shell command and returns its standard output; throws on failure.
inline std::string capture(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) throw std::runtime_error("popen failed: " + cmd);
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int rc = ::pclose(p);
  if (!WIFEXITED(rc) || WEXITSTATUS(rc) != 0) throw std::runtime_error("command failed: " + cmd);
  return out;
}

// sha256sum's hex digest of a file (an independent hash implementation).
inline std::string sha256sum(const std::string& path) {
  return capture("sha256sum " + shell_quote(path)).substr(0, 64);
}

inline ino_t inode(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw std::runtime_error("stat failed: " + path);
  return st.st_ino;
}

// What make_wheel() writes.
struct WheelSpec {
  std::string dist;  // file name spelling, e.g. "Foo_Bar"
  std::string version = "1.0";
  std::string meta_name;  // METADATA Name (default: dist)
  std::string requires_python;
  std::string module_text = "VALUE = 1\n";
  std::string tag = "py3-none-any";
  std::size_t description_bytes = 0;  // METADATA body padded to this many bytes

  WheelSpec& with_requires_python(std::string v) { requires_python = std::move(v); return *this; }
  WheelSpec& with_module_text(std::string v) { module_text = std::move(v); return *this; }
  WheelSpec& with_meta_name(std::string v) { meta_name = std::move(v); return *this; }
  WheelSpec& with_description_bytes(std::size_t v) { description_bytes = v; return *this; }
};

// A spec for distribution `dist` (file name spelling) at `version`.
inline WheelSpec spec(std::string dist, std::string version) {
  WheelSpec s;
  s.dist = std::move(dist);
  s.version = std::move(version);
  return s;
}

// Writes a pure-Python wheel into `dir` with zipfile (fixed timestamps, so
// the same spec gives the same bytes) and returns its path.
inline std::string make_wheel(const std::string& dir, const WheelSpec& spec) {
  std::string script = R"PY(
import sys, zipfile
out, dist, version, name, rp, text, pad = sys.argv[1:8]
di = f"{dist}-{version}.dist-info"
meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
if rp:
    meta += f"Requires-Python: {rp}\n"
meta += "Summary: index test\n\nA description body.\n"
if int(pad):
    import random
    line = random.Random(5).randbytes(400).hex() + "\n"  # deflates about 100:1
    meta = (meta + line * (int(pad) // len(line) + 1))[:int(pad)]
mod = dist.lower()
files = [(f"{mod}/__init__.py", text),
         (f"{di}/METADATA", meta),
         (f"{di}/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"),
         (f"{di}/RECORD", "")]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for n, data in files:
        z.writestr(zipfile.ZipInfo(n, (2020, 1, 1, 0, 0, 0)), data)
)PY";
  std::string file = dir + "/" + spec.dist + "-" + spec.version + "-" + spec.tag + ".whl";
  std::string script_path = dir + "/.make_wheel.py";
  write_file(script_path, script);
  std::string meta_name = spec.meta_name.empty() ? spec.dist : spec.meta_name;
  capture("python3 " + shell_quote(script_path) + " " + shell_quote(file) + " " + shell_quote(spec.dist) + " " +
          shell_quote(spec.version) + " " + shell_quote(meta_name) + " " + shell_quote(spec.requires_python) +
          " " + shell_quote(spec.module_text) + " " + std::to_string(spec.description_bytes));
  std::filesystem::remove(script_path);
  return file;
}

// METADATA of a wheel as Python's zipfile reads it.
inline std::string zip_metadata(const std::string& wheel) {
  return capture("python3 -c " +
                 shell_quote("import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\n"
                             "n = [m for m in z.namelist() if m.endswith('.dist-info/METADATA')][0]\n"
                             "sys.stdout.buffer.write(z.read(n))") +
                 " " + shell_quote(wheel));
}

// Every regular file under `root` (relative path -> content).
inline std::map<std::string, std::string> tree(const std::string& root) {
  std::map<std::string, std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root))
    if (e.is_regular_file())
      out[std::filesystem::relative(e.path(), root).string()] = read_file(e.path().string());
  return out;
}

}  // namespace index_test
