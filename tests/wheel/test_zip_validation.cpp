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

}  // namespace

TEST_CASE("a well-formed crafted archive opens and reads") {
  TempDir dir;
  auto a = craft_member("pkg/a.py", std::string(5000, 'a'));
  auto b = craft_member("pkg/b.txt", "stored data");
  b.method = 0;
  CHECK(zip_open_error(dir, craft_zip({a, b})) == "");
  CHECK(read_error(dir, craft_zip({a, b})) == "");
}

TEST_CASE("archive-level damage is refused") {
  TempDir dir;
  std::string good = craft_zip({craft_member("a.txt", "hello")});
  std::string path = dir / "t.zip";
  CHECK(zip_open_error(dir, "PK") == path + ": truncated or not a zip archive (2 bytes, too small for an end of "
                                        "central directory record)");
  CHECK(zip_open_error(dir, good.substr(0, good.size() - 5)) ==
        path + ": end of central directory record at offset " + std::to_string(good.size() - 22) +
            " is cut off (truncated file?)");
  CHECK(zip_open_error(dir, good.substr(0, good.size() - 19)) ==
        path + ": no end of central directory record (truncated or not a zip archive)");
  CHECK(zip_open_error(dir, std::string(100, 'x')) ==
        path + ": no end of central directory record (truncated or not a zip archive)");
  CraftOptions far;
  far.cd_offset = 1000000;
  CHECK(zip_open_error(dir, craft_zip({craft_member("a.txt", "hello")}, far)).find("central directory (offset 1000000, size 51) is out of range") != std::string::npos);
  CraftOptions junk;
  junk.between = "JUNK";
  CHECK(zip_open_error(dir, craft_zip({craft_member("a.txt", "hello")}, junk)) ==
        path + ": 4 unexpected bytes between the central directory and the end record");
  CraftOptions disk;
  disk.disk = 1;
  CHECK(zip_open_error(dir, craft_zip({craft_member("a.txt", "hello")}, disk)) == path + ": multi-disk archives are not supported");
  CraftOptions comment;
  comment.comment = "a comment";
  CHECK(zip_open_error(dir, craft_zip({craft_member("a.txt", "hello")}, comment)) == "");
}

TEST_CASE("local and central headers must agree") {
  TempDir dir;
  std::string path = dir / "t.zip";
  auto m = craft_member("pkg/a.py", "print(1)\n");
  m.local_name = "pkg/b.py";
  CHECK(zip_open_error(dir, craft_zip({m})) == path + ": pkg/a.py: local header names 'pkg/b.py' instead");
  m = craft_member("pkg/a.py", "print(1)\n");
  m.local_method = 0;
  CHECK(zip_open_error(dir, craft_zip({m})) ==
        path + ": pkg/a.py: local header says compression method 0, central directory says 8");
  m = craft_member("pkg/a.py", "print(1)\n");
  m.local_usize = 3;
  CHECK(zip_open_error(dir, craft_zip({m})).find("pkg/a.py: local header CRC/sizes") != std::string::npos);
  m = craft_member("pkg/a.py", "print(1)\n");
  m.local_crc = 7;
  CHECK(zip_open_error(dir, craft_zip({m})).find("disagree with the central directory") != std::string::npos);
  // With a data descriptor the local header may leave CRC and sizes zero
  // (any other value must be the central directory's); the descriptor
  // must follow the data and hold the central directory's values.
  m = craft_member("pkg/a.py", "print(1)\n");
  m.flags = 0x8;
  m.local_crc = 0;
  m.local_usize = 0;
  std::string comp = deflate_raw(m.data);
  m.csize = comp.size();
  std::string descriptor;
  put(descriptor, 0x08074b50, 4);
  put(descriptor, crc_of(m.data), 4);
  put(descriptor, comp.size(), 4);
  put(descriptor, m.data.size(), 4);
  m.comp = comp + descriptor;
  CHECK(zip_open_error(dir, craft_zip({m})) == "");
  m.comp = comp + descriptor.substr(4);  // without its signature
  CHECK(zip_open_error(dir, craft_zip({m})) == "");
  m.local_crc = 7;
  CHECK(zip_open_error(dir, craft_zip({m})).find("local header CRC/sizes (7, ") != std::string::npos);
  m.local_crc = 0;
  m.comp = comp;  // no descriptor
  CHECK(zip_open_error(dir, craft_zip({m})) ==
        path + ": pkg/a.py: the data descriptor flag is set but no data descriptor follows the data");
  m.comp = comp + descriptor.substr(0, 8) + std::string(8, '\0');  // descriptor with wrong sizes
  CHECK(zip_open_error(dir, craft_zip({m})) ==
        path + ": 16 bytes at offset " + std::to_string(30 + 8 + comp.size()) +
            " after member 'pkg/a.py' belong to no member (no data descriptor matching the central directory)");
  m.comp = comp + descriptor;
  m.local_flags = 0;
  CHECK(zip_open_error(dir, craft_zip({m})).find("local header flags 0 disagree") != std::string::npos);
  m = craft_member("pkg/a.py", "print(1)\n");
  m.offset = 5;
  CHECK(zip_open_error(dir, craft_zip({m})) == path + ": pkg/a.py: no local header at offset 5");
}

