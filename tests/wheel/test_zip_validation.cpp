// ZipReader's validation: every refused archive is crafted byte by byte (or
// made by a real tool) and must fail at open or read with a precise message.
#include <catch.hpp>

#include <random>

#include "wheel/test_support.hpp"
#include "wheelfix/wheel/zip_reader.hpp"

using namespace wheel_test;
using wheelfix::wheel::ZipLimits;
using wheelfix::wheel::ZipReader;

namespace {

// Opens `bytes` written to a file; returns the error message or "" on success.
std::string open_error(const TempDir& dir, const std::string& bytes, const ZipLimits& limits = {}) {
  write_file(dir / "t.zip", bytes);
  auto r = ZipReader::open(dir / "t.zip", limits);
  return r.ok() ? std::string() : r.error().message;
}

// Opens (must succeed) and reads the first member; returns the read error.
std::string read_error(const TempDir& dir, const std::string& bytes, const ZipLimits& limits = {}) {
  write_file(dir / "t.zip", bytes);
  auto r = ZipReader::open(dir / "t.zip", limits);
  REQUIRE(r.ok());
  auto data = r->read(r->entries().front());
  auto all = r->verify_all();
  CHECK(data.ok() == all.ok());
  return data.ok() ? std::string() : data.error().message;
}

CraftMember member(std::string name, std::string data) {
  CraftMember m;
  m.name = std::move(name);
  m.data = std::move(data);
  return m;
}

}  // namespace

TEST_CASE("a well-formed crafted archive opens and reads") {
  TempDir dir;
  auto a = member("pkg/a.py", std::string(5000, 'a'));
  auto b = member("pkg/b.txt", "stored data");
  b.method = 0;
  CHECK(open_error(dir, craft_zip({a, b})) == "");
  CHECK(read_error(dir, craft_zip({a, b})) == "");
}

TEST_CASE("archive-level damage is refused") {
  TempDir dir;
  std::string good = craft_zip({member("a.txt", "hello")});
  std::string path = dir / "t.zip";
  CHECK(open_error(dir, "PK") == path + ": truncated or not a zip archive (2 bytes, too small for an end of "
                                        "central directory record)");
  CHECK(open_error(dir, good.substr(0, good.size() - 5)) ==
        path + ": no end of central directory record (truncated or not a zip archive)");
  CHECK(open_error(dir, std::string(100, 'x')) ==
        path + ": no end of central directory record (truncated or not a zip archive)");
  CraftOptions far;
  far.cd_offset = 1000000;
  CHECK(open_error(dir, craft_zip({member("a.txt", "hello")}, far)).find("central directory (offset 1000000, size 51) is out of range") != std::string::npos);
  CraftOptions junk;
  junk.between = "JUNK";
  CHECK(open_error(dir, craft_zip({member("a.txt", "hello")}, junk)) ==
        path + ": 4 unexpected bytes between the central directory and the end record");
  CraftOptions disk;
  disk.disk = 1;
  CHECK(open_error(dir, craft_zip({member("a.txt", "hello")}, disk)) == path + ": multi-disk archives are not supported");
  CraftOptions comment;
  comment.comment = "a comment";
  CHECK(open_error(dir, craft_zip({member("a.txt", "hello")}, comment)) == "");
}

TEST_CASE("local and central headers must agree") {
  TempDir dir;
  std::string path = dir / "t.zip";
  auto m = member("pkg/a.py", "print(1)\n");
  m.local_name = "pkg/b.py";
  CHECK(open_error(dir, craft_zip({m})) == path + ": pkg/a.py: local header names 'pkg/b.py' instead");
  m = member("pkg/a.py", "print(1)\n");
  m.local_method = 0;
  CHECK(open_error(dir, craft_zip({m})) ==
        path + ": pkg/a.py: local header says compression method 0, central directory says 8");
  m = member("pkg/a.py", "print(1)\n");
  m.local_usize = 3;
  CHECK(open_error(dir, craft_zip({m})).find("pkg/a.py: local header CRC/sizes") != std::string::npos);
  m = member("pkg/a.py", "print(1)\n");
  m.local_crc = 7;
  CHECK(open_error(dir, craft_zip({m})).find("disagree with the central directory") != std::string::npos);
  // With a data descriptor the local header may leave CRC and sizes zero.
  m = member("pkg/a.py", "print(1)\n");
  m.flags = 0x8;
  m.local_crc = 0;
  m.local_usize = 0;
  CHECK(open_error(dir, craft_zip({m})) == "");
  m.local_flags = 0;
  CHECK(open_error(dir, craft_zip({m})).find("local header flags 0 disagree") != std::string::npos);
  m = member("pkg/a.py", "print(1)\n");
  m.offset = 5;
  CHECK(open_error(dir, craft_zip({m})) == path + ": pkg/a.py: no local header at offset 5");
}

