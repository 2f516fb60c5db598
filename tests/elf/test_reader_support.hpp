// Helpers for the ELF reader tests (TempDir and file I/O come from
// tests/support/): building real
// binaries with the local compilers, and running tools.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "support/files.hpp"
#include "support/temp_dir.hpp"

namespace wheelfix::elf::testing {

// The shared test support (tests/support/), under this folder's names.
using ::wf_test::read_bytes;
using ::wf_test::TempDir;
// Writes `text` to `path`; throws std::runtime_error on failure.
inline void write_text(const std::string& path, const std::string& text) { ::wf_test::write_file(path, text); }
// Writes bytes to a file; throws std::runtime_error on failure.
inline void write_bytes(const std::string& path, const std::vector<std::uint8_t>& data) {
  ::wf_test::write_file(path, data);
}

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
