// Helpers shared by `show` and `repair`: opening wheels with the same
// validation, RECORD warnings without inflating, and the multi-wheel exit
// status.
#include <catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "wheel/test_support.hpp"
#include "wheelfix/util/hash.hpp"
#include "wheelfix/wheel/record.hpp"
#include "wheelfix/wheel/zip_writer.hpp"

using namespace wheelfix;
using namespace wheelfix::cli;

namespace {

using Files = std::vector<std::pair<std::string, std::string>>;

const char* kWheelText = "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n";
const char* kMetadataText = "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n";

util::Bytes bytes_of(const std::string& s) { return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}; }

// The files of a valid pure wheel demo-1.0, without RECORD.
Files demo_files() {
  return {{"demo/__init__.py", "X = 1\n"},
          {"demo-1.0.dist-info/WHEEL", kWheelText},
          {"demo-1.0.dist-info/METADATA", kMetadataText}};
}

// A correct RECORD for `files`.
std::string record_for(const Files& files) {
  std::vector<wheel::RecordRow> rows;
  for (const auto& [name, data] : files) rows.push_back(wheel::record_row(name, bytes_of(data)));
  rows.push_back({"demo-1.0.dist-info/RECORD", "", std::nullopt});
  return wheel::format_record(rows);
}

// Writes `files` then RECORD (`record`, or a correct one when empty).
std::string write_wheel(const std::string& path, const Files& files, const std::string& record = {}) {
  auto w = wheel::ZipWriter::create(path);
  REQUIRE(w.ok());
  for (const auto& [name, data] : files)
    REQUIRE(w->add_owned(name, std::vector<std::uint8_t>(data.begin(), data.end())).ok());
  std::string rec = record.empty() ? record_for(files) : record;
  REQUIRE(w->add_owned("demo-1.0.dist-info/RECORD", std::vector<std::uint8_t>(rec.begin(), rec.end())).ok());
  REQUIRE(w->commit().ok());
  return path;
}

struct Env {
  wheel_test::TempDir dir;
  policy::PolicySet policies =
      load_policy_set({std::string(WHEELFIX_SOURCE_DIR) + "/policies/manylinux-policy.json"}).value();
  repair::AnalyzeOptions options = make_analyze_options(SearchOptions{}, {});

  std::string open_error(const std::string& path) {
    auto r = open_and_analyze(path, policies, options);
    return r.ok() ? std::string() : r.error().message;
  }
};

}  // namespace

TEST_CASE("open_and_analyze validates the wheel like repair") {
  Env env;
  SECTION("a valid pure wheel opens, is pure and has no RECORD warning") {
    auto path = write_wheel(env.dir / "demo-1.0-py3-none-any.whl", demo_files());
    auto r = open_and_analyze(path, env.policies, env.options);
    REQUIRE(r.ok());
    CHECK(r->analysis.pure());
    CHECK(r->wheel.dist_info() == "demo-1.0.dist-info");
    CHECK(record_listing_problems(r->wheel).empty());
    CHECK(record_warning(r->wheel).empty());
  }
  SECTION("a bad file name") {
    auto path = write_wheel(env.dir / "demo-1.0.whl", demo_files());
    auto err = env.open_error(path);
    CHECK_THAT(err, Catch::Contains("demo-1.0.whl"));
  }
  SECTION("no WHEEL") {
    Files f = demo_files();
    f.erase(f.begin() + 1);
    auto path = write_wheel(env.dir / "demo-1.0-py3-none-any.whl", f);
    CHECK(env.open_error(path) == path + ": missing demo-1.0.dist-info/WHEEL");
  }
  SECTION("no METADATA") {
    Files f = demo_files();
    f.pop_back();
    auto path = write_wheel(env.dir / "demo-1.0-py3-none-any.whl", f);
    CHECK(env.open_error(path) == path + ": missing demo-1.0.dist-info/METADATA");
  }
  SECTION("Wheel-Version 2.0") {
    Files f = demo_files();
    f[1].second = "Wheel-Version: 2.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n";
    auto path = write_wheel(env.dir / "demo-1.0-py3-none-any.whl", f);
    auto err = env.open_error(path);
    CHECK_THAT(err, Catch::StartsWith(path + ": demo-1.0.dist-info/WHEEL"));
    CHECK_THAT(err, Catch::Contains("Wheel-Version"));
  }
}

TEST_CASE("record_listing_problems reports what the central directory shows") {
  Env env;
  Files f = demo_files();
  // RECORD: __init__.py with a wrong size, METADATA missing, WHEEL twice
  // (with a wrong hash but the right size: not seen, hashes are not
  // checked), a row for a file that is not there.
  std::string rec = "demo/__init__.py,sha256=x,99\n"
                    "demo-1.0.dist-info/WHEEL,sha256=x," + std::to_string(f[1].second.size()) + "\n"
                    "demo-1.0.dist-info/WHEEL,sha256=x," + std::to_string(f[1].second.size()) + "\n"
                    "demo/gone.py,sha256=x,3\n"
                    "demo-1.0.dist-info/RECORD,,\n";
  auto path = write_wheel(env.dir / "demo-1.0-py3-none-any.whl", f, rec);
  auto r = open_and_analyze(path, env.policies, env.options);
  REQUIRE(r.ok());
  CHECK(record_listing_problems(r->wheel) == std::vector<std::string>{
                                                 "demo-1.0.dist-info/WHEEL: listed more than once",
                                                 "demo/__init__.py: 6 bytes, RECORD says 99",
                                                 "demo-1.0.dist-info/METADATA: not listed",
                                                 "demo/gone.py: listed but not in the archive",
                                             });
  CHECK(record_warning(r->wheel, 2) == path +
                                           ": demo-1.0.dist-info/RECORD disagrees with the archive (repair "
                                           "regenerates it): demo-1.0.dist-info/WHEEL: listed more than once; "
                                           "demo/__init__.py: 6 bytes, RECORD says 99; and 2 more");
}

TEST_CASE("combine_status: any failure wins, then pure Python, then success") {
  CHECK(combine_status(kOk, kOk) == kOk);
  CHECK(combine_status(kOk, kPurePython) == kPurePython);
  CHECK(combine_status(kPurePython, kOk) == kPurePython);
  CHECK(combine_status(kOk, kFailure) == kFailure);
  CHECK(combine_status(kPurePython, kFailure) == kFailure);
  CHECK(combine_status(kFailure, kPurePython) == kFailure);
  CHECK(combine_status(kFailure, kOk) == kFailure);
}
