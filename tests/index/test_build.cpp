// build_index()/update_index() on real wheels written by Python's zipfile:
// content of the pages, merging runs, conflicts, determinism, linking.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <future>

#include <catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "support.hpp"
#include "wheelfix/index/index.hpp"

using namespace wheelfix::index;
using namespace index_test;
namespace fs = std::filesystem;

namespace {

IndexOptions opts(std::vector<std::string> wheelhouses, const std::string& out) {
  IndexOptions o;
  o.wheelhouses = std::move(wheelhouses);
  o.out_dir = out;
  return o;
}

std::string mkdir(const TempDir& t, const std::string& name) {
  fs::create_directories(t / name);
  return t / name;
}

}  // namespace

TEST_CASE("index writes PEP 503/691/658 files for real wheels", "[index][build]") {
  TempDir t;
  std::string wh = mkdir(t, "wh");
  std::string foo = make_wheel(wh, spec("Foo.Bar_baz", "1.0").with_requires_python(">=3.8"));
  std::string qux = make_wheel(wh, spec("qux", "2.0"));
  std::string out = t / "out";
  auto summary = update_index(opts({wh}, out));
  REQUIRE(summary);
  CHECK(summary->added_files ==
        std::vector<std::string>{"Foo.Bar_baz-1.0-py3-none-any.whl", "qux-2.0-py3-none-any.whl"});
  CHECK(summary->updated_projects == std::vector<std::string>{"foo-bar-baz", "qux"});
  CHECK(summary->root_written);

  std::string fn = "Foo.Bar_baz-1.0-py3-none-any.whl";
  std::string copied = out + "/files/" + fn;
  CHECK(read_file(copied) == read_file(foo));
  std::string metadata = read_file(copied + ".metadata");
  CHECK(metadata == zip_metadata(foo));
  CHECK(metadata.find("Requires-Python: >=3.8\n") != std::string::npos);

  std::string hash = sha256sum(foo), meta_hash = sha256sum(copied + ".metadata");
  std::string html = read_file(out + "/simple/foo-bar-baz/index.html");
  CHECK(html.find("<a href=\"../../files/" + fn + "#sha256=" + hash +
                  "\" data-requires-python=\"&gt;=3.8\" data-core-metadata=\"sha256=" + meta_hash + "\">" + fn +
                  "</a>") != std::string::npos);

  auto j = nlohmann::json::parse(read_file(out + "/simple/foo-bar-baz/index.json"));
  CHECK(j["meta"]["api-version"] == "1.1");
  CHECK(j["name"] == "foo-bar-baz");
  CHECK(j["versions"] == nlohmann::json({"1.0"}));
  REQUIRE(j["files"].size() == 1);
  CHECK(j["files"][0]["filename"] == fn);
  CHECK(j["files"][0]["hashes"]["sha256"] == hash);
  CHECK(j["files"][0]["core-metadata"]["sha256"] == meta_hash);
  CHECK(j["files"][0]["size"] == fs::file_size(foo));
  CHECK(j["files"][0]["requires-python"] == ">=3.8");

  auto qj = nlohmann::json::parse(read_file(out + "/simple/qux/index.json"));
  CHECK(qj["files"][0]["requires-python"].is_null());
  CHECK(read_file(out + "/simple/qux/index.html").find("data-requires-python") == std::string::npos);

  std::string root = read_file(out + "/simple/index.html");
  CHECK(root.find("<a href=\"foo-bar-baz/\">foo-bar-baz</a>") != std::string::npos);
  CHECK(root.find("<a href=\"qux/\">qux</a>") != std::string::npos);
  auto rj = nlohmann::json::parse(read_file(out + "/simple/index.json"));
  CHECK(rj["projects"] == nlohmann::json::parse(R"([{"name":"foo-bar-baz"},{"name":"qux"}])"));
}

