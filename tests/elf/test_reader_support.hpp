// Helpers for the ELF reader tests: a temporary folder, building real
// binaries with the local compilers, and running tools.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace wheelfix::elf::testing {

// A fresh folder under $TMPDIR (or /tmp), removed with its contents on
// destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  // path() + "/" + name.
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Writes `text` to `path`; throws std::runtime_error on failure (tests only).
void write_text(const std::string& path, const std::string& text);
// Reads a whole file; throws std::runtime_error on failure.
std::vector<std::uint8_t> read_bytes(const std::string& path);
// Writes bytes to a file; throws std::runtime_error on failure.
void write_bytes(const std::string& path, const std::vector<std::uint8_t>& data);

// Runs a shell command; true when it exits with status 0. Output goes to
// stderr only when it fails (the command's output is captured to a log).
bool run(const std::string& command);
// Runs a shell command and returns its stdout (stderr discarded); `status`
// receives the exit status.
std::string capture(const std::string& command, int* status = nullptr);
// True when `program` is found on PATH.
bool have_program(const std::string& program);

// Compiles C `source` (written to dir/<stem>.c) with `compiler`, then `flags`
// (after the source, so libraries resolve its references),
// into dir/<output>. Returns the output path, or "" on failure (with the
// compiler's messages printed).
std::string compile_c(const TempDir& dir, const std::string& compiler, const std::string& stem,
                      const std::string& source, const std::string& flags,
                      const std::string& output);

}  // namespace wheelfix::elf::testing
