// A main() for compilers without libFuzzer (gcc): runs a fuzz target once
// on each file named on the command line (folders: every file inside), so
// the seed corpus and the checked-in crash regressions replay in the
// ordinary (and sanitizer) test suite.  Exits 1 if a file cannot be read;
// a target failure aborts, as under libFuzzer.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

bool run_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "%s: cannot read\n", p.c_str());
    return false;
  }
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  int files = 0;
  for (int i = 1; i < argc; ++i) {
    std::filesystem::path arg(argv[i]);
    std::error_code ec;
    if (std::filesystem::is_directory(arg, ec)) {
      for (const auto& e : std::filesystem::recursive_directory_iterator(arg)) {
        if (!e.is_regular_file()) continue;
        if (!run_file(e.path())) return 1;
        ++files;
      }
    } else {
      if (!run_file(arg)) return 1;
      ++files;
    }
  }
  std::printf("replayed %d inputs\n", files);
  return 0;
}
