// ZipReader against archives made by real tools: Python's zipfile (incl.
// ZIP64) and Info-ZIP's zip (extra fields, data descriptors).
#include <catch.hpp>

#include "wheel/test_support.hpp"
#include "wheelfix/wheel/zip_reader.hpp"

using namespace wheel_test;
using wheelfix::wheel::ZipMethod;
using wheelfix::wheel::ZipReader;

namespace {

std::string as_string(const std::vector<std::uint8_t>& v) { return std::string(v.begin(), v.end()); }

}  // namespace

TEST_CASE("reads an archive written by Python's zipfile") {
  TempDir dir;
  REQUIRE(python(dir, R"(import zipfile
with zipfile.ZipFile('py.zip', 'w') as z:
    z.writestr(zipfile.ZipInfo('pkg/'), '')
    i = zipfile.ZipInfo('pkg/mod.py', (2020, 5, 17, 10, 30, 42))
    i.compress_type = zipfile.ZIP_DEFLATED
    i.external_attr = 0o100644 << 16
    z.writestr(i, 'print("hello")\n' * 200)
    i = zipfile.ZipInfo('pkg/tool')
    i.external_attr = 0o100755 << 16
    z.writestr(i, b'#!/bin/sh\necho hi\n')
    z.writestr('pkg/caf\u00e9.txt', 'accent', zipfile.ZIP_DEFLATED)
)") == 0);
  auto r = ZipReader::open(dir / "py.zip");
  REQUIRE(r.ok());
  REQUIRE(r->entries().size() == 4);
  const auto& e = r->entries();
  CHECK(e[0].name == "pkg/");
  CHECK(e[0].is_directory());
  CHECK(e[1].name == "pkg/mod.py");
  CHECK(e[1].method == ZipMethod::deflate);
  CHECK(e[1].uncompressed_size == 15 * 200);
  CHECK(e[1].compressed_size < 200);
  CHECK(e[1].unix_mode() == 0100644);
  CHECK_FALSE(e[1].is_executable());
  CHECK(e[1].modified.date == ((2020 - 1980) << 9 | 5 << 5 | 17));
  CHECK(e[1].modified.time == (10 << 11 | 30 << 5 | 21));
  CHECK(e[1].data_offset == e[1].local_header_offset + 30 + e[1].name.size());
  CHECK(e[2].method == ZipMethod::stored);
  CHECK(e[2].is_executable());
  CHECK(e[3].name == "pkg/caf\xc3\xa9.txt");
  CHECK((e[3].flags & 0x800) != 0);

  auto text = r->read_string(e[1]);
  REQUIRE(text.ok());
  CHECK(*text == [] {
    std::string s;
    for (int i = 0; i < 200; ++i) s += "print(\"hello\")\n";
    return s;
  }());
  auto tool = r->read(*r->find("pkg/tool"));
  REQUIRE(tool.ok());
  CHECK(as_string(*tool) == "#!/bin/sh\necho hi\n");
  CHECK(r->find("pkg/missing") == nullptr);
  // raw() of a stored member is its content; of a deflated one, the stream.
  CHECK(std::string(r->raw(e[2]).begin(), r->raw(e[2]).end()) == "#!/bin/sh\necho hi\n");
  CHECK(r->raw(e[1]).size() == e[1].compressed_size);
  CHECK(r->verify_all().ok());
}

TEST_CASE("reads Info-ZIP archives with extra fields; refuses its FIFO members") {
  TempDir dir;
  REQUIRE(run("cd '" + dir.path() + "' && mkdir -p p/sub && seq 1 5000 > p/sub/n.txt && printf 'x' > p/x && "
              "chmod 755 p/x && zip -qr -9 z.zip p && seq 1 300 | zip -q s.zip -") == 0);
  auto z = ZipReader::open(dir / "z.zip");
  REQUIRE(z.ok());
  auto* n = z->find("p/sub/n.txt");
  REQUIRE(n != nullptr);
  auto data = z->read(*n);
  REQUIRE(data.ok());
  CHECK(as_string(*data) == read_file(dir / "p/sub/n.txt"));
  REQUIRE(z->find("p/x") != nullptr);
  CHECK(z->find("p/x")->is_executable());
  // zip records stdin as a FIFO (mode 010600): not a regular file.
  auto s = ZipReader::open(dir / "s.zip");
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().message == dir / "s.zip" + ": -: special file (mode 4480) is not allowed");
}

TEST_CASE("reads members written with data descriptors") {
  TempDir dir;
  // Python's zipfile writes data descriptors when the output cannot seek.
  REQUIRE(python(dir, R"(import io, zipfile
class Unseekable(io.RawIOBase):
    def __init__(self, f): self.f = f
    def writable(self): return True
    def write(self, b): return self.f.write(b)
with open('dd.zip', 'wb') as f:
    with zipfile.ZipFile(Unseekable(f), 'w', zipfile.ZIP_DEFLATED) as z:
        z.writestr('a.txt', 'hello ' * 100)
        with z.open('b.txt', 'w') as g:
            g.write(b'streamed ' * 50)
)") == 0);
  auto r = ZipReader::open(dir / "dd.zip");
  REQUIRE(r.ok());
  REQUIRE(r->entries().size() == 2);
  CHECK(r->entries()[0].has_data_descriptor());
  CHECK(r->entries()[1].has_data_descriptor());
  auto b = r->read_string(r->entries()[1]);
  REQUIRE(b.ok());
  CHECK(b->size() == 450);
  CHECK(b->substr(0, 9) == "streamed ");
  CHECK(r->verify_all().ok());
}

TEST_CASE("reads ZIP64 archives written by Python") {
  TempDir dir;
  REQUIRE(python(dir, R"(import zipfile
with zipfile.ZipFile('z64.zip', 'w', zipfile.ZIP_DEFLATED) as z:
    with z.open('big.txt', 'w', force_zip64=True) as f:
        f.write(b'0123456789' * 1000)
    z.writestr('small.txt', 'small')
with zipfile.ZipFile('many.zip', 'w') as z:
    for i in range(70000):
        z.writestr('f%05d' % i, str(i))
)") == 0);
  auto r = ZipReader::open(dir / "z64.zip");
  REQUIRE(r.ok());
  REQUIRE(r->entries().size() == 2);
  auto big = r->read(r->entries()[0]);
  REQUIRE(big.ok());
  CHECK(big->size() == 10000);
  CHECK(r->verify_all().ok());

  // Over 65535 members: Python writes the ZIP64 end records.
  std::string bytes = read_file(dir / "many.zip");
  CHECK(bytes.find(std::string("PK\x06\x06", 4)) != std::string::npos);
  auto many = ZipReader::open(dir / "many.zip");
  REQUIRE(many.ok());
  REQUIRE(many->entries().size() == 70000);
  CHECK(many->entries()[69999].name == "f69999");
  auto last = many->read_string(many->entries()[69999]);
  REQUIRE(last.ok());
  CHECK(*last == "69999");
}

TEST_CASE("missing and non-regular files fail with the path") {
  TempDir dir;
  auto r = ZipReader::open(dir / "nope.zip");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find(dir / "nope.zip") == 0);
  auto d = ZipReader::open(dir.path());
  REQUIRE_FALSE(d.ok());
  CHECK(d.error().message == dir.path() + ": not a regular file");
}
