// analyze_wheel inflates each ELF member once, on several threads: the
// digests it keeps are those of the real content, the result and the first
// error do not depend on the thread count, and repair_wheel writes RECORD
// from those digests (still reporting an input RECORD that disagrees).
#include <catch.hpp>

#include <algorithm>

#include "wheel/test_support.hpp"
#include "wheelfix/policy/policy.hpp"
#include "wheelfix/repair/analyze.hpp"
#include "wheelfix/repair/repair.hpp"
#include "wheelfix/util/hash.hpp"
#include "wheelfix/wheel/wheel.hpp"

using namespace wheelfix;
using namespace wheel_test;

namespace {

// A real shared library that needs only libc (zlib is a build dependency).
std::string real_library() {
  std::string data = read_file("/usr/lib/x86_64-linux-gnu/libz.so.1");
  REQUIRE(data.size() > 4);
  REQUIRE(data.compare(0, 4, "\x7f" "ELF") == 0);
  return data;
}

// The same library with junk after it: over 8 MiB, so that analysis with
// many threads inflates it through a temporary file.
std::string big_library() {
  std::string data = real_library();
  std::string pad;
  for (std::uint32_t i = 0; pad.size() < (9u << 20); ++i) pad += std::to_string(i * 2654435761u);
  return data + pad;
}

std::string record_hash(const std::string& data) {
  return wheel::record_hash(util::Bytes(reinterpret_cast<const std::uint8_t*>(data.data()), data.size()));
}

std::string record_line(const std::string& name, const std::string& data) {
  return name + "," + record_hash(data) + "," + std::to_string(data.size()) + "\n";
}

repair::AnalyzeOptions options(unsigned threads) {
  repair::AnalyzeOptions o;
  o.loader = elf::make_loader_config("/", std::nullopt, std::nullopt);
  o.threads = threads;
  return o;
}

policy::PolicySet policies() {
  auto p = policy::load_embedded_policies();
  REQUIRE(p.ok());
  return std::move(p).value();
}

// Writes demo-1.0 with two libraries; RECORD lies about demo/libz.so.1
// when `bad_record`.
std::string write_demo_wheel(const TempDir& dir, bool bad_record) {
  std::string lib = real_library(), big = big_library();
  std::string init = "x = 1\n", wheel_text = "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: false\n"
                                              "Tag: cp311-cp311-linux_x86_64\n";
  std::string metadata = "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n";
  std::string record = record_line("demo/__init__.py", init) +
                       record_line("demo/libz.so.1", bad_record ? lib + "x" : lib) +
                       record_line("demo/big.so", big) + record_line("demo-1.0.dist-info/WHEEL", wheel_text) +
                       record_line("demo-1.0.dist-info/METADATA", metadata) + "demo-1.0.dist-info/RECORD,,\n";
  std::string path = dir / "demo-1.0-cp311-cp311-linux_x86_64.whl";
  write_file(path, craft_zip({{.name = "demo/__init__.py", .data = init},
                              {.name = "demo/libz.so.1", .data = lib},
                              {.name = "demo/big.so", .data = big},
                              {.name = "demo-1.0.dist-info/WHEEL", .data = wheel_text},
                              {.name = "demo-1.0.dist-info/METADATA", .data = metadata},
                              {.name = "demo-1.0.dist-info/RECORD", .data = record}}));
  return path;
}

}  // namespace

TEST_CASE("analysis keeps the digest of each ELF member's real content", "[analyze]") {
  TempDir dir;
  std::string lib = real_library(), big = big_library();
  write_file(dir / "a.zip", craft_zip({{.name = "notes.txt", .data = "not an ELF file"},
                                       {.name = "pkg/libz.so.1", .data = lib},
                                       {.name = "pkg/big.so", .data = big, .method = 0}}));
  auto zip = wheel::ZipReader::open(dir / "a.zip");
  REQUIRE(zip.ok());
  auto set = policies();
  for (unsigned threads : {1u, 2u, 8u}) {
    auto a = repair::analyze_wheel(*zip, set, options(threads));
    REQUIRE(a.ok());
    REQUIRE(a->elves.size() == 2);
    CHECK(a->elves[0].member == "pkg/libz.so.1");  // archive order, not size order
    CHECK(a->elves[1].member == "pkg/big.so");
    const std::string* data[] = {&lib, &big};
    for (std::size_t i = 0; i < 2; ++i) {
      const auto& d = a->elves[i].digest;
      auto bytes = util::Bytes(reinterpret_cast<const std::uint8_t*>(data[i]->data()), data[i]->size());
      CHECK(d.sha256 == util::sha256(bytes));
      CHECK(d.size == data[i]->size());
      CHECK(d.crc32 == zip->find(a->elves[i].member)->crc32);
      CHECK(a->elves[i].info->soname == std::optional<std::string>("libz.so.1"));
    }
  }
}