TEST_CASE("a second run merges and rewrites only the affected pages", "[index][build][merge]") {
  TempDir t;
  std::string a = mkdir(t, "a"), b = mkdir(t, "b"), c = mkdir(t, "c");
  make_wheel(a, spec("foo", "1.0"));
  make_wheel(a, spec("bar", "1.0"));
  make_wheel(b, spec("foo", "1.1"));
  make_wheel(b, spec("foo", "1.0"));  // same bytes as a's: unchanged
  make_wheel(c, spec("newproj", "0.1"));
  std::string out = t / "out";
  REQUIRE(build_index(opts({a}, out)));
  auto bar_page = inode(out + "/simple/bar/index.html");
  auto root_page = inode(out + "/simple/index.html");

  auto second = update_index(opts({b}, out));
  REQUIRE(second);
  CHECK(second->added_files == std::vector<std::string>{"foo-1.1-py3-none-any.whl"});
  CHECK(second->unchanged_files == std::vector<std::string>{"foo-1.0-py3-none-any.whl"});
  CHECK(second->updated_projects == std::vector<std::string>{"foo"});
  CHECK_FALSE(second->root_written);
  CHECK(second->total_files == 3);
  CHECK(inode(out + "/simple/bar/index.html") == bar_page);  // not rewritten
  CHECK(inode(out + "/simple/index.html") == root_page);
  auto j = nlohmann::json::parse(read_file(out + "/simple/foo/index.json"));
  REQUIRE(j["files"].size() == 2);
  CHECK(j["versions"] == nlohmann::json({"1.0", "1.1"}));
  CHECK(fs::exists(out + "/files/foo-1.0-py3-none-any.whl.metadata"));

  auto third = update_index(opts({c}, out));
  REQUIRE(third);
  CHECK(third->root_written);
  CHECK(third->total_projects == 3);
  auto rj = nlohmann::json::parse(read_file(out + "/simple/index.json"));
  CHECK(rj["projects"].size() == 3);

  // The merged result equals one run over everything.
  std::string all = t / "all";
  REQUIRE(build_index(opts({c, b, a}, all)));
  CHECK(tree(all) == tree(out));
}

TEST_CASE("missing pages and .metadata files are regenerated from OUT/files", "[index][build][merge]") {
  TempDir t;
  std::string a = mkdir(t, "a"), b = mkdir(t, "b");
  make_wheel(a, spec("foo", "1.0"));
  make_wheel(b, spec("foo", "2.0"));
  std::string out = t / "out";
  REQUIRE(build_index(opts({a}, out)));
  auto before = tree(out);
  fs::remove(out + "/files/foo-1.0-py3-none-any.whl.metadata");
  fs::remove(out + "/simple/foo/index.json");
  auto again = update_index(opts({a}, out));
  REQUIRE(again);
  CHECK(again->updated_projects == std::vector<std::string>{"foo"});
  CHECK(tree(out) == before);
  REQUIRE(build_index(opts({b}, out)));
  CHECK(nlohmann::json::parse(read_file(out + "/simple/foo/index.json"))["files"].size() == 2);
}

TEST_CASE("same file name with different content is an error and writes nothing", "[index][build][conflict]") {
  TempDir t;
  std::string a = mkdir(t, "a"), b = mkdir(t, "b"), c = mkdir(t, "c");
  make_wheel(a, spec("foo", "1.0"));
  make_wheel(b, spec("foo", "1.0").with_module_text("VALUE = 2\n"));
  make_wheel(b, spec("other", "1.0"));
  std::string out = t / "out";
  REQUIRE(build_index(opts({a}, out)));
  auto before = tree(out);

  auto r = build_index(opts({b}, out));
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("foo-1.0-py3-none-any.whl") != std::string::npos);
  CHECK(r.error().message.find("different content") != std::string::npos);
  CHECK(tree(out) == before);  // "other" was not added either

  // Two inputs of one run that disagree.
  make_wheel(c, spec("foo", "1.0").with_module_text("VALUE = 3\n"));
  auto r2 = build_index(opts({b, c}, t / "fresh"));
  REQUIRE_FALSE(r2);
  CHECK(r2.error().message.find("two inputs") != std::string::npos);
  CHECK_FALSE(fs::exists(t / "fresh"));
}

