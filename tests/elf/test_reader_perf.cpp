// The reader touches only the pages it needs: parsing a big mapped library
// without symbols must fault in a handful of pages, not the file.
#include <catch.hpp>

#include <sys/resource.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>

#include "wheelfix/elf/elf_info.hpp"
#include "wheelfix/util/mapped_file.hpp"

using namespace wheelfix;
using namespace wheelfix::elf;
namespace fs = std::filesystem;

namespace {

long minor_faults() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_minflt + u.ru_majflt;
}

// The biggest regular *.so* file directly in /usr/lib/x86_64-linux-gnu, or
// $WHEELFIX_PERF_FILE when set.
std::string biggest_library() {
  if (const char* f = std::getenv("WHEELFIX_PERF_FILE")) return f;
  std::string best;
  std::uintmax_t best_size = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/usr/lib/x86_64-linux-gnu", ec)) {
    std::string name = e.path().filename().string();
    if (e.is_symlink(ec) || !e.is_regular_file(ec) || name.find(".so") == std::string::npos) continue;
    if (e.file_size(ec) > best_size) {
      best_size = e.file_size(ec);
      best = e.path().string();
    }
  }
  return best;
}

}  // namespace

TEST_CASE("parsing a big library without symbols touches few pages", "[reader][perf]") {
  std::string path = biggest_library();
  REQUIRE(!path.empty());
  auto file = util::MappedFile::open(path);
  REQUIRE(file.ok());
  std::size_t pages = file->size() / 4096;
  INFO(path << ": " << file->size() << " bytes");
  REQUIRE(pages > 1000);  // the point is a file far bigger than what is read

  long before = minor_faults();
  auto t0 = std::chrono::steady_clock::now();
  auto info = parse(file->bytes(), path, ParseOptions{.symbols = false});
  auto t1 = std::chrono::steady_clock::now();
  long faults = minor_faults() - before;
  REQUIRE(info.ok());
  CHECK(!info->needed.empty());

  auto t2 = std::chrono::steady_clock::now();
  auto full = parse(file->bytes(), path, ParseOptions{.symbols = true});
  auto t3 = std::chrono::steady_clock::now();
  REQUIRE(full.ok());
  CHECK(!full->symbols.empty());
  using ms = std::chrono::duration<double, std::milli>;
  std::cout << "perf: " << path << " (" << file->size() << " bytes): symbols=false "
            << ms(t1 - t0).count() << " ms, " << faults << " page faults; symbols=true "
            << ms(t3 - t2).count() << " ms, " << full->symbols.size() << " symbols\n";
  // Headers, dynamic section, strings and version tables: a few pages (the
  // allocator may add some faults of its own), never a sizeable part of the file.
  CHECK(faults < 64);
  CHECK(static_cast<std::size_t>(faults) * 20 < pages);
}
