// Unit tests for the util module: results, checked arithmetic, hashing,
// the atomic writer and string helpers.
#include <catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "support/temp_dir.hpp"
#include "wheelfix/util/atomic_file.hpp"
#include "wheelfix/util/bytes.hpp"
#include "wheelfix/util/hash.hpp"
#include "wheelfix/util/mapped_file.hpp"
#include "wheelfix/util/result.hpp"
#include "wheelfix/util/strings.hpp"

namespace fs = std::filesystem;
using namespace wheelfix::util;

namespace {

Result<int> half(int x) {
  if (x % 2) return make_error("odd: ", std::to_string(x));
  return x / 2;
}

Result<int> quarter(int x) {
  WF_TRY(int h, half(x));
  WF_TRY(int q, half(h));
  return q;
}

std::size_t count_files(const fs::path& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] auto& e : fs::directory_iterator(dir)) ++n;
  return n;
}

}  // namespace

TEST_CASE("Result propagates errors through WF_TRY") {
  REQUIRE(quarter(8).value() == 2);
  auto r = quarter(6);
  REQUIRE_FALSE(r.ok());
  REQUIRE(r.error().message == "odd: 3");
}

TEST_CASE("checked arithmetic refuses overflow") {
  REQUIRE(checked_add(1, 2) == 3u);
  REQUIRE_FALSE(checked_add(UINT64_MAX, 1).has_value());
  REQUIRE_FALSE(checked_mul(UINT64_MAX / 2, 3).has_value());
  REQUIRE(in_bounds(0, 10, 10));
  REQUIRE_FALSE(in_bounds(1, 10, 10));
  REQUIRE_FALSE(in_bounds(UINT64_MAX, 2, 10));
  std::uint8_t buf[] = {'a', 'b', 0, 'c'};
  REQUIRE(c_string_at(Bytes(buf, 4), 0) == std::string_view("ab"));
  REQUIRE_FALSE(c_string_at(Bytes(buf, 4), 3).has_value());  // no NUL before the end
  REQUIRE_FALSE(c_string_at(Bytes(buf, 4), 9).has_value());
  REQUIRE_FALSE(slice(Bytes(buf, 4), 2, 3).has_value());
}

