// ZipReader::stream: the same bytes and the same checks as read(), in pieces.
#include <catch.hpp>

#include "test_support.hpp"
#include "wheelfix/wheel/zip_reader.hpp"

using namespace wheelfix;
using namespace wheel_test;

namespace {

std::string streamed(const wheel::ZipReader& z, const wheel::ZipEntry& e, util::Status* status,
                     std::size_t* pieces = nullptr) {
  std::string out;
  std::size_t n = 0;
  *status = z.stream(e, [&](util::Bytes b) {
    out.append(reinterpret_cast<const char*>(b.data()), b.size());
    ++n;
  });
  if (pieces) *pieces = n;
  return out;
}

}  // namespace

TEST_CASE("stream gives the same data as read for stored and deflated members", "[stream]") {
  TempDir dir;
  std::string big;
  for (long long i = 0; i < 600000; ++i) big += std::to_string(i * 7919 % 100003) + ",";  // ~3.5 MB
  write_file(dir / "big.txt", big);
  REQUIRE(python(dir, "import zipfile\n"
                      "z = zipfile.ZipFile('a.zip', 'w')\n"
                      "z.write('big.txt', 'deflated.txt', zipfile.ZIP_DEFLATED)\n"
                      "z.write('big.txt', 'stored.txt', zipfile.ZIP_STORED)\n"
                      "z.writestr('empty', b'')\n") == 0);
  auto z = wheel::ZipReader::open(dir / "a.zip");
  REQUIRE(z.ok());
  for (const auto& e : z->entries()) {
    util::Status st;
    std::size_t pieces = 0;
    std::string got = streamed(*z, e, &st, &pieces);
    INFO(e.name);
    REQUIRE(st.ok());
    auto whole = z->read_string(e);
    REQUIRE(whole.ok());
    CHECK(got == *whole);
    if (e.uncompressed_size > (1u << 20)) CHECK(pieces > 1);  // really in pieces
  }
}

TEST_CASE("stream refuses a CRC mismatch and a size mismatch", "[stream]") {
  TempDir dir;
  std::string data(100000, 'x');
  CraftMember bad_crc{.name = "a.txt", .data = data};
  bad_crc.crc = crc_of(data) ^ 1;
  write_file(dir / "crc.zip", craft_zip({bad_crc}));
  auto z = wheel::ZipReader::open(dir / "crc.zip");
  REQUIRE(z.ok());
  util::Status st;
  streamed(*z, z->entries()[0], &st);
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().message == (dir / "crc.zip") + ": a.txt: CRC-32 mismatch");

  CraftMember bad_size{.name = "b.txt", .data = data};
  bad_size.usize = data.size() - 10;
  write_file(dir / "size.zip", craft_zip({bad_size}));
  auto z2 = wheel::ZipReader::open(dir / "size.zip");
  REQUIRE(z2.ok());
  streamed(*z2, z2->entries()[0], &st);
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().message.find("inflates to more than its declared size") != std::string::npos);
}