TEST_CASE("invalid inputs are errors naming the file", "[index][build][invalid]") {
  TempDir t;
  std::string wh = mkdir(t, "wh");
  std::string out = t / "out";
  SECTION("not a zip") {
    write_file(wh + "/junk-1.0-py3-none-any.whl", "this is not a zip archive");
    auto r = build_index(opts({wh}, out));
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("junk-1.0-py3-none-any.whl") != std::string::npos);
  }
  SECTION("METADATA Name does not match the file name") {
    make_wheel(wh, spec("foo", "1.0").with_meta_name("bar"));
    auto r = build_index(opts({wh}, out));
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("foo-1.0-py3-none-any.whl") != std::string::npos);
    CHECK(r.error().message.find("'bar'") != std::string::npos);
  }
  SECTION("METADATA over the size limit") {
    // Refused before it is read: no 2 GiB .metadata file for a METADATA bomb.
    make_wheel(wh, spec("big", "1.0").with_description_bytes((8 << 20) + 1));
    auto r = build_index(opts({wh}, out));
    REQUIRE_FALSE(r);
    CHECK(r.error().message == wh + "/big-1.0-py3-none-any.whl: big-1.0.dist-info/METADATA: 8388609 bytes is over "
                                    "the limit of 8388608 bytes for this file");
  }
  SECTION("bad file name, empty folder, missing path") {
    std::string bad = t / "notawheel.whl";
    write_file(bad, "x");
    auto r = build_index(opts({bad}, out));
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("notawheel.whl") != std::string::npos);
    auto empty = build_index(opts({wh}, out));
    REQUIRE_FALSE(empty);
    CHECK(empty.error().message == wh + ": folder contains no .whl files");
    auto missing = build_index(opts({t / "nope"}, out));
    REQUIRE_FALSE(missing);
    CHECK(missing.error().message.find("nope") != std::string::npos);
  }
  CHECK_FALSE(fs::exists(out));
}

TEST_CASE("output is deterministic", "[index][build][determinism]") {
  TempDir t;
  std::string a = mkdir(t, "a"), b = mkdir(t, "b");
  make_wheel(a, spec("zeta", "1.0").with_requires_python(">=3.7, <4"));
  make_wheel(a, spec("Alpha", "0.9"));
  make_wheel(b, spec("alpha", "0.10"));
  REQUIRE(build_index(opts({a, b}, t / "one")));
  REQUIRE(build_index(opts({b, a}, t / "two")));
  auto one = tree(t / "one"), two = tree(t / "two");
  CHECK(one.size() == 13);  // 3 wheels, 3 .metadata, 2 projects x 2 pages, 2 root pages, the lock
  CHECK(one == two);
  auto j = nlohmann::json::parse(one["simple/alpha/index.json"]);
  CHECK(j["versions"] == nlohmann::json({"0.9", "0.10"}));
}

TEST_CASE("--link hard-links and --base-url makes absolute links", "[index][build][options]") {
  TempDir t;
  std::string wh = mkdir(t, "wh");
  std::string src = make_wheel(wh, spec("foo", "1.0"));
  IndexOptions o = opts({src}, t / "out");
  o.link = true;
  o.base_url = "https://pypi.example/internal/";
  REQUIRE(build_index(o));
  std::string dst = t / "out/files/foo-1.0-py3-none-any.whl";
  CHECK(inode(dst) == inode(src));
  std::string html = read_file(t / "out/simple/foo/index.html");
  CHECK(html.find("href=\"https://pypi.example/internal/files/foo-1.0-py3-none-any.whl#sha256=") !=
        std::string::npos);
  // A symlinked input is linked through to the wheel itself.
  std::string sym = mkdir(t, "sym") + "/bar-1.0-py3-none-any.whl";
  fs::create_symlink(make_wheel(wh, spec("bar", "1.0")), sym);
  o.wheelhouses = {t / "sym"};
  REQUIRE(build_index(o));
  CHECK_FALSE(fs::is_symlink(t / "out/files/bar-1.0-py3-none-any.whl"));
  CHECK(inode(t / "out/files/bar-1.0-py3-none-any.whl") == inode(wh + "/bar-1.0-py3-none-any.whl"));
  // Without --link the file is a copy.
  REQUIRE(build_index(opts({src}, t / "copy")));
  CHECK(inode(t / "copy/files/foo-1.0-py3-none-any.whl") != inode(src));
}

TEST_CASE("concurrent runs into one folder take turns", "[index][build][lock]") {
  TempDir t;
  std::string a = mkdir(t, "a");
  make_wheel(a, spec("foo", "1.0"));
  std::string out = mkdir(t, "out");
  int fd = ::open((out + "/.wheelfix-index.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(::flock(fd, LOCK_EX) == 0);  // another run holds the folder
  auto run = std::async(std::launch::async, [&] { return build_index(opts({a}, out)); });
  CHECK(run.wait_for(std::chrono::milliseconds(300)) == std::future_status::timeout);
  CHECK_FALSE(fs::exists(out + "/files"));
  ::close(fd);  // releases the lock
  REQUIRE(run.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
  CHECK(run.get());
  CHECK(fs::exists(out + "/simple/foo/index.html"));
}
