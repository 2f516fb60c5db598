// Test-only program for the zip differential harness (tests/zipdiff/):
// prints, for each archive given, what wheelfix's ZipReader sees in it, one
// line per archive, tab-separated:
//   <path> REFUSED <message>              open or a member read failed
//   <path> OK <member> <member> ...       otherwise, in central-directory order
// where each <member> is "<hex of the name bytes>:<sha256 of the content>:
// <1 when executable by pip's rule, else 0>". Every member is read through
// ZipReader::read (CRC, sizes, deflate checks); directories included.
#include <cstdio>
#include <string>

#include "wheelfix/util/hash.hpp"
#include "wheelfix/wheel/zip_reader.hpp"

using namespace wheelfix;

namespace {

// The line for one archive, without its trailing newline.
std::string describe(const std::string& path) {
  auto zip = wheel::ZipReader::open(path);
  if (!zip) return path + "\tREFUSED\t" + zip.error().message;
  std::string members;
  for (const auto& e : zip->entries()) {
    auto data = zip->read(e);
    if (!data) return path + "\tREFUSED\t" + data.error().message;
    util::Bytes name(reinterpret_cast<const std::uint8_t*>(e.name.data()), e.name.size());
    members += "\t" + util::to_hex(name) + ":" + util::to_hex(util::as_bytes(util::sha256(*data))) + ":" +
               (e.is_executable() ? "1" : "0");
  }
  return path + "\tOK" + members;
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) std::printf("%s\n", describe(argv[i]).c_str());
  return 0;
}