TEST_CASE("bad member names are refused") {
  TempDir dir;
  std::string path = dir / "t.zip";
  auto err = [&](std::string name) { return open_error(dir, craft_zip({member(std::move(name), "x")})); };
  CHECK(err("/etc/passwd") == path + ": /etc/passwd: absolute path");
  CHECK(err("pkg/../../evil.py") == path + ": pkg/../../evil.py: path has a '..' component");
  CHECK(err("..") == path + ": ..: path has a '..' component");
  CHECK(err("pkg\\evil.py") == path + ": pkg\\evil.py: name contains a backslash");
  CHECK(err("") == path + ": : empty member name");
  CHECK(err("pkg/\xff\xfe.py") == path + ": pkg/\\xff\\xfe.py: name is not valid UTF-8");
  CHECK(err("pkg//a.py") == path + ": pkg//a.py: path has an empty component");
  CHECK(err("pkg/./a.py") == path + ": pkg/./a.py: path has a '.' component");
  CHECK(err("pkg/caf\xc3\xa9.py") == "");
  CHECK(open_error(dir, craft_zip({member("a.py", "1"), member("b.py", "2"), member("a.py", "3")})) ==
        path + ": a.py: duplicate member name");
}

TEST_CASE("symlinks, special files, encryption and odd methods are refused") {
  TempDir dir;
  std::string path = dir / "t.zip";
  auto m = member("pkg/link.so", "libfoo.so.1");
  m.ext_attr = 0120777u << 16;
  CHECK(open_error(dir, craft_zip({m})) == path + ": pkg/link.so: symlink members are not allowed in a wheel");
  m.made_by = 0x0014;  // MS-DOS host: external attributes carry no Unix mode
  CHECK(open_error(dir, craft_zip({m})) == "");
  m = member("pkg/fifo", "");
  m.ext_attr = 010644u << 16;
  CHECK(open_error(dir, craft_zip({m})).find("special file") != std::string::npos);
  m = member("pkg/a.py", "secret");
  m.flags = 1;
  CHECK(open_error(dir, craft_zip({m})) == path + ": pkg/a.py: encrypted members are not supported");
  m = member("pkg/a.py", "data");
  m.method = 12;
  m.comp = "BZh9";
  CHECK(open_error(dir, craft_zip({m})) == path + ": pkg/a.py: unsupported compression method 12 (bzip2)");
  m = member("pkg/a.py", "data");
  m.method = 0;
  m.csize = 3;
  m.comp = "dat";
  CHECK(open_error(dir, craft_zip({m})).find("stored member has compressed size 3 but size 4") != std::string::npos);
  m = member("pkg/", "x");
  m.method = 0;
  CHECK(open_error(dir, craft_zip({m})) == path + ": pkg/: directory member has data");
}

TEST_CASE("real tools: zip -y symlinks, zip -P encryption, bzip2 are refused") {
  TempDir dir;
  REQUIRE(run("cd '" + dir.path() + "' && mkdir d && echo hi > d/f && ln -s f d/l && "
              "zip -qry sym.zip d && zip -qr -P pw enc.zip d/f") == 0);
  auto sym = ZipReader::open(dir / "sym.zip");
  REQUIRE_FALSE(sym.ok());
  CHECK(sym.error().message == dir / "sym.zip" + ": d/l: symlink members are not allowed in a wheel");
  auto enc = ZipReader::open(dir / "enc.zip");
  REQUIRE_FALSE(enc.ok());
  CHECK(enc.error().message == dir / "enc.zip" + ": d/f: encrypted members are not supported");
  REQUIRE(python(dir, "import zipfile\n"
                      "with zipfile.ZipFile('bz.zip', 'w', zipfile.ZIP_BZIP2) as z: z.writestr('a.txt', 'x' * 100)\n") == 0);
  auto bz = ZipReader::open(dir / "bz.zip");
  REQUIRE_FALSE(bz.ok());
  CHECK(bz.error().message == dir / "bz.zip" + ": a.txt: unsupported compression method 12 (bzip2)");
}