TEST_CASE("sha256 and its encodings match known vectors") {
  auto d = sha256(as_bytes(std::string_view("abc")));
  REQUIRE(to_hex(as_bytes(d)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  REQUIRE(to_urlsafe_b64_nopad(as_bytes(d)) == "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
  REQUIRE(to_urlsafe_b64_nopad(as_bytes(std::string_view("a"))) == "YQ");
  REQUIRE(to_urlsafe_b64_nopad(as_bytes(std::string_view("ab"))) == "YWI");
  Sha256 inc;
  inc.update(as_bytes(std::string_view("a")));
  inc.update(as_bytes(std::string_view("bc")));
  REQUIRE(inc.finish() == d);
}

TEST_CASE("AtomicFile commits whole files and leaves nothing behind otherwise") {
  wf_test::TempDir tmp;
  fs::path dir = tmp.path();
  auto target = (dir / "out.bin").string();
  {
    auto f = AtomicFile::create(target, 0755);
    REQUIRE(f.ok());
    REQUIRE(f->write(std::string_view("hello")).ok());
    REQUIRE_FALSE(fs::exists(target));  // not visible before commit
    // destroyed without commit
  }
  REQUIRE(count_files(dir) == 0);
  REQUIRE(write_file_atomic(target, as_bytes(std::string_view("data")), 0750).ok());
  REQUIRE(count_files(dir) == 1);
  auto mapped = MappedFile::open(target);
  REQUIRE(mapped.ok());
  REQUIRE(std::string(reinterpret_cast<const char*>(mapped->bytes().data()), mapped->size()) == "data");
  struct stat st {};
  REQUIRE(::stat(target.c_str(), &st) == 0);
  REQUIRE((st.st_mode & 0777) == 0750);
}

TEST_CASE("AtomicFile reports an unwritable folder by name") {
  auto r = AtomicFile::create("/nonexistent-dir-wf/out.whl");
  REQUIRE_FALSE(r.ok());
  REQUIRE(r.error().message.find("/nonexistent-dir-wf/out.whl") != std::string::npos);
}

TEST_CASE("MappedFile errors name the path") {
  auto r = MappedFile::open("/nonexistent-wf-file");
  REQUIRE_FALSE(r.ok());
  REQUIRE(r.error().message.rfind("/nonexistent-wf-file: ", 0) == 0);
  REQUIRE_FALSE(MappedFile::open("/").ok());
}

TEST_CASE("string helpers") {
  REQUIRE(split("a::b", ':') == std::vector<std::string>{"a", "", "b"});
  REQUIRE(split("", ':') == std::vector<std::string>{""});
  REQUIRE(join({"x", "y"}, ".") == "x.y");
  REQUIRE(trim("  a b \n") == "a b");
  REQUIRE(glob_match("libz.so*", "libz.so.1"));
  REQUIRE_FALSE(glob_match("libz.so*", "libzstd.so.1"));
  REQUIRE(glob_match("lib[xy]*.so", "liby2.so"));
  REQUIRE(ascii_lower("NumPy-1.0RC1") == "numpy-1.0rc1");
  REQUIRE(ascii_lower("caf\xc3\x89") == "caf\xc3\x89");  // non-ASCII bytes are kept
  REQUIRE(iequals("Root-Is-Purelib", "root-is-PURELIB"));
  REQUIRE_FALSE(iequals("abc", "abd"));
  REQUIRE_FALSE(iequals("abc", "abcd"));
}

TEST_CASE("MappedFile refuses a FIFO at once instead of waiting for a writer") {
  wf_test::TempDir dir;
  auto fifo = dir / "x.whl";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  auto r = MappedFile::open(fifo);  // blocked forever before the fix
  REQUIRE_FALSE(r.ok());
  REQUIRE(r.error().message == fifo + ": not a regular file");
}

TEST_CASE("printable escapes what a terminal would act on") {
  REQUIRE(printable("pkg/_ext.so") == "pkg/_ext.so");
  REQUIRE(printable("caf\xc3\xa9") == "caf\xc3\xa9");  // plain non-ASCII is kept
  REQUIRE(printable("a\x1b[2Kb") == "a\\x1b[2Kb");
  REQUIRE(printable("x\ny\rz\t") == "x\\x0ay\\x0dz\\x09");
  REQUIRE(printable("\x7f") == "\\x7f");
  REQUIRE(printable("\xc2\x9b" "31m") == "\\xc2\\x9b31m");         // C1 CSI
  REQUIRE(printable("a\xe2\x80\xae" "b") == "a\\xe2\\x80\\xaeb");  // right-to-left override
  REQUIRE(printable("bad\xff\xfe") == "bad\\xff\\xfe");
  REQUIRE(printable("cut\xc3") == "cut\\xc3");
}

TEST_CASE("python_string_literal is a one-line ASCII literal of the same string") {
  REQUIRE(python_string_literal("withscript.libs/bin/wfhello") == "\"withscript.libs/bin/wfhello\"");
  REQUIRE(python_string_literal("wf\"+__import__(\"os\").system(\"x\")+\"") ==
          "\"wf\\\"+__import__(\\\"os\\\").system(\\\"x\\\")+\\\"\"");
  REQUIRE(python_string_literal("a\\b") == "\"a\\\\b\"");
  REQUIRE(python_string_literal("l1\nl2\r\x7f") == "\"l1\\x0al2\\x0d\\x7f\"");
  REQUIRE(python_string_literal("caf\xc3\xa9 \xe2\x82\xac") == "\"caf\\xe9 \\U000020ac\"");
  REQUIRE(python_string_literal("bad\xff") == "\"bad\\udcff\"");
}

TEST_CASE("decode_utf8 refuses what is not UTF-8") {
  REQUIRE(is_valid_utf8("caf\xc3\xa9"));
  REQUIRE_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong '/'
  REQUIRE_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate
  REQUIRE_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  REQUIRE(decode_utf8("\xe2\x82\xac", 0)->code_point == 0x20AC);
}
