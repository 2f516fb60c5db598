// musl version detection: against the real musl loader's own banner, and on
// crafted images.
#include <catch.hpp>

#include <cstdio>
#include <filesystem>
#include <regex>
#include <string>

#include "wheelfix/elf/musl_version.hpp"

using wheelfix::elf::musl_version_of;
using wheelfix::elf::read_musl_version;

namespace {

std::optional<std::pair<int, int>> of(const std::string& s) {
  return musl_version_of(wheelfix::util::Bytes(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
}

const std::string kElf = std::string("\x7f" "ELF\x02\x01\x01", 7) + std::string(9, '\0');

}  // namespace

TEST_CASE("musl version: the installed musl loader agrees with what it prints") {
  const std::string loader = "/lib/ld-musl-x86_64.so.1";
  if (!std::filesystem::exists(loader)) {
    WARN("SKIP: " << loader << " is missing (apt-get install musl)");
    return;
  }
  // Run without arguments, musl's loader prints "Version X.Y.Z" to stderr.
  std::string out;
  FILE* p = ::popen((loader + " 2>&1").c_str(), "r");
  REQUIRE(p);
  char buf[256];
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  ::pclose(p);
  std::smatch m;
  REQUIRE(std::regex_search(out, m, std::regex(R"(Version (\d+)\.(\d+))")));
  auto v = read_musl_version(loader);
  REQUIRE(v.ok());
  REQUIRE(v->has_value());
  CHECK((*v)->first == std::stoi(m[1]));
  CHECK((*v)->second == std::stoi(m[2]));
}

TEST_CASE("musl version: glibc's libc is not musl") {
  for (const char* glibc : {"/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x86_64-linux-gnu/libc.so.6"}) {
    if (!std::filesystem::exists(glibc)) continue;
    auto v = read_musl_version(glibc);
    REQUIRE(v.ok());
    CHECK_FALSE(v->has_value());
    return;
  }
  WARN("SKIP: no glibc libc.so.6 found");
}

TEST_CASE("musl version: crafted images") {
  using namespace std::string_literals;  // "...\0..."s keeps the NULs
  CHECK(of(kElf + "musl libc (x86_64)\0Version %s\n\0001.1.24\0"s) == std::pair{1, 1});
  CHECK(of(kElf + "1.2.5\0musl libc\0"s) == std::pair{1, 2});
  CHECK(of(kElf + "1.2.4-git\0musl libc\0"s) == std::pair{1, 2});
  // The same string twice is fine; two different versions are ambiguous.
  CHECK(of(kElf + "1.2.5\0musl libc\0001.2.5\0"s) == std::pair{1, 2});
  CHECK_FALSE(of(kElf + "1.2.5\0musl libc\0001.1.9\0"s).has_value());
  // No banner, no ELF magic, no version, not a dotted triple.
  CHECK_FALSE(of(kElf + "1.2.5\0"s).has_value());
  CHECK_FALSE(of("musl libc\0001.2.5\0"s).has_value());
  CHECK_FALSE(of(kElf + "musl libc\0"s).has_value());
  CHECK_FALSE(of(kElf + "musl libc\0001.2\00010.20.30.40\0"s).has_value());
  CHECK_FALSE(of("").has_value());
}

TEST_CASE("musl version: a missing file is an error naming it") {
  auto v = read_musl_version("/nonexistent/ld-musl.so");
  REQUIRE_FALSE(v.ok());
  CHECK(v.error().message.find("/nonexistent/ld-musl.so") != std::string::npos);
}
