// repair_wheel edits members file to file (inflated into a scratch file,
// rewritten and stripped there): the result must be exactly what binutils'
// strip makes of the member, RECORD must describe it, the scratch folder
// must be left empty, and the output must not depend on the thread count.
#include <catch.hpp>

#include <filesystem>

#include "wheel/test_support.hpp"
#include "wheelfix/policy/policy.hpp"
#include "wheelfix/repair/analyze.hpp"
#include "wheelfix/repair/repair.hpp"
#include "wheelfix/wheel/wheel.hpp"

using namespace wheelfix;
using namespace wheel_test;

namespace {

// Compiles `source` into a shared library with debug info and symbols.
std::string compile_library(const TempDir& dir, const std::string& name, const std::string& source) {
  write_file(dir / (name + ".c"), source);
  std::string out = dir / (name + ".so");
  REQUIRE(run("gcc -shared -fPIC -g -O1 -o " + out + " " + dir / (name + ".c")) == 0);
  return read_file(out);
}

// What `strip -s` makes of `data`.
std::string stripped(const TempDir& dir, const std::string& data) {
  std::string path = dir / "oracle.so";
  write_file(path, data);
  REQUIRE(run("strip -s " + path) == 0);
  return read_file(path);
}

std::string record_line(const std::string& name, const std::string& data) {
  auto bytes = util::Bytes(reinterpret_cast<const std::uint8_t*>(data.data()), data.size());
  return name + "," + wheel::record_hash(bytes) + "," + std::to_string(data.size()) + "\n";
}

std::string member(const wheel::Wheel& whl, const std::string& name) {
  const wheel::ZipEntry* e = whl.zip().find(name);
  REQUIRE(e != nullptr);
  auto data = whl.zip().read(*e);
  REQUIRE(data.ok());
  return std::string(data->begin(), data->end());
}

}  // namespace

TEST_CASE("repair --strip rewrites and strips members file to file", "[repair][strip]") {
  if (run("command -v gcc >/dev/null && command -v strip >/dev/null") != 0) {
    WARN("SKIP: gcc or strip missing");
    return;
  }
  TempDir dir;
  std::string small = compile_library(dir, "libsmall", "int small_value(void) { return 7; }\n");
  // Over 8 MiB of initialised data: a member larger than any in-memory limit.
  std::string big = compile_library(dir, "libbig", "char big_blob[9 << 20] = {1};\n"
                                                   "int big_value(void) { return big_blob[0]; }\n");
  REQUIRE(big.size() > (9u << 20));
  std::string wheel_text = "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: false\n"
                           "Tag: cp311-cp311-linux_x86_64\n";
  std::string metadata = "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n";
  std::string record = record_line("demo/libsmall.so", small) + record_line("demo/libbig.so", big) +
                       record_line("demo-1.0.dist-info/WHEEL", wheel_text) +
                       record_line("demo-1.0.dist-info/METADATA", metadata) + "demo-1.0.dist-info/RECORD,,\n";
  std::string path = dir / "demo-1.0-cp311-cp311-linux_x86_64.whl";
  write_file(path, craft_zip({{.name = "demo/libsmall.so", .data = small},
                              {.name = "demo/libbig.so", .data = big},
                              {.name = "demo-1.0.dist-info/WHEEL", .data = wheel_text},
                              {.name = "demo-1.0.dist-info/METADATA", .data = metadata},
                              {.name = "demo-1.0.dist-info/RECORD", .data = record}}));
  auto set = policy::load_embedded_policies();
  REQUIRE(set.ok());
  std::string first;
  for (unsigned threads : {1u, 2u}) {
    auto whl = wheel::Wheel::open(path);
    REQUIRE(whl.ok());
    repair::AnalyzeOptions ao;
    ao.loader = elf::make_loader_config("/", std::nullopt, std::nullopt);
    ao.threads = threads;
    auto a = repair::analyze_wheel(whl->zip(), *set, ao);
    REQUIRE(a.ok());
    repair::RepairOptions o;
    o.output_dir = dir / ("out" + std::to_string(threads));
    o.temp_dir = dir / ("scratch" + std::to_string(threads));
    std::filesystem::create_directories(o.output_dir);
    std::filesystem::create_directories(o.temp_dir);
    o.threads = threads;
    o.strip = true;
    auto report = repair::repair_wheel(*whl, *a, *set, o);
    INFO((report.ok() ? std::string() : report.error().message));
    REQUIRE(report.ok());
    CHECK(std::filesystem::is_empty(o.temp_dir));  // no scratch file left behind
    auto out = wheel::Wheel::open(report->output);
    REQUIRE(out.ok());
    CHECK(out->verify_record().empty());
    CHECK(member(*out, "demo/libsmall.so") == stripped(dir, small));
    CHECK(member(*out, "demo/libbig.so") == stripped(dir, big));
    CHECK(member(*out, "demo/libsmall.so") != small);  // the symbols really went
    std::string bytes = read_file(report->output);
    if (threads == 1) first = bytes;
    else CHECK(bytes == first);
  }
}