TEST_CASE("bad member names are refused") {
  TempDir dir;
  std::string path = dir / "t.zip";
  auto err = [&](std::string name) { return zip_open_error(dir, craft_zip({craft_member(std::move(name), "x")})); };
  CHECK(err("/etc/passwd") == path + ": /etc/passwd: absolute path");
  CHECK(err("pkg/../../evil.py") == path + ": pkg/../../evil.py: path has a '..' component");
  CHECK(err("..") == path + ": ..: path has a '..' component");
  CHECK(err("pkg\\evil.py") == path + ": pkg\\evil.py: name contains a backslash");
  CHECK(err("") == path + ": : empty member name");
  CHECK(err("pkg/\xff\xfe.py") == path + ": pkg/\\xff\\xfe.py: name is not valid UTF-8");
  CHECK(err("pkg//a.py") == path + ": pkg//a.py: path has an empty component");
  CHECK(err("pkg/./a.py") == path + ": pkg/./a.py: path has a '.' component");
  // A non-ASCII name needs the UTF-8 flag: without it Python's zipfile (and
  // so pip) decodes it as code page 437 and installs "pkg/cafÃ©.py".
  CHECK(err("pkg/caf\xc3\xa9.py") == path + ": pkg/caf\xc3\xa9.py: name is not ASCII and its UTF-8 flag is not "
                                        "set (readers would decode it as UTF-8 or as code page 437)");
  auto utf8 = craft_member("pkg/caf\xc3\xa9.py", "x");
  utf8.flags = 0x800;
  CHECK(zip_open_error(dir, craft_zip({utf8})) == "");
  utf8.local_flags = 0;  // zipfile decodes the local name with the local flag
  CHECK(zip_open_error(dir, craft_zip({utf8})).find("local header flags 0 disagree") != std::string::npos);
  CHECK(zip_open_error(dir, craft_zip({craft_member("a.py", "1"), craft_member("b.py", "2"), craft_member("a.py", "3")})) ==
        path + ": a.py: duplicate member name");
}

TEST_CASE("symlinks, special files, encryption and odd methods are refused") {
  TempDir dir;
  std::string path = dir / "t.zip";
  auto m = craft_member("pkg/link.so", "libfoo.so.1");
  m.ext_attr = 0120777u << 16;
  CHECK(zip_open_error(dir, craft_zip({m})) == path + ": pkg/link.so: symlink members are not allowed in a wheel");
  // The mode is read whatever the host (as pip reads it): an MS-DOS host
  // does not hide a symlink.
  m.made_by = 0x0014;
  CHECK(zip_open_error(dir, craft_zip({m})) == path + ": pkg/link.so: symlink members are not allowed in a wheel");
  m = craft_member("pkg/fifo", "");
  m.ext_attr = 010644u << 16;
  CHECK(zip_open_error(dir, craft_zip({m})).find("special file") != std::string::npos);
  m = craft_member("pkg/a.py", "secret");
  m.flags = 1;
  CHECK(zip_open_error(dir, craft_zip({m})) == path + ": pkg/a.py: encrypted members are not supported");
  m = craft_member("pkg/a.py", "data");
  m.method = 12;
  m.comp = "BZh9";
  CHECK(zip_open_error(dir, craft_zip({m})) == path + ": pkg/a.py: unsupported compression method 12 (bzip2)");
  m = craft_member("pkg/a.py", "data");
  m.method = 0;
  m.csize = 3;
  m.comp = "dat";
  CHECK(zip_open_error(dir, craft_zip({m})).find("stored member has compressed size 3 but size 4") != std::string::npos);
  m = craft_member("pkg/", "x");
  m.method = 0;
  CHECK(zip_open_error(dir, craft_zip({m})) == path + ": pkg/: directory member has data");
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
  CHECK(zip_open_error(dir, craft_zip({craft_member("a", std::string(1001, 'a'))}), small) ==
        path + ": a: declared size of 1001 bytes is over the limit of 1000");
  CHECK(zip_open_error(dir, craft_zip({craft_member("a", std::string(800, 'a')), craft_member("b", std::string(800, 'b'))}), small) ==
        path + ": b: total uncompressed size is over the limit of 1500 bytes");
  // Default limit: a declared 9 GiB member (ZIP64 sizes) is refused at open.
  auto huge = craft_member("big.bin", "tiny");
  huge.usize = 9ull << 30;
  CHECK(zip_open_error(dir, craft_zip({huge})) == path + ": big.bin: declared size of 9663676416 bytes is over the limit of 8589934592");
  // 100 MB declared from a few KB of deflate data: a zip bomb.
  auto bomb = craft_member("bomb.bin", std::string(5 << 20, '\0'));
  bomb.usize = 100 << 20;
  CHECK(zip_open_error(dir, craft_zip({bomb})).find("bomb.bin: declared compression ratio") != std::string::npos);
  // Small members are not ratio-checked; limits are configurable.
  CHECK(zip_open_error(dir, craft_zip({craft_member("zeros", std::string(1 << 20, '\0'))})) == "");
  ZipLimits strict;
  strict.max_ratio = 10;
  strict.ratio_min_size = 1000;
  CHECK(zip_open_error(dir, craft_zip({craft_member("zeros", std::string(1 << 20, '\0'))}), strict)
            .find("over the limit of 10:1 (zip bomb?)") != std::string::npos);
  ZipLimits none;
  none.max_entries = 0;
  CHECK(zip_open_error(dir, craft_zip({craft_member("a", "1")}), none).find("1 members is over the limit of 0") !=
        std::string::npos);
}

