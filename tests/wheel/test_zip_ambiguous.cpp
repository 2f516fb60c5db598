// ZipReader refuses archives that two zip readers could read differently
// (Python's zipfile, which pip uses; readers that want the end record's
// comment to end the file; streaming readers): each case is crafted byte by
// byte and refused with what is wrong. tests/zipdiff/ checks the same
// property against the real zipfile on generated archives.
#include <catch.hpp>

#include "wheel/test_support.hpp"

using namespace wheel_test;

TEST_CASE("archives that zip readers could read differently are refused") {
  TempDir dir;
  std::string path = dir / "t.zip";
  const std::string good = craft_zip({craft_member("pkg/a.py", "A = 1\n"), craft_member("pkg/b.py", "B = 2\n")});
  const std::string end_at = std::to_string(good.size() - 22);

  // An end record inside the comment of the real one: zipfile uses the
  // inner one (an empty archive here), a reader that wants the comment to
  // reach the end of the file uses the outer one.
  CraftOptions inner;
  inner.comment = std::string("PK\x05\x06", 4) + std::string(18, '\0') + "xy";
  std::string two_ends = craft_zip({craft_member("pkg/a.py", "A = 1\n"), craft_member("pkg/b.py", "B = 2\n")}, inner);
  write_file(dir / "two.zip", two_ends);
  CHECK(capture("python3 -c \"import zipfile; print(len(zipfile.ZipFile('" + dir / "two.zip" + "').namelist()))\"") ==
        "0\n");
  CHECK(zip_open_error(dir, two_ends) == path + ": the comment of the end of central directory record at offset " +
                                         end_at + " holds another end record signature (offset " +
                                         std::to_string(good.size()) +
                                         "); zip readers disagree on which central directory to use");
  // When the inner record ends the file, every reader uses it: here its
  // (empty) central directory is not where the members' directory is.
  inner.comment = std::string("PK\x05\x06", 4) + std::string(18, '\0');
  CHECK(zip_open_error(dir, craft_zip({craft_member("pkg/a.py", "A = 1\n"), craft_member("pkg/b.py", "B = 2\n")}, inner)) ==
        path + ": " + std::to_string(good.size()) + " unexpected bytes between the central directory and the end record");

  // Trailing bytes: zipfile ignores them, other readers look for the end
  // record at the end of the file.
  CHECK(zip_open_error(dir, good + "JUNK") == path + ": 4 bytes of trailing data after the end of central directory record "
                                                "(offset " + end_at + ") and its comment; a wheel must end with them");
  CHECK(zip_open_error(dir, good.substr(0, good.size() - 2) + std::string("\x09\x00", 2)) ==
        path + ": end of central directory record at offset " + end_at +
            " declares a 9-byte comment but the file ends 9 bytes before it (truncated file?)");

  // A prefix (a self-extractor stub) is fine unless it holds a local header,
  // which a streaming reader takes for a member.
  CraftOptions stub;
  stub.prefix = "#!/bin/sh\nexit 0\n";
  CHECK(zip_open_error(dir, craft_zip({craft_member("pkg/a.py", "A = 1\n")}, stub)) == "");
  stub.prefix = craft_zip({craft_member("evil.py", "import os\n")}).substr(0, 30 + 7);
  CHECK(zip_open_error(dir, craft_zip({craft_member("pkg/a.py", "A = 1\n")}, stub)) ==
        path + ": the 37 bytes before the first member hold a local header signature (a hidden member?)");

  // Bytes that belong to no member between two members: here a whole local
  // header and data that only a streaming reader would see.
  auto a = craft_member("pkg/a.py", "A = 1\n");
  a.method = 0;
  std::string hidden = craft_zip({craft_member("evil.py", "import os\n")});
  hidden = hidden.substr(0, hidden.find(std::string("PK\x01\x02", 4)));
  a.comp = "A = 1\n" + hidden;
  a.csize = 6;
  a.usize = 6;
  CHECK(zip_open_error(dir, craft_zip({a, craft_member("pkg/b.py", "B = 2\n")})) ==
        path + ": " + std::to_string(hidden.size()) + " bytes at offset " + std::to_string(30 + 8 + 6) +
            " after member 'pkg/a.py' belong to no member");
  // ... and between the last member and the central directory.
  a.comp = std::string("A = 1\nJUNK");
  CHECK(zip_open_error(dir, craft_zip({a})) == path + ": 4 bytes at offset 44 after member 'pkg/a.py' belong to no member");

  // Two central directory entries for one local header (different names).
  auto b = craft_member("pkg/b.py", "B = 2\n");
  b.offset = 0;
  CHECK(zip_open_error(dir, craft_zip({craft_member("pkg/a.py", "A = 1\n"), b})) ==
        path + ": pkg/b.py: local header names 'pkg/a.py' instead");

  // A Unicode Path extra field naming another file (some readers prefer it).
  auto u = craft_member("pkg/a.py", "A = 1\n");
  std::string up;
  put(up, 0x7075, 2);
  put(up, 5 + 7, 2);
  put(up, 1, 1);
  put(up, crc_of("pkg/a.py"), 4);
  u.cextra = up + "evil.py";
  CHECK(zip_open_error(dir, craft_zip({u})) == path + ": pkg/a.py: Unicode Path extra field names 'evil.py' instead");
  up.replace(2, 2, std::string("\x0d\x00", 2));
  u.cextra = up + "pkg/a.py";  // the same name: fine
  CHECK(zip_open_error(dir, craft_zip({u})) == "");

  // Two ZIP64 extra fields: Python's zipfile reads both, others the first.
  auto z = craft_member("pkg/a.py", "A = 1\n");
  std::string z64;
  put(z64, 1, 2);
  put(z64, 8, 2);
  put(z64, 6, 8);
  z.cextra = z64 + z64;
  CHECK(zip_open_error(dir, craft_zip({z})) == path + ": pkg/a.py: two ZIP64 extra fields in the central directory");

  // What zipfile refuses to extract: version needed over 6.3, patch data.
  auto v = craft_member("pkg/a.py", "A = 1\n");
  v.needed = 64;
  CHECK(zip_open_error(dir, craft_zip({v})) == path + ": pkg/a.py: needs zip version 6.4 to extract (readers stop at 6.3)");
  v.needed = 0x0314;  // a host in the high byte: version 2.0, as zipfile reads it
  CHECK(zip_open_error(dir, craft_zip({v})) == "");
  auto p = craft_member("pkg/a.py", "A = 1\n");
  p.flags = 0x20;
  CHECK(zip_open_error(dir, craft_zip({p})) == path + ": pkg/a.py: compressed patched data is not supported");
}

