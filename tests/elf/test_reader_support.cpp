#include "elf/test_reader_support.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <stdexcept>

namespace wheelfix::elf::testing {

std::string capture(const std::string& command, int* status) {
  std::string out;
  FILE* p = ::popen((command + " 2>/dev/null").c_str(), "r");
  if (!p) throw std::runtime_error("popen failed: " + command);
  char buf[65536];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  int rc = ::pclose(p);
  if (status) *status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return out;
}

bool run(const std::string& command) {
  int status = 0;
  std::string out = capture("(" + command + ") 2>&1", &status);
  if (status != 0) std::cerr << "command failed (" << status << "): " << command << "\n" << out;
  return status == 0;
}

bool have_program(const std::string& program) {
  return std::system(("command -v " + program + " >/dev/null 2>&1").c_str()) == 0;
}

std::string compile_c(const TempDir& dir, const std::string& compiler, const std::string& stem,
                      const std::string& source, const std::string& flags,
                      const std::string& output) {
  std::string src = dir / (stem + ".c");
  write_text(src, source);
  std::string out = dir / output;
  std::string cmd = compiler + " -o '" + out + "' '" + src + "' " + flags;
  return run(cmd) ? out : "";
}

}  // namespace wheelfix::elf::testing