TEST_CASE("analysis gives the same graph and digests with any thread count", "[analyze]") {
  TempDir dir;
  std::string lib = real_library(), big = big_library();
  std::vector<CraftMember> members;
  for (int i = 0; i < 6; ++i) members.push_back({.name = "pkg/lib" + std::to_string(i) + ".so", .data = i % 2 ? big : lib});
  write_file(dir / "a.zip", craft_zip(members));
  auto zip = wheel::ZipReader::open(dir / "a.zip");
  REQUIRE(zip.ok());
  auto set = policies();
  auto one = repair::analyze_wheel(*zip, set, options(1));
  auto many = repair::analyze_wheel(*zip, set, options(4));
  REQUIRE(one.ok());
  REQUIRE(many.ok());
  REQUIRE(one->elves.size() == 6);
  REQUIRE(many->elves.size() == 6);
  for (std::size_t i = 0; i < 6; ++i) {
    CHECK(one->elves[i].member == many->elves[i].member);
    CHECK(one->elves[i].digest.sha256 == many->elves[i].digest.sha256);
    CHECK(one->elves[i].info->needed == many->elves[i].info->needed);
  }
  REQUIRE(one->graph.objects.size() == many->graph.objects.size());
  for (std::size_t i = 0; i < one->graph.objects.size(); ++i) CHECK(one->graph.objects[i].path == many->graph.objects[i].path);
}

TEST_CASE("analysis reports the first broken ELF member in archive order", "[analyze]") {
  TempDir dir;
  std::string lib = real_library(), big = big_library();
  std::string broken = std::string("\x7f" "ELF", 4) + std::string(200, '\x09');  // bad class byte
  // The second broken member is the largest, so a pool starts with it.
  write_file(dir / "a.zip", craft_zip({{.name = "pkg/ok.so", .data = lib},
                                       {.name = "pkg/first_bad.so", .data = broken},
                                       {.name = "pkg/big_bad.so", .data = broken + big}}));
  auto zip = wheel::ZipReader::open(dir / "a.zip");
  REQUIRE(zip.ok());
  auto set = policies();
  for (unsigned threads : {1u, 2u, 3u}) {
    auto a = repair::analyze_wheel(*zip, set, options(threads));
    REQUIRE_FALSE(a.ok());
    CHECK(a.error().message.find("pkg/first_bad.so") != std::string::npos);
    CHECK(a.error().message.find("big_bad") == std::string::npos);
  }
}

TEST_CASE("repair writes RECORD from the real content and reports a lying input RECORD", "[repair]") {
  TempDir dir;
  auto set = policies();
  std::string outputs[2];
  for (int bad = 0; bad < 2; ++bad) {
    std::string path = write_demo_wheel(dir, bad == 1);
    for (unsigned threads : {1u, 2u}) {
      auto whl = wheel::Wheel::open(path);
      REQUIRE(whl.ok());
      auto a = repair::analyze_wheel(whl->zip(), set, options(threads));
      REQUIRE(a.ok());
      repair::RepairOptions o;
      o.output_dir = dir / ("out" + std::to_string(bad) + std::to_string(threads));
      std::filesystem::create_directories(o.output_dir);
      o.threads = threads;
      auto report = repair::repair_wheel(*whl, *a, set, o);
      REQUIRE(report.ok());
      bool warned = std::any_of(report->warnings.begin(), report->warnings.end(), [](const std::string& w) {
        return w == "RECORD of the input disagrees with demo/libz.so.1 (regenerated)";
      });
      CHECK(warned == (bad == 1));
      auto out = wheel::Wheel::open(report->output);
      REQUIRE(out.ok());
      CHECK(out->verify_record().empty());  // every hash and size is the content's
      auto row = std::find_if(out->record().begin(), out->record().end(),
                              [](const wheel::RecordRow& r) { return r.path == "demo/big.so"; });
      REQUIRE(row != out->record().end());
      CHECK(row->hash == record_hash(big_library()));
      std::string bytes = read_file(report->output);
      if (threads == 1) outputs[bad] = bytes;
      else CHECK(bytes == outputs[bad]);  // same output whatever the thread count
    }
  }
}
