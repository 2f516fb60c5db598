// util::ByteCursor: every read checks its own bounds and leaves the cursor
// where it was when it fails.
#include <catch.hpp>

#include <cstdint>
#include <vector>

#include "wheelfix/util/byte_cursor.hpp"

using wheelfix::util::ByteCursor;
using wheelfix::util::Bytes;

TEST_CASE("ByteCursor reads little-endian fields in order") {
  const std::vector<std::uint8_t> data = {0x01, 0x34, 0x12, 0x78, 0x56, 0x34, 0x12,
                                          0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01};
  ByteCursor c{Bytes(data)};
  REQUIRE(c.u8().value() == 0x01);
  REQUIRE(c.le16().value() == 0x1234);
  REQUIRE(c.le32().value() == 0x12345678u);
  REQUIRE(c.le64().value() == 0x0102030405060708ull);
  REQUIRE(c.at_end());
  REQUIRE(c.offset() == data.size());
}

TEST_CASE("ByteCursor refuses a read past the end and does not move") {
  const std::vector<std::uint8_t> data = {1, 2, 3, 4, 5, 6};
  ByteCursor c{Bytes(data)};
  REQUIRE(c.le32().ok());
  auto wide = c.le32();
  REQUIRE_FALSE(wide.ok());
  REQUIRE(wide.error().message == "4 bytes wanted at offset 4, 2 left");
  REQUIRE(c.offset() == 4);
  REQUIRE(c.le16().value() == 0x0605);
  REQUIRE_FALSE(c.u8().ok());
  REQUIRE_FALSE(c.bytes(1).ok());
  REQUIRE(c.bytes(0).ok());
}

TEST_CASE("ByteCursor byte runs, sub-cursors, skips and seeks are checked") {
  const std::vector<std::uint8_t> data = {10, 11, 12, 13, 14, 15, 16, 17};
  ByteCursor c{Bytes(data)};
  auto run = c.bytes(3);
  REQUIRE(run.ok());
  REQUIRE(std::vector<std::uint8_t>(run->begin(), run->end()) == std::vector<std::uint8_t>{10, 11, 12});
  auto sub = c.sub(2);
  REQUIRE(sub.ok());
  REQUIRE(sub->offset() == 0);
  REQUIRE(sub->le16().value() == 0x0E0D);
  REQUIRE_FALSE(sub->u8().ok());  // a sub-cursor ends where its window ends
  REQUIRE(c.offset() == 5);
  REQUIRE_FALSE(c.skip(4).ok());
  REQUIRE(c.offset() == 5);
  REQUIRE(c.skip(3).ok());
  REQUIRE(c.at_end());
  REQUIRE(c.seek(8).ok());
  REQUIRE_FALSE(c.seek(9).ok());
  REQUIRE(c.seek(1).ok());
  REQUIRE(c.remaining() == 7);
  // A huge length does not wrap around.
  REQUIRE_FALSE(c.bytes(UINT64_MAX).ok());
  REQUIRE_FALSE(c.le32_at(UINT64_MAX - 1).ok());
}

TEST_CASE("ByteCursor random-access reads do not move the cursor") {
  const std::vector<std::uint8_t> data = {0xAA, 0x50, 0x4B, 0x05, 0x06};
  ByteCursor c{Bytes(data)};
  REQUIRE(c.le32_at(1).value() == 0x06054B50u);
  REQUIRE(c.le16_at(3).value() == 0x0605);
  REQUIRE_FALSE(c.le32_at(2).ok());
  REQUIRE_FALSE(c.le64_at(0).ok());
  REQUIRE(c.offset() == 0);
}

TEST_CASE("ByteCursor reads a fixed record in one checked call") {
  const std::vector<std::uint8_t> data = {0x50, 0x4B, 0x03, 0x04, 0x14, 0x00, 0xFF};
  ByteCursor c{Bytes(data)};
  std::uint32_t sig = 0;
  std::uint16_t version = 0, more = 7;
  REQUIRE(c.read_le(sig, version).ok());
  REQUIRE(sig == 0x04034B50u);
  REQUIRE(version == 20);
  REQUIRE(c.offset() == 6);
  // One byte left: a 2-byte field does not fit; nothing is written.
  REQUIRE_FALSE(c.read_le(more).ok());
  REQUIRE(more == 7);
  REQUIRE(c.offset() == 6);
}