TEST_CASE("overlapping members are refused") {
  TempDir dir;
  auto a = craft_member("a.bin", "AAAA");
  a.method = 0;
  auto b = craft_member("b.bin", "BBBB");
  b.method = 0;
  // a's declared data covers b's local header (30 + 5 name bytes) and data.
  std::string data_a = "AAAA" + craft_zip({b}).substr(0, 30 + 5 + 4);
  a.csize = a.usize = data_a.size();
  a.crc = crc_of(data_a);
  b.offset = 30 + 5 + 4;
  CHECK(zip_open_error(dir, craft_zip({a, b})) == dir / "t.zip" + ": b.bin: overlaps the data of member 'a.bin'");
}

TEST_CASE("member reads check CRC, size, deflate data and the real ratio") {
  TempDir dir;
  std::string path = dir / "t.zip";
  auto m = craft_member("a.txt", std::string(3000, 'q'));
  m.crc = 0x12345678;
  CHECK(read_error(dir, craft_zip({m})).find(path + ": a.txt: CRC-32 mismatch (archive says 12345678, data gives ") == 0);
  m = craft_member("a.txt", std::string(3000, 'q'));
  m.usize = 2000;
  CHECK(read_error(dir, craft_zip({m})) == path + ": a.txt: inflates to more than its declared size of 2000 bytes");
  m.usize = 4000;
  CHECK(read_error(dir, craft_zip({m})) == path + ": a.txt: inflates to 3000 bytes, not its declared 4000");
  m = craft_member("a.txt", "some text");
  m.comp = std::string("\xff\xff\xff\xff\xff\xff", 6);
  CHECK(read_error(dir, craft_zip({m})) == path + ": a.txt: corrupt deflate data");
  m = craft_member("a.txt", "some text");
  m.comp = deflate_raw("some text") + "xyz";
  CHECK(read_error(dir, craft_zip({m})) == path + ": a.txt: 3 unexpected bytes after the deflate stream");
  // 8 MB of zeros deflate to ~8 KB; padding the member to 1 MB keeps the
  // declared ratio low, but the real one is caught on read.
  std::string zeros(8 << 20, '\0');
  m = craft_member("pad.bin", zeros);
  m.comp = deflate_raw(zeros) + std::string(1 << 20, 'J');
  std::string err = read_error(dir, craft_zip({m}));
  CHECK(err.find(path + ": pad.bin: compression ratio ") == 0);
  CHECK(err.find(":1 is over the limit of 1000:1 (zip bomb?)") != std::string::npos);
}

TEST_CASE("randomly damaged archives give errors, never crashes") {
  TempDir dir;
  auto a = craft_member("pkg/a.py", std::string(3000, 'a') + "tail");
  auto b = craft_member("pkg/b.bin", "stored bytes");
  b.method = 0;
  CraftOptions comment;
  comment.comment = "c";
  const std::string good = craft_zip({a, b, craft_member("pkg/c.txt", "ccc")}, comment);
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
