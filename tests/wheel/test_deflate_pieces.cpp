// Large members in libdeflate pieces: the pieces join into one stream zlib
// inflates to the input, the bytes do not depend on the thread count or the
// piece cache, and a damaged cache entry is ignored.
#include <catch.hpp>
#include <libdeflate.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <filesystem>
#include <memory>
#include <random>

#include "wheel/deflate_piece.hpp"
#include "wheel/piece_cache.hpp"
#include "wheel/test_support.hpp"
#include "wheel/zip_chunked.hpp"

using namespace wheel_test;
using namespace wheelfix;
using namespace wheelfix::wheel;

namespace {

util::Bytes view(const std::string& s) { return util::Bytes(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()); }

// Text-like runs mixed with noise and long repeats: dynamic, static and
// stored blocks all occur at one level or another.
std::string mixed_data(std::size_t n, unsigned seed) {
  static const char* const words[] = {"symbol", "section", "relocation", "_ZN5torch", "0x7f", "\n", " "};
  std::mt19937 rng(seed);
  std::string s;
  while (s.size() < n) {
    unsigned pick = rng() % 12;
    if (pick < 7) s += words[rng() % 7];
    if (pick == 7) s += std::to_string(rng());
    if (pick >= 8 && pick < 11) {
      for (int i = 0; i < 8; ++i) s += static_cast<char>(rng());
    }
    if (pick == 11) s += std::string(rng() % 3000, static_cast<char>(rng()));
  }
  s.resize(n);
  return s;
}

std::string inflate_raw(const std::string& stream, std::size_t expect, int* rc_out) {
  z_stream zs{};
  inflateInit2(&zs, -15);
  std::string out(expect + 1, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(stream.data()));
  zs.avail_in = static_cast<uInt>(stream.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  *rc_out = inflate(&zs, Z_FINISH);
  CHECK(zs.avail_in == 0);  // nothing after the final block
  out.resize(zs.total_out);
  inflateEnd(&zs);
  return out;
}

// Joins pieces of `piece` bytes compressed at `level`.
std::string join_pieces(const std::string& data, std::size_t piece, int level) {
  std::unique_ptr<libdeflate_compressor, decltype(&libdeflate_free_compressor)> c(
      libdeflate_alloc_compressor(level), &libdeflate_free_compressor);
  std::string joined;
  for (std::size_t off = 0; off < data.size(); off += piece) {
    std::size_t n = std::min(piece, data.size() - off);
    bool last = off + n == data.size();
    auto p = deflate_piece_libdeflate(c.get(), view(data).subspan(off, n), last);
    REQUIRE(p.ok());
    if (!last) {
      // Ends with an empty stored block on a byte boundary.
      REQUIRE(p->size() >= 4);
      CHECK(std::string(p->end() - 4, p->end()) == std::string("\x00\x00\xff\xff", 4));
    }
    joined.append(p->begin(), p->end());
  }
  return joined;
}

std::string file_text(const util::TempFile& f) { return read_file(f.path()); }

std::size_t count_entries(const std::string& dir) {
  std::size_t n = 0;
  std::error_code ec;
  for (auto& e : std::filesystem::recursive_directory_iterator(dir, ec)) n += e.is_regular_file() ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("libdeflate pieces join into one stream that zlib inflates to the input") {
  const std::string data = mixed_data(700000, 3);
  for (int level : {1, 6, 9, 12}) {
    for (std::size_t piece : {std::size_t{1}, std::size_t{7}, std::size_t{1000}, std::size_t{65536},
                              std::size_t{300001}, data.size()}) {
      if (piece == 1 && level != 6) continue;  // 700000 one-byte pieces once is enough
      INFO("level " << level << ", pieces of " << piece);
      std::string joined = join_pieces(piece == 1 ? data.substr(0, 5000) : data, piece, level);
      int rc = 0;
      std::string back = inflate_raw(joined, data.size(), &rc);
      CHECK(rc == Z_STREAM_END);
      CHECK(back == (piece == 1 ? data.substr(0, 5000) : data));
    }
  }
  // Incompressible input (stored blocks) and one long run (tiny stream).
  for (const std::string& s : {mixed_data(1, 1) + std::string(200000, 'a'), std::string(200000, 'b')}) {
    int rc = 0;
    CHECK(inflate_raw(join_pieces(s, 70000, 6), s.size(), &rc) == s);
    CHECK(rc == Z_STREAM_END);
  }
  std::mt19937 rng(5);
  std::string noise(300000, '\0');
  for (auto& ch : noise) ch = static_cast<char>(rng());
  int rc = 0;
  CHECK(inflate_raw(join_pieces(noise, 100000, 6), noise.size(), &rc) == noise);
  CHECK(rc == Z_STREAM_END);
}

TEST_CASE("find_last_block agrees with zlib's block walk and refuses broken streams") {
  std::unique_ptr<libdeflate_compressor, decltype(&libdeflate_free_compressor)> c(nullptr, &libdeflate_free_compressor);
  int checked = 0;
  for (int level : {1, 3, 6, 9, 12}) {
    c.reset(libdeflate_alloc_compressor(level));
    for (std::size_t n : {std::size_t{1}, std::size_t{3}, std::size_t{100}, std::size_t{5000}, std::size_t{70000},
                          std::size_t{900000}}) {
      for (unsigned seed = 0; seed < 3; ++seed) {
        std::string data = mixed_data(n, 100 + seed);
        if (seed == 2) {  // incompressible: stored blocks
          std::mt19937 rng(seed);
          for (auto& ch : data) ch = static_cast<char>(rng());
        }
        std::string stream(libdeflate_deflate_compress_bound(c.get(), n), '\0');
        stream.resize(libdeflate_deflate_compress(c.get(), data.data(), n, stream.data(), stream.size()));
        auto fast = find_last_block(view(stream));
        auto slow = find_last_block_zlib(view(stream), view(data));
        REQUIRE(fast.ok());
        INFO("level " << level << " n " << n << " seed " << seed << ": " << (slow.ok() ? "" : slow.error().message));
        REQUIRE(slow.ok());
        CHECK(fast->last_header_bit == slow->last_header_bit);
        CHECK((fast->end_bit + 7) / 8 == slow->end_bit / 8);  // zlib only knows the byte
        ++checked;
      }
    }
  }
  CHECK(checked == 90);
  // zlib's own streams too (other block shapes).
  const std::string data = mixed_data(300000, 4);
  std::string whole = deflate_raw(data, 9);
  REQUIRE(find_last_block(view(whole)).ok());
  CHECK(find_last_block(view(whole))->last_header_bit ==
        find_last_block_zlib(view(whole), view(data))->last_header_bit);
  CHECK(find_last_block_zlib(view(whole), view(data.substr(1))).error().message ==
        "deflate: piece does not inflate to its input");
  CHECK(find_last_block(view(whole + "x")).error().message == "deflate: piece has bytes after its final block");
  CHECK(find_last_block_zlib(view(whole + "x"), view(data)).error().message ==
        "deflate: piece has bytes after its final block");
  CHECK(!find_last_block(view(whole.substr(0, whole.size() / 2))).ok());
  CHECK(!find_last_block_zlib(view(whole.substr(0, whole.size() / 2)), view(data)).ok());
  CHECK(find_last_block(view(std::string("\x07", 1))).error().message == "deflate: invalid block type");
  CHECK(!find_last_block(view(std::string())).ok());
  // Garbage never makes it read outside the buffer or loop for ever.
  std::mt19937 rng(9);
  for (int i = 0; i < 2000; ++i) {
    std::string junk(rng() % 200, '\0');
    for (auto& ch : junk) ch = static_cast<char>(rng());
    (void)find_last_block(view(junk));
  }
}

TEST_CASE("deflate_chunked: same bytes for 1, 2 and 5 threads; a stream zlib inflates") {
  TempDir dir;
  const std::string data = mixed_data(3u << 20, 7);
  std::string first;
  for (unsigned threads : {1u, 2u, 5u}) {
    auto d = deflate_chunked(view(data), nullptr, 6, 250000, threads, dir.path());
    REQUIRE(d.ok());
    std::string bytes = file_text(d->file);
    CHECK(bytes.size() == d->compressed);
    CHECK(d->crc32 == crc_of(data));
    if (first.empty()) first = bytes;
    CHECK(bytes == first);
  }
  int rc = 0;
  CHECK(inflate_raw(first, data.size(), &rc) == data);
  CHECK(rc == Z_STREAM_END);
  // No bigger than zlib at the same level by more than 1% despite pieces
  // without the preceding 32 KiB.
  CHECK(first.size() <= deflate_raw(data, 6).size() * 101 / 100);
}

TEST_CASE("piece cache: cold and warm runs give the same bytes as no cache; damaged entries are ignored") {
  TempDir dir;
  const std::string data = mixed_data(2u << 20, 8);
  const std::size_t piece = 300000;
  auto plain = deflate_chunked(view(data), nullptr, 6, piece, 2, dir.path());
  REQUIRE(plain.ok());
  const std::string expect = file_text(plain->file);

  PieceCache cache(PieceCacheOptions{dir / "cache", std::uint64_t{1} << 30});
  auto cold = deflate_chunked(view(data), nullptr, 6, piece, 2, dir.path(), &cache);
  REQUIRE(cold.ok());
  CHECK(file_text(cold->file) == expect);
  const std::size_t pieces = (data.size() + piece - 1) / piece;
  CHECK(count_entries(dir / "cache") == pieces);

  // Every piece is in the cache under its content key, with the bytes the
  // stream holds: the warm run below reads them instead of compressing.
  std::string from_cache;
  for (std::size_t off = 0; off < data.size(); off += piece) {
    std::size_t n = std::min(piece, data.size() - off);
    auto hit = cache.get(piece_key(piece_compressor_id(), 6, off + n == data.size(), {}, view(data).subspan(off, n)));
    REQUIRE(hit.has_value());
    from_cache.append(hit->begin(), hit->end());
  }
  CHECK(from_cache == expect);

  auto warm = deflate_chunked(view(data), nullptr, 6, piece, 1, dir.path(), &cache);
  REQUIRE(warm.ok());
  CHECK(file_text(warm->file) == expect);
  CHECK(warm->crc32 == plain->crc32);

  // Damage entries three ways: a flipped payload byte, a truncation, a
  // header naming another key. Each is a miss, the run's bytes do not
  // change, and the entry is written anew.
  auto key0 = piece_key(piece_compressor_id(), 6, false, {}, view(data).subspan(0, piece));
  auto key1 = piece_key(piece_compressor_id(), 6, false, {}, view(data).subspan(piece, piece));
  auto key2 = piece_key(piece_compressor_id(), 6, false, {}, view(data).subspan(2 * piece, piece));
  std::string e0 = read_file(cache.entry_path(key0));
  e0[e0.size() / 2] ^= 0x20;
  write_file(cache.entry_path(key0), e0);
  std::string e1 = read_file(cache.entry_path(key1));
  write_file(cache.entry_path(key2), e1);  // key1's sound entry under key2
  write_file(cache.entry_path(key1), e1.substr(0, e1.size() - 10));
  CHECK(!cache.get(key0).has_value());
  CHECK(!cache.get(key1).has_value());
  CHECK(!cache.get(key2).has_value());
  auto fixed = deflate_chunked(view(data), nullptr, 6, piece, 2, dir.path(), &cache);
  REQUIRE(fixed.ok());
  CHECK(file_text(fixed->file) == expect);
  CHECK(cache.get(key0).has_value());
  CHECK(cache.get(key1).has_value());
  CHECK(cache.get(key2).has_value());

  // An edit in one piece reuses the others: only one new entry appears.
  std::string edited = data;
  edited[piece + 17] ^= 1;
  auto e = deflate_chunked(view(edited), nullptr, 6, piece, 2, dir.path(), &cache);
  REQUIRE(e.ok());
  CHECK(count_entries(dir / "cache") == pieces + 1);
  int rc = 0;
  CHECK(inflate_raw(file_text(e->file), edited.size(), &rc) == edited);
}

TEST_CASE("piece cache: a member entry keyed by the input's SHA-256 lists the pieces' keys") {
  TempDir dir;
  const std::string data = mixed_data(2u << 20, 11);
  const std::size_t piece = 300000;
  const std::size_t pieces = (data.size() + piece - 1) / piece;
  auto plain = deflate_chunked(view(data), nullptr, 6, piece, 2, dir.path());
  REQUIRE(plain.ok());
  const std::string expect = file_text(plain->file);
  const util::Sha256Digest digest = util::sha256(view(data));

  PieceCache cache(PieceCacheOptions{dir / "cache", std::uint64_t{1} << 30});
  auto cold = deflate_chunked(view(data), nullptr, 6, piece, 2, dir.path(), &cache, &digest);
  REQUIRE(cold.ok());
  CHECK(file_text(cold->file) == expect);
  CHECK(count_entries(dir / "cache") == pieces + 1);  // the pieces and the member entry
  const auto mkey = member_key(piece_compressor_id(), 6, piece, data.size(), digest);
  auto listed = cache.get(mkey);
  REQUIRE(listed.has_value());
  REQUIRE(listed->size() == 32 * pieces);
  for (std::size_t k = 0; k < pieces; ++k) {
    std::size_t off = k * piece, n = std::min(piece, data.size() - off);
    auto key = piece_key(piece_compressor_id(), 6, off + n == data.size(), {}, view(data).subspan(off, n));
    CHECK(std::equal(key.begin(), key.end(), listed->begin() + 32 * k));
  }
  // Warm, with and without the digest: the same bytes and CRC.
  for (const util::Sha256Digest* d : {&digest, static_cast<const util::Sha256Digest*>(nullptr)}) {
    auto warm = deflate_chunked(view(data), nullptr, 6, piece, 1, dir.path(), &cache, d);
    REQUIRE(warm.ok());
    CHECK(file_text(warm->file) == expect);
    CHECK(warm->crc32 == plain->crc32);
  }
  // A member entry is keyed by level and piece size as well: another level
  // misses it and adds its own.
  CHECK(member_key(piece_compressor_id(), 5, piece, data.size(), digest) != mkey);
  CHECK(member_key(piece_compressor_id(), 6, piece + 1, data.size(), digest) != mkey);
  // A damaged member entry is a miss: the pieces are hashed, the bytes do
  // not change and the entry is written anew. So is a damaged piece entry
  // the member entry names.
  std::string m = read_file(cache.entry_path(mkey));
  write_file(cache.entry_path(mkey), m.substr(0, m.size() - 32));
  CHECK(!cache.get(mkey).has_value());
  auto key1 = piece_key(piece_compressor_id(), 6, false, {}, view(data).subspan(piece, piece));
  std::string e1 = read_file(cache.entry_path(key1));
  e1[e1.size() - 1] ^= 0x01;
  write_file(cache.entry_path(key1), e1);
  auto fixed = deflate_chunked(view(data), nullptr, 6, piece, 2, dir.path(), &cache, &digest);
  REQUIRE(fixed.ok());
  CHECK(file_text(fixed->file) == expect);
  CHECK(cache.get(mkey).has_value());
  CHECK(cache.get(key1).has_value());
  write_file(cache.entry_path(key1), e1);
  auto again = deflate_chunked(view(data), nullptr, 6, piece, 1, dir.path(), &cache, &digest);
  REQUIRE(again.ok());
  CHECK(file_text(again->file) == expect);
  CHECK(cache.get(key1).has_value());
  CHECK(count_entries(dir / "cache") == pieces + 1);

  // find_cached() + write_cached(): the same bytes straight from the cache,
  // also when a piece's payload is damaged after it was found (compressed
  // again and rewritten); nothing found for another digest.
  auto found = find_cached(view(data), 6, piece, cache, digest);
  REQUIRE(found.has_value());
  CHECK(found->keys.size() == pieces);
  CHECK(found->compressed == expect.size());
  write_file(cache.entry_path(key1), e1);
  std::string streamed;
  auto st = write_cached(*found, view(data), nullptr, 6, piece, cache, [&](util::Bytes b) -> util::Status {
    streamed.append(reinterpret_cast<const char*>(b.data()), b.size());
    return {};
  });
  REQUIRE(st.ok());
  CHECK(streamed == expect);
  CHECK(cache.get(key1).has_value());
  CHECK(!find_cached(view(data), 6, piece, cache, util::sha256(view(std::string("other")))).has_value());
  CHECK(!find_cached(view(data), 5, piece, cache, digest).has_value());
}

TEST_CASE("piece cache: trim removes least recently used entries down to the bound") {
  TempDir dir;
  PieceCache big(PieceCacheOptions{dir / "c", std::uint64_t{1} << 30});
  std::vector<util::Sha256Digest> keys;
  for (int i = 0; i < 6; ++i) {
    std::string payload(10000, static_cast<char>('a' + i));
    keys.push_back(piece_key("test", 1, true, {}, view(payload)));
    big.put(keys.back(), view(payload));
    // Entry i was last used 6 - i hours ago: entry 0 is the oldest.
    struct timeval tv[2];
    ::gettimeofday(&tv[0], nullptr);
    tv[0].tv_sec -= (6 - i) * 3600;
    tv[1] = tv[0];
    REQUIRE(::utimes(big.entry_path(keys.back()).c_str(), tv) == 0);
  }
  REQUIRE(big.get(keys[1]).has_value());  // entry 1 becomes the most recent
  // Room for three entries (each 10000 bytes + header).
  PieceCache small(PieceCacheOptions{dir / "c", 3 * 10100});
  small.trim();
  CHECK(!small.get(keys[0]).has_value());
  CHECK(small.get(keys[1]).has_value());
  CHECK(!small.get(keys[2]).has_value());
  CHECK(!small.get(keys[3]).has_value());
  CHECK(small.get(keys[4]).has_value());
  CHECK(small.get(keys[5]).has_value());
}
