// ZipWriter: round trips through Python's zipfile, unzip -t and bsdtar;
// byte-identical output across thread counts and folders; ZIP64.
#include <catch.hpp>

#include <chrono>
#include <cstdlib>
#include <random>

#include "wheel/test_support.hpp"
#include "wheelfix/wheel/zip_writer.hpp"

using namespace wheel_test;
using namespace wheelfix::wheel;

namespace {

wheelfix::util::Bytes bytes_of(const std::string& s) {
  return wheelfix::util::Bytes(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

std::string random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

// A mixed set of members: text, binary, random (stored), empty, big.
std::vector<std::pair<std::string, std::string>> sample_members() {
  std::vector<std::pair<std::string, std::string>> out;
  for (int i = 0; i < 30; ++i) {
    std::string text;
    for (int k = 0; k < 200 * (i + 1); ++k) text += "line " + std::to_string(k * i) + "\n";
    out.emplace_back("pkg/mod" + std::to_string(i) + ".py", text);
  }
  out.emplace_back("pkg/random.bin", random_bytes(300000, 7));
  out.emplace_back("pkg/empty.txt", "");
  out.emplace_back("pkg/big.txt", std::string(3 << 20, 'z') + random_bytes(1000, 9));
  return out;
}

// Writes the sample members (plus one from a file) with `opts` to `path`.
void write_sample(const std::string& path, const std::string& file_input, ZipWriterOptions opts) {
  static const auto members = sample_members();
  auto w = ZipWriter::create(path, opts);
  REQUIRE(w.ok());
  for (const auto& [name, data] : members) REQUIRE(w->add_bytes(name, bytes_of(data)).ok());
  REQUIRE(w->add_owned("pkg/owned.txt", std::vector<std::uint8_t>(5000, 'o')).ok());
  REQUIRE(w->add_file("pkg/from_file.so", file_input, NewMemberOptions{true, std::nullopt}).ok());
  REQUIRE(w->add_directory("pkg/data/").ok());
  REQUIRE(w->commit().ok());
}

}  // namespace

TEST_CASE("written archives pass Python zipfile, unzip -t and bsdtar") {
  TempDir dir;
  write_file(dir / "input.so", random_bytes(1000, 1) + std::string(20000, '\0'));
  ZipWriterOptions opts;
  opts.source_date_epoch = 1700000000;  // 2023-11-14 22:13:20 UTC
  write_sample(dir / "out.zip", dir / "input.so", opts);

  REQUIRE(python(dir, R"(import zipfile, sys
z = zipfile.ZipFile('out.zip')
assert z.testzip() is None
for i in z.infolist():
    assert i.date_time == (2023, 11, 14, 22, 13, 20), i.date_time
    assert i.create_system == 3 and i.extra == b'', (i.create_system, i.extra)
    assert i.flag_bits & 8 == 0
    mode = i.external_attr >> 16
    if i.filename.endswith('/'):
        assert mode == 0o40755, oct(mode)
    elif i.filename == 'pkg/from_file.so':
        assert mode == 0o100755, oct(mode)
    else:
        assert mode == 0o100644, oct(mode)
assert z.read('pkg/from_file.so') == open('input.so', 'rb').read()
assert z.read('pkg/owned.txt') == b'o' * 5000
assert z.getinfo('pkg/random.bin').compress_type == zipfile.ZIP_STORED
assert z.getinfo('pkg/mod3.py').compress_type == zipfile.ZIP_DEFLATED
names = z.namelist()
assert names[0] == 'pkg/mod0.py' and names[-1] == 'pkg/data/', names
)") == 0);
  CHECK(run("unzip -tqq '" + dir / "out.zip" + "'") == 0);
  std::string listing = capture("bsdtar -tf '" + dir / "out.zip" + "'");
  CHECK(listing.find("pkg/big.txt\n") != std::string::npos);
  CHECK(listing.find("pkg/from_file.so\n") != std::string::npos);

  auto r = ZipReader::open(dir / "out.zip");
  REQUIRE(r.ok());
  CHECK(r->entries().size() == 36);
  CHECK(r->verify_all().ok());
  auto big = r->read_string(*r->find("pkg/big.txt"));
  REQUIRE(big.ok());
  CHECK(*big == sample_members().back().second);
  // Nothing needed ZIP64, so no ZIP64 record was written.
  CHECK(read_file(dir / "out.zip").find(std::string("PK\x06\x06", 4)) == std::string::npos);
}

TEST_CASE("output is byte-identical across thread counts and folders") {
  TempDir a, b;
  write_file(a / "input.so", random_bytes(50000, 3));
  write_file(b / "input.so", random_bytes(50000, 3));
  ZipWriterOptions opts;
  opts.threads = 1;
  write_sample(a / "w.whl", a / "input.so", opts);
  opts.threads = 4;
  write_sample(b / "w.whl", b / "input.so", opts);
  opts.threads = 0;
  write_sample(b / "w0.whl", a / "input.so", opts);
  std::string one = read_file(a / "w.whl");
  CHECK(one.size() > 100000);
  CHECK(one == read_file(b / "w.whl"));
  CHECK(one == read_file(b / "w0.whl"));
  opts.level = 1;
  write_sample(b / "fast.whl", a / "input.so", opts);
  CHECK(one != read_file(b / "fast.whl"));
  // No temporary files are left behind.
  CHECK(capture("ls -A '" + b.path() + "'") == "fast.whl\ninput.so\nw.whl\nw0.whl\n");
}

namespace {

// Deterministic data that deflates to roughly half: words, numbers, noise.
std::string semi_compressible(std::size_t n, unsigned seed) {
  static const char* const words[] = {"symbol", "section", "relocation", "_ZN5torch", "0x7f", "\n", " "};
  std::mt19937 rng(seed);
  std::string s;
  s.reserve(n + 64);
  while (s.size() < n) {
    unsigned pick = rng() % 10;
    if (pick < 7) s += words[rng() % 7];
    if (pick == 7) s += std::to_string(rng());
    if (pick >= 8) {
      for (int i = 0; i < 8; ++i) s += static_cast<char>(rng());
    }
  }
  s.resize(n);
  return s;
}

// Writes one zip with the large members "big.so" (from `file`), "view.bin"
// (`data`), "noise.bin" (`noise`) and a small text member.
void write_large(const std::string& path, const std::string& file, const std::string& data, const std::string& noise,
                 const ZipWriterOptions& opts) {
  auto w = ZipWriter::create(path, opts);
  REQUIRE(w.ok());
  REQUIRE(w->add_file("pkg/big.so", file, NewMemberOptions{true, std::nullopt}).ok());
  REQUIRE(w->add_bytes("pkg/view.bin", bytes_of(data)).ok());
  REQUIRE(w->add_bytes("pkg/noise.bin", bytes_of(noise)).ok());
  REQUIRE(w->add_owned("pkg/small.txt", std::vector<std::uint8_t>(5000, 's')).ok());
  REQUIRE(w->commit().ok());
}

}  // namespace

TEST_CASE("large members are deflated in chunks: same bytes for any thread count, valid zip") {
  TempDir dir;
  const std::string data = semi_compressible(3u << 20, 11), noise = random_bytes(1u << 20, 12);
  write_file(dir / "big.so", semi_compressible(5u << 20, 13));
  ZipWriterOptions opts;
  opts.chunked_threshold = 512u << 10;
  opts.chunk_size = 200000;  // not a page multiple; the last chunk is short
  opts.threads = 1;
  write_large(dir / "one.zip", dir / "big.so", data, noise, opts);
  opts.threads = 4;
  write_large(dir / "four.zip", dir / "big.so", data, noise, opts);
  opts.threads = 0;
  write_large(dir / "all.zip", dir / "big.so", data, noise, opts);
  const std::string one = read_file(dir / "one.zip");
  CHECK(one == read_file(dir / "four.zip"));
  CHECK(one == read_file(dir / "all.zip"));

  auto r = ZipReader::open(dir / "one.zip");
  REQUIRE(r.ok());
  CHECK(r->verify_all().ok());
  const ZipEntry* big = r->find("pkg/big.so");
  REQUIRE(big);
  CHECK(big->method == ZipMethod::deflate);
  CHECK(big->compressed_size < big->uncompressed_size * 3 / 4);
  CHECK(r->read_string(*big).value() == read_file(dir / "big.so"));
  CHECK(r->read_string(*r->find("pkg/view.bin")).value() == data);
  CHECK(r->find("pkg/noise.bin")->method == ZipMethod::stored);  // deflate saved nothing
  CHECK(r->read_string(*r->find("pkg/noise.bin")).value() == noise);
  CHECK(run("unzip -tqq '" + dir / "one.zip" + "'") == 0);
  CHECK(run("python3 -m zipfile -t '" + dir / "one.zip" + "' >/dev/null") == 0);
  REQUIRE(python(dir, R"(import zipfile
z = zipfile.ZipFile('one.zip')
assert z.read('pkg/big.so') == open('big.so', 'rb').read()
assert z.getinfo('pkg/big.so').external_attr >> 16 == 0o100755
)") == 0);

  // The chunk size shapes the stream (so it really is chunked); a small
  // member's bytes do not depend on it. No scratch file is left behind.
  opts.chunk_size = 10000;  // smaller than the 32 KiB dictionary
  write_large(dir / "small-chunks.zip", dir / "big.so", data, noise, opts);
  auto s = ZipReader::open(dir / "small-chunks.zip");
  REQUIRE(s.ok());
  CHECK(s->verify_all().ok());
  CHECK(s->raw(*s->find("pkg/big.so")).size() != big->compressed_size);
  auto small_raw = [](const ZipReader& z) {
    auto b = z.raw(*z.find("pkg/small.txt"));
    return std::string(b.begin(), b.end());
  };
  CHECK(small_raw(*s) == small_raw(*r));
  CHECK(capture("ls -A '" + dir.path() + "'") == "all.zip\nbig.so\nfour.zip\none.zip\nscript.py\nsmall-chunks.zip\n");

  // With the piece cache, cold and warm: the same archive as without it,
  // and the cache holds the large members' pieces.
  opts.chunk_size = 200000;
  opts.threads = 2;
  opts.cache.dir = dir / "piece-cache";
  write_large(dir / "cold.zip", dir / "big.so", data, noise, opts);
  opts.threads = 1;
  write_large(dir / "warm.zip", dir / "big.so", data, noise, opts);
  CHECK(read_file(dir / "cold.zip") == one);
  CHECK(read_file(dir / "warm.zip") == one);
  CHECK(capture("find '" + dir / "piece-cache" + "' -type f | wc -l") != "0\n");
  std::filesystem::remove(dir / "cold.zip");
  std::filesystem::remove(dir / "warm.zip");
  std::filesystem::remove_all(dir / "piece-cache");
  opts.cache.dir.clear();

  opts.chunk_size = 0;
  CHECK(ZipWriter::create(dir / "x.zip", opts).error().message ==
        dir / "x.zip" + ": chunk size 0 is not in 1..1073741824");
}

TEST_CASE("a 40 MiB member with default chunking is the same with 1 and 4 threads") {
  TempDir dir;
  write_file(dir / "lib.so", semi_compressible(40u << 20, 21));
  ZipWriterOptions opts;
  opts.level = 1;
  std::string out[2];
  for (unsigned threads : {1u, 4u}) {
    opts.threads = threads;
    auto w = ZipWriter::create(dir / "o.zip", opts);
    REQUIRE(w.ok());
    REQUIRE(w->add_file("lib.so", dir / "lib.so").ok());
    REQUIRE(w->commit().ok());
    out[threads == 4] = read_file(dir / "o.zip");
  }
  CHECK(out[0] == out[1]);
  CHECK(run("unzip -tqq '" + dir / "o.zip" + "'") == 0);
  auto r = ZipReader::open(dir / "o.zip");
  REQUIRE(r.ok());
  CHECK(r->entries()[0].method == ZipMethod::deflate);
  CHECK(r->entries()[0].compressed_size < (30u << 20));
  CHECK(r->verify_all().ok());
}

TEST_CASE("timestamps follow SOURCE_DATE_EPOCH, clamped to 1980") {
  CHECK(dos_datetime_from_epoch(0).date == (1 << 5 | 1));
  CHECK(dos_datetime_from_epoch(0).time == 0);
  CHECK(dos_datetime_from_epoch(kZipEpochMin - 1).date == (1 << 5 | 1));
  auto t = dos_datetime_from_epoch(1700000001);
  CHECK(t.date == ((2023 - 1980) << 9 | 11 << 5 | 14));
  CHECK(t.time == (22 << 11 | 13 << 5 | 10));
  auto late = dos_datetime_from_epoch(99999999999);
  CHECK(late.date == ((2107 - 1980) << 9 | 12 << 5 | 31));
  CHECK(parse_source_date_epoch(" 1700000000\n").value() == 1700000000);
  CHECK(parse_source_date_epoch("-5").value() == -5);
  CHECK(parse_source_date_epoch("12abc").error().message ==
        "SOURCE_DATE_EPOCH: '12abc' is not a number of seconds");
  CHECK_FALSE(parse_source_date_epoch("").ok());
}

TEST_CASE("scratch_dir holds the chunked members' scratch files") {
  TempDir dir;
  const std::string data = semi_compressible(1u << 20, 21);
  auto write = [&](const std::string& out, const std::string& scratch) {
    ZipWriterOptions opts;
    opts.chunked_threshold = 256u << 10;
    opts.chunk_size = 100000;
    opts.scratch_dir = scratch;
    auto w = ZipWriter::create(out, opts);
    REQUIRE(w.ok());
    REQUIRE(w->add_bytes("pkg/view.bin", bytes_of(data)).ok());
    return w->commit();
  };
  // The folder replaces the archive's: one that does not exist (and a TMPDIR,
  // the fallback, that does not either) fails the large member, by name.
  const char* old_tmp = std::getenv("TMPDIR");
  std::string saved = old_tmp ? old_tmp : "";
  ::setenv("TMPDIR", (dir / "no-such-tmp").c_str(), 1);
  auto bad = write(dir / "bad.zip", dir / "no-such-folder");
  if (old_tmp) ::setenv("TMPDIR", saved.c_str(), 1); else ::unsetenv("TMPDIR");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message.find("pkg/view.bin") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir / "bad.zip"));
  // An existing one gives the same bytes as the archive's own folder.
  std::filesystem::create_directories(dir / "scratch");
  REQUIRE(write(dir / "a.zip", dir / "scratch").ok());
  REQUIRE(write(dir / "b.zip", "").ok());
  CHECK(read_file(dir / "a.zip") == read_file(dir / "b.zip"));
}

TEST_CASE("raw copies keep the compressed bytes and rewrite headers") {
  TempDir dir;
  REQUIRE(python(dir, R"(import zipfile
with zipfile.ZipFile('in.zip', 'w', zipfile.ZIP_DEFLATED, compresslevel=1) as z:
    i = zipfile.ZipInfo('pkg/lib.so', (2011, 1, 1, 0, 0, 0))
    i.external_attr = 0o100775 << 16
    i.compress_type = zipfile.ZIP_DEFLATED
    z.writestr(i, b'ELF' * 10000)
    z.writestr('pkg/__init__.py', '')
    z.writestr('pkg/sub/', '')
)") == 0);
  auto in = ZipReader::open(dir / "in.zip");
  REQUIRE(in.ok());
  auto w = ZipWriter::create(dir / "out.zip", {});
  REQUIRE(w.ok());
  for (const auto& e : in->entries()) REQUIRE(w->add_raw(*in, e).ok());
  REQUIRE(w->add_raw(*in, in->entries()[0], "pkg/copy.so").ok());
  REQUIRE(w->commit().ok());
  auto out = ZipReader::open(dir / "out.zip");
  REQUIRE(out.ok());
  REQUIRE(out->entries().size() == 4);
  const auto& lib = out->entries()[0];
  auto src = in->raw(in->entries()[0]), dst = out->raw(lib);
  CHECK(std::equal(src.begin(), src.end(), dst.begin(), dst.end()));
  CHECK(lib.unix_mode() == 0100755);
  CHECK(lib.modified.date == (1 << 5 | 1));
  CHECK(out->entries()[2].is_directory());
  CHECK(out->entries()[2].unix_mode() == 040755);
  CHECK(out->entries()[3].name == "pkg/copy.so");
  CHECK(out->verify_all().ok());
  CHECK(run("unzip -tqq '" + dir / "out.zip" + "'") == 0);
}

TEST_CASE("raw copies keep the executable bit as pip reads it, whatever the host") {
  TempDir dir;
  // A zip made on Windows (create_system 0) that records Unix modes in the
  // high 16 bits of the external attributes: pip installs "tool" executable
  // (mode & 0111 on a regular file), and so must a copy.
  REQUIRE(python(dir, R"(import zipfile
with zipfile.ZipFile('in.zip', 'w') as z:
    for name, mode in [('pkg/tool', 0o100755), ('pkg/data.txt', 0o100644), ('pkg/untyped', 0o755)]:
        i = zipfile.ZipInfo(name)
        i.create_system = 0
        i.external_attr = (mode << 16) | 0x20
        z.writestr(i, b'#!/bin/sh\n')
)") == 0);
  auto in = ZipReader::open(dir / "in.zip");
  REQUIRE(in.ok());
  CHECK(in->entries()[0].version_made_by >> 8 == 0);
  CHECK(in->entries()[0].is_executable());
  CHECK_FALSE(in->entries()[1].is_executable());
  CHECK_FALSE(in->entries()[2].is_executable());  // pip wants S_IFREG too
  auto w = ZipWriter::create(dir / "out.zip", {});
  REQUIRE(w.ok());
  for (const auto& e : in->entries()) REQUIRE(w->add_raw(*in, e).ok());
  REQUIRE(w->commit().ok());
  REQUIRE(python(dir, R"(import stat, zipfile
z = zipfile.ZipFile('out.zip')
pip = lambda i: bool((i.external_attr >> 16) and stat.S_ISREG(i.external_attr >> 16) and (i.external_attr >> 16) & 0o111)
assert [pip(i) for i in z.infolist()] == [True, False, False], [oct(i.external_attr >> 16) for i in z.infolist()]
)") == 0);
}

TEST_CASE("ZIP64 is written when forced or when the member count needs it") {
  TempDir dir;
  std::string text(100000, 't');
  ZipWriterOptions opts;
  opts.force_zip64 = true;
  auto w = ZipWriter::create(dir / "f64.zip", opts);
  REQUIRE(w.ok());
  REQUIRE(w->add_bytes("a.txt", bytes_of(text)).ok());
  const std::string noise = random_bytes(1000, 5);  // views must outlive commit()
  REQUIRE(w->add_bytes("b.bin", bytes_of(noise), NewMemberOptions{false, 0}).ok());
  REQUIRE(w->commit().ok());
  std::string f64 = read_file(dir / "f64.zip");
  CHECK(f64.find(std::string("PK\x06\x06", 4)) != std::string::npos);
  CHECK(f64.find(std::string("PK\x06\x07", 4)) != std::string::npos);
  auto r = ZipReader::open(dir / "f64.zip");
  REQUIRE(r.ok());
  CHECK(r->read_string(r->entries()[0]).value() == text);
  CHECK(run("unzip -tqq '" + dir / "f64.zip" + "'") == 0);
  REQUIRE(python(dir, R"(import zipfile
z = zipfile.ZipFile('f64.zip')
assert z.testzip() is None
assert z.read('a.txt') == b't' * 100000
assert len(z.getinfo('a.txt').extra) == 28
)") == 0);

  ZipWriterOptions two;
  two.threads = 2;
  auto many = ZipWriter::create(dir / "many.zip", two);
  REQUIRE(many.ok());
  bool all_added = true;
  for (int i = 0; i < 70000; ++i) all_added = all_added && many->add_owned("f/" + std::to_string(i), {'x'}).ok();
  REQUIRE(all_added);
  REQUIRE(many->commit().ok());
  std::string bytes = read_file(dir / "many.zip");
  CHECK(bytes.find(std::string("PK\x06\x06", 4)) != std::string::npos);
  auto m = ZipReader::open(dir / "many.zip");
  REQUIRE(m.ok());
  CHECK(m->entries().size() == 70000);
  REQUIRE(python(dir, "import zipfile\nz = zipfile.ZipFile('many.zip')\n"
                      "assert len(z.infolist()) == 70000 and z.read('f/69999') == b'x'\n") == 0);
}

TEST_CASE("writer errors name the archive and the member; nothing is left behind") {
  TempDir dir;
  std::string path = dir / "out.zip";
  {
    auto w = ZipWriter::create(path, {});
    REQUIRE(w.ok());
    REQUIRE(w->add_owned("a.txt", {'a'}).ok());
    CHECK(w->add_owned("a.txt", {'b'}).error().message == path + ": a.txt: duplicate member name");
    CHECK(w->add_owned("../x", {'b'}).error().message == path + ": ../x: path has a '..' component");
    CHECK(w->add_owned(std::string(70000, 'n'), {}).error().message ==
          path + ": " + std::string(64, 'n') + "...: name is longer than 65535 bytes");
    CHECK(w->add_owned("d/", {}).error().message == path + ": d/: only directory members may end with '/'");
    CHECK(w->add_owned("b", {}, NewMemberOptions{false, 13}).error().message == path + ": b: compression level 13 is not in 0..12");
    REQUIRE(w->add_file("missing.so", dir / "missing.so").ok());
    auto st = w->commit();
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().message == path + ": missing.so: " + dir / "missing.so" + ": No such file or directory");
  }
  {
    auto w = ZipWriter::create(path, {});
    REQUIRE(w.ok());
    REQUIRE(w->add_owned("a.txt", {'a'}).ok());
  }  // destroyed without commit
  {
    // A failing member in the middle of a parallel run stops it cleanly.
    ZipWriterOptions par;
    par.threads = 4;
    auto w = ZipWriter::create(path, par);
    REQUIRE(w.ok());
    std::string big(200000, 'b');
    for (int i = 0; i < 20; ++i) {
      if (i == 5) REQUIRE(w->add_file("gone.so", dir / "gone.so").ok());
      REQUIRE(w->add_bytes("m" + std::to_string(i), bytes_of(big)).ok());
    }
    auto st = w->commit();
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().message.find(path + ": gone.so: ") == 0);
  }
  CHECK(capture("ls -A '" + dir.path() + "'") == "");
  ZipWriterOptions bad;
  bad.level = -1;
  CHECK(ZipWriter::create(path, bad).error().message == path + ": compression level -1 is not in 0..12");
  CHECK_FALSE(ZipWriter::create(dir / "no/such/dir/x.zip", {}).ok());
}

// Not run by default: `test_wheel "[.bench]" -s` prints compression timings.
TEST_CASE("writer throughput by thread count", "[.bench]") {
  TempDir dir;
  std::vector<std::string> inputs;
  for (int i = 0; i < 32; ++i) {
    std::string s;
    while (s.size() < (2u << 20)) s += "symbol_" + std::to_string(s.size() * 7919 % 100003) + "\n";
    inputs.push_back(s + random_bytes(200000, static_cast<unsigned>(i)));
  }
  std::string first;
  for (unsigned threads : {1u, 2u, 4u}) {
    ZipWriterOptions opts;
    opts.threads = threads;
    auto start = std::chrono::steady_clock::now();
    auto w = ZipWriter::create(dir / "b.zip", opts);
    REQUIRE(w.ok());
    for (std::size_t i = 0; i < inputs.size(); ++i) REQUIRE(w->add_bytes("m" + std::to_string(i), bytes_of(inputs[i])).ok());
    REQUIRE(w->commit().ok());
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::string out = read_file(dir / "b.zip");
    if (first.empty()) first = out;
    CHECK(out == first);
    WARN(threads << " threads: " << inputs.size() * inputs[0].size() / 1e6 << " MB -> " << out.size() / 1e6
                 << " MB in " << s << " s");
  }
}