TEST_CASE("ZIP64 end records must sit right before their locator") {
  TempDir dir;
  std::string path = dir / "t.zip";
  // Rebuilds `classic` (one member, no comment) with a ZIP64 end record of
  // `extensible` extra bytes and its locator before the end record.
  auto with_zip64 = [](const std::string& classic, std::size_t extensible) {
    std::string body = classic.substr(0, classic.size() - 22);
    std::uint64_t cd_size = 0, cd_offset = 0;
    for (int i = 0; i < 4; ++i) cd_size |= std::uint64_t(std::uint8_t(classic[classic.size() - 10 + i])) << (8 * i);
    for (int i = 0; i < 4; ++i) cd_offset |= std::uint64_t(std::uint8_t(classic[classic.size() - 6 + i])) << (8 * i);
    std::string rec, loc, end;
    put(rec, 0x06064b50, 4);
    put(rec, 44 + extensible, 8);
    put(rec, 45, 2);
    put(rec, 45, 2);
    put(rec, 0, 8);
    put(rec, 1, 8);
    put(rec, 1, 8);
    put(rec, cd_size, 8);
    put(rec, cd_offset, 8);
    rec += std::string(extensible, '\0');
    put(loc, 0x07064b50, 4);
    put(loc, 0, 4);
    put(loc, body.size(), 8);
    put(loc, 1, 4);
    put(end, 0x06054b50, 4);
    put(end, 0, 4);
    put(end, 0xFFFF, 2);
    put(end, 0xFFFF, 2);
    put(end, 0xFFFFFFFF, 4);
    put(end, 0xFFFFFFFF, 4);
    put(end, 0, 2);
    return body + rec + loc + end;
  };
  std::string classic = craft_zip({craft_member("pkg/a.py", "A = 1\n")});
  CHECK(zip_open_error(dir, with_zip64(classic, 0)) == "");
  // With extensible data, zipfile does not find the record (it looks 56
  // bytes before the locator) and uses the saturated classic values.
  CHECK(zip_open_error(dir, with_zip64(classic, 8)) ==
        path + ": ZIP64 end record (offset " + std::to_string(classic.size() - 22) +
            ") is not a plain 56-byte record right before its locator");
}