TEST_CASE("size limits and declared compression ratio") {
  TempDir dir;
  std::string path = dir / "t.zip";
  ZipLimits small;
  small.max_member_size = 1000;
  small.max_total_size = 1500;
  CHECK(open_error(dir, craft_zip({member("a", std::string(1001, 'a'))}), small) ==
        path + ": a: declared size of 1001 bytes is over the limit of 1000");
  CHECK(open_error(dir, craft_zip({member("a", std::string(800, 'a')), member("b", std::string(800, 'b'))}), small) ==
        path + ": b: total uncompressed size is over the limit of 1500 bytes");
  // Default limit: a declared 9 GiB member (ZIP64 sizes) is refused at open.
  auto huge = member("big.bin", "tiny");
  huge.usize = 9ull << 30;
  CHECK(open_error(dir, craft_zip({huge})) == path + ": big.bin: declared size of 9663676416 bytes is over the limit of 8589934592");
  // 100 MB declared from a few KB of deflate data: a zip bomb.
  auto bomb = member("bomb.bin", std::string(5 << 20, '\0'));
  bomb.usize = 100 << 20;
  CHECK(open_error(dir, craft_zip({bomb})).find("bomb.bin: declared compression ratio") != std::string::npos);
  // Small members are not ratio-checked; limits are configurable.
  CHECK(open_error(dir, craft_zip({member("zeros", std::string(1 << 20, '\0'))})) == "");
  ZipLimits strict;
  strict.max_ratio = 10;
  strict.ratio_min_size = 1000;
  CHECK(open_error(dir, craft_zip({member("zeros", std::string(1 << 20, '\0'))}), strict)
            .find("over the limit of 10:1 (zip bomb?)") != std::string::npos);
  ZipLimits none;
  none.max_entries = 0;
  CHECK(open_error(dir, craft_zip({member("a", "1")}), none).find("1 members is over the limit of 0") !=
        std::string::npos);
}

TEST_CASE("overlapping members are refused") {
  TempDir dir;
  auto a = member("a.bin", "AAAA");
  a.method = 0;
  auto b = member("b.bin", "BBBB");
  b.method = 0;
  // a's declared data covers b's local header (30 + 5 name bytes) and data.
  std::string data_a = "AAAA" + craft_zip({b}).substr(0, 30 + 5 + 4);
  a.csize = a.usize = data_a.size();
  a.crc = crc_of(data_a);
  b.offset = 30 + 5 + 4;
  CHECK(open_error(dir, craft_zip({a, b})) == dir / "t.zip" + ": b.bin: overlaps the data of member 'a.bin'");
}

TEST_CASE("member reads check CRC, size, deflate data and the real ratio") {
  TempDir dir;
  std::string path = dir / "t.zip";
  auto m = member("a.txt", std::string(3000, 'q'));
  m.crc = 0x12345678;
  CHECK(read_error(dir, craft_zip({m})).find(path + ": a.txt: CRC-32 mismatch (archive says 12345678, data gives ") == 0);
  m = member("a.txt", std::string(3000, 'q'));
  m.usize = 2000;
  CHECK(read_error(dir, craft_zip({m})) == path + ": a.txt: inflates to more than its declared size of 2000 bytes");
  m.usize = 4000;
  CHECK(read_error(dir, craft_zip({m})) == path + ": a.txt: inflates to 3000 bytes, not its declared 4000");
  m = member("a.txt", "some text");
  m.comp = std::string("\xff\xff\xff\xff\xff\xff", 6);
  CHECK(read_error(dir, craft_zip({m})) == path + ": a.txt: corrupt deflate data");
  m = member("a.txt", "some text");
  m.comp = deflate_raw("some text") + "xyz";
  CHECK(read_error(dir, craft_zip({m})) == path + ": a.txt: 3 unexpected bytes after the deflate stream");
  // 8 MB of zeros deflate to ~8 KB; padding the member to 1 MB keeps the
  // declared ratio low, but the real one is caught on read.
  std::string zeros(8 << 20, '\0');
  m = member("pad.bin", zeros);
  m.comp = deflate_raw(zeros) + std::string(1 << 20, 'J');
  std::string err = read_error(dir, craft_zip({m}));
  CHECK(err.find(path + ": pad.bin: compression ratio ") == 0);
  CHECK(err.find(":1 is over the limit of 1000:1 (zip bomb?)") != std::string::npos);
}

TEST_CASE("randomly damaged archives give errors, never crashes") {
  TempDir dir;
  auto a = member("pkg/a.py", std::string(3000, 'a') + "tail");
  auto b = member("pkg/b.bin", "stored bytes");
  b.method = 0;
  CraftOptions comment;
  comment.comment = "c";
  const std::string good = craft_zip({a, b, member("pkg/c.txt", "ccc")}, comment);
  std::mt19937 rng(12345);
  int refused = 0, read_failed = 0, intact = 0;
  for (int i = 0; i < 1500; ++i) {
    std::string bad = good;
    int flips = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < flips; ++k) bad[rng() % bad.size()] = static_cast<char>(rng());
    if (rng() % 8 == 0) bad.resize(rng() % bad.size());
    write_file(dir / "m.zip", bad);
    auto r = ZipReader::open(dir / "m.zip");
    if (!r.ok()) {
      CHECK(r.error().message.find(dir / "m.zip: ") == 0);
      ++refused;
      continue;
    }
    if (r->verify_all().ok()) {
      ++intact;
    } else {
      ++read_failed;
    }
  }
  CHECK(refused > 500);
  CHECK(read_failed > 0);
  CHECK(intact > 0);
}
