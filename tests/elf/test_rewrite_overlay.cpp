// The rewriter's Overlay: overlapping regions see earlier edits, the newest
// region's bytes win, and patches never overlap.
#include <catch.hpp>

#include <algorithm>
#include <vector>

#include "elf/rewrite_internal.hpp"

using namespace wheelfix::elf::rw;

namespace {

// The original bytes with `patches` applied in order.
std::vector<std::uint8_t> applied(std::vector<std::uint8_t> data, const std::vector<Patch>& patches) {
  for (const auto& p : patches) std::copy(p.bytes.begin(), p.bytes.end(), data.begin() + static_cast<std::ptrdiff_t>(p.offset));
  return data;
}

}  // namespace

TEST_CASE("overlay regions share edits and the newest wins", "[rewrite][overlay]") {
  std::vector<std::uint8_t> data(64, 0);
  Overlay ov(wheelfix::util::Bytes(data.data(), data.size()));
  std::uint8_t* a = ov.region(8, 16);  // [8, 24)
  std::fill(a, a + 16, 1);
  std::uint8_t* b = ov.region(16, 16);  // [16, 32): starts with a's edits
  CHECK(b[0] == 1);
  CHECK(b[7] == 1);
  CHECK(b[8] == 0);
  std::fill(b + 8, b + 16, 2);
  b[0] = 9;                        // overrides a at offset 16
  CHECK(ov.region(10, 4) == a + 2);  // inside a, untouched by b: the same bytes
  CHECK(ov.region(16, 4) == b);      // inside a, but b is newer there
  auto ps = ov.patches(64);
  REQUIRE(ps.size() == 1);
  CHECK(ps[0].offset == 8);
  CHECK(ps[0].bytes.size() == 24);
  auto out = applied(data, ps);
  CHECK(out[8] == 1);
  CHECK(out[15] == 1);
  CHECK(out[16] == 9);
  CHECK(out[23] == 1);
  CHECK(out[24] == 2);
  CHECK(out[31] == 2);
  CHECK(out[32] == 0);
  // Nothing at or past the limit.
  auto cut = ov.patches(20);
  REQUIRE(cut.size() == 1);
  CHECK(cut[0].offset + cut[0].bytes.size() == 20);
}

TEST_CASE("overlay: a table written later over an edited one keeps its own bytes", "[rewrite][overlay]") {
  // A rebuilt hash table at [40, 56), then a grown header table at [0, 48)
  // written after it: the header bytes must survive whatever order the
  // patches are applied in, and appear in no more than one patch.
  std::vector<std::uint8_t> data(64, 0x55);
  Overlay ov(wheelfix::util::Bytes(data.data(), data.size()));
  std::uint8_t* hash = ov.region(40, 16);
  std::fill(hash, hash + 16, 0xaa);
  // The moved copy of [40, 56), taken before the header table is written.
  std::vector<std::uint8_t> copy(data.begin() + 40, data.begin() + 56);
  apply_overlay(ov, 40, copy);
  CHECK(copy == std::vector<std::uint8_t>(16, 0xaa));
  std::uint8_t* ph = ov.region(0, 48);
  std::fill(ph, ph + 48, 0x11);
  auto ps = ov.patches(64);
  for (std::size_t i = 1; i < ps.size(); ++i) CHECK(ps[i - 1].offset + ps[i - 1].bytes.size() <= ps[i].offset);
  auto out = applied(data, ps);
  auto reversed = ps;
  std::reverse(reversed.begin(), reversed.end());
  CHECK(applied(data, reversed) == out);
  for (std::size_t i = 0; i < 48; ++i) CHECK(out[i] == 0x11);
  for (std::size_t i = 48; i < 56; ++i) CHECK(out[i] == 0xaa);
}
