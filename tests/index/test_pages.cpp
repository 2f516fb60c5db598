// Names, escaping, wheel file names, METADATA fields and page rendering.
#include <catch.hpp>
#include <nlohmann/json.hpp>

#include "wheelfix/index/pages.hpp"
#include "wheelfix/index/scan.hpp"

using namespace wheelfix::index;

TEST_CASE("HTML escaping covers text and attribute metacharacters", "[index][escape]") {
  CHECK(html_escape("<a href=\"x\">&'</a>") == "&lt;a href=&quot;x&quot;&gt;&amp;&#x27;&lt;/a&gt;");
  CHECK(html_escape(">=3.8,!=3.9.*") == "&gt;=3.8,!=3.9.*");
  CHECK(html_escape("plain") == "plain");
}

TEST_CASE("file names are percent-encoded for URLs", "[index][escape]") {
  CHECK(url_escape_path_segment("pkg-1.0+local-py3-none-any.whl") == "pkg-1.0+local-py3-none-any.whl");
  CHECK(url_escape_path_segment("a b#c%d?e/f") == "a%20b%23c%25d%3Fe%2Ff");
  CHECK(url_escape_path_segment("\xc3\xa9") == "%C3%A9");
  CHECK(file_url("x y.whl", std::nullopt) == "../../files/x%20y.whl");
  CHECK(file_url("x.whl", std::string("https://h/pypi/")) == "https://h/pypi/files/x.whl");
  CHECK(file_url("x.whl", std::string("https://h/pypi")) == "https://h/pypi/files/x.whl");
}

TEST_CASE("versions sort numerically", "[index][versions]") {
  CHECK(version_less("1.9", "1.10"));
  CHECK_FALSE(version_less("1.10", "1.9"));
  CHECK(version_less("1.0", "1.0.1"));
  CHECK(version_less("1.99", "2.0"));
  CHECK_FALSE(version_less("2.0", "2.0"));
  CHECK(version_less("1.0a1", "1.0b1"));
}

TEST_CASE("wheel file names parse", "[index][names]") {
  auto n = parse_wheel_name("/some/dir/Foo.Bar_baz-1.2.3-1build-cp311-cp311-linux_x86_64.whl");
  REQUIRE(n);
  CHECK(n->filename == "Foo.Bar_baz-1.2.3-1build-cp311-cp311-linux_x86_64.whl");
  CHECK(n->distribution == "Foo.Bar_baz");
  CHECK(n->version == "1.2.3");
  CHECK(n->project == "foo-bar-baz");

  auto no_suffix = parse_wheel_name("foo-1.0-py3-none-any.zip");
  REQUIRE_FALSE(no_suffix);
  CHECK(no_suffix.error().message.find("foo-1.0-py3-none-any.zip") != std::string::npos);
  CHECK_FALSE(parse_wheel_name("foo-1.0-any.whl"));
  CHECK_FALSE(parse_wheel_name("foo-1.0-x-py3-none-any.whl"));  // build tag without a digit
  CHECK_FALSE(parse_wheel_name("foo--py3-none-any.whl"));
  CHECK_FALSE(parse_wheel_name("fo<o-1.0-py3-none-any.whl"));
}

TEST_CASE("METADATA fields are read from the header block only", "[index][metadata]") {
  std::string text =
      "Metadata-Version: 2.1\nName: foo\nrequires-python: >=3.8,\n  <4\nVersion: 1.0\n\n"
      "Requires-Python: body text, not a header\n";
  auto rp = metadata_field(text, "Requires-Python", "m");
  REQUIRE(rp);
  REQUIRE(rp->has_value());
  CHECK(**rp == ">=3.8, <4");
  auto name = metadata_field("Name: foo\r\nVersion: 1\r\n", "name", "m");
  REQUIRE(name);
  CHECK(name->value() == "foo");
  auto none = metadata_field("Name: foo\n\nRequires-Python: >=3\n", "Requires-Python", "m");
  REQUIRE(none);
  CHECK_FALSE(none->has_value());
  auto bad = metadata_field("Name: foo\nno colon here\n", "Name", "x.whl: METADATA");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message == "x.whl: METADATA: line 2: expected 'Name: value'");
}

namespace {

FileEntry entry(std::string filename, std::string version) {
  FileEntry e;
  e.filename = std::move(filename);
  e.version = std::move(version);
  e.url = file_url(e.filename, std::nullopt);
  e.sha256 = std::string(64, 'a');
  e.size = 1234;
  e.requires_python = ">=3.8";
  e.metadata_sha256 = std::string(64, 'b');
  return e;
}

}  // namespace

TEST_CASE("project HTML page has sorted anchors with hash, requires-python and metadata", "[index][html]") {
  auto b = entry("foo-1.10-py3-none-any.whl", "1.10");
  auto a = entry("foo-1.0-py3-none-any.whl", "1.0");
  a.requires_python.reset();
  a.metadata_sha256.reset();
  std::string html = render_project_html("foo", {b, a});
  CHECK(html.find("<!DOCTYPE html>") == 0);
  CHECK(html.find("<meta name=\"pypi:repository-version\" content=\"1.1\">") != std::string::npos);
  std::string want_a = "<a href=\"../../files/foo-1.0-py3-none-any.whl#sha256=" + std::string(64, 'a') +
                       "\">foo-1.0-py3-none-any.whl</a>";
  std::string want_b = "<a href=\"../../files/foo-1.10-py3-none-any.whl#sha256=" + std::string(64, 'a') +
                       "\" data-requires-python=\"&gt;=3.8\" data-core-metadata=\"sha256=" +
                       std::string(64, 'b') + "\">foo-1.10-py3-none-any.whl</a>";
  auto pa = html.find(want_a), pb = html.find(want_b);
  REQUIRE(pa != std::string::npos);
  REQUIRE(pb != std::string::npos);
  CHECK(pa < pb);
  CHECK(html.find("dist-info-metadata") == std::string::npos);  // pip 22.3-23.1: pypa/pip#12038
  CHECK(html == render_project_html("foo", {a, b}));  // input order does not matter
}

TEST_CASE("project JSON page follows PEP 691 / 700", "[index][json]") {
  auto a = entry("foo-1.9-py3-none-any.whl", "1.9");
  auto b = entry("foo-1.10-py3-none-any.whl", "1.10");
  auto c = entry("foo-1.10-cp311-cp311-linux_x86_64.whl", "1.10");
  c.requires_python.reset();
  auto j = nlohmann::json::parse(render_project_json("foo", {a, b, c}));
  CHECK(j["meta"]["api-version"] == "1.1");
  CHECK(j["name"] == "foo");
  CHECK(j["versions"] == nlohmann::json({"1.9", "1.10"}));
  REQUIRE(j["files"].size() == 3);
  const auto& f0 = j["files"][0];  // sorted by file name
  CHECK(f0["filename"] == "foo-1.10-cp311-cp311-linux_x86_64.whl");
  CHECK(f0["requires-python"].is_null());
  const auto& f2 = j["files"][2];
  CHECK(f2["filename"] == "foo-1.9-py3-none-any.whl");
  CHECK(f2["url"] == "../../files/foo-1.9-py3-none-any.whl");
  CHECK(f2["hashes"] == nlohmann::json({{"sha256", std::string(64, 'a')}}));
  CHECK(f2["requires-python"] == ">=3.8");
  CHECK(f2["core-metadata"] == nlohmann::json({{"sha256", std::string(64, 'b')}}));
  CHECK_FALSE(f2.contains("dist-info-metadata"));  // breaks pip < 23.2
  CHECK(f2["size"] == 1234);
  CHECK(f2["yanked"] == false);
}

TEST_CASE("root pages list projects sorted and unique", "[index][root]") {
  std::string html = render_root_html({"zeta", "alpha", "alpha"});
  auto pa = html.find("<a href=\"alpha/\">alpha</a>"), pz = html.find("<a href=\"zeta/\">zeta</a>");
  REQUIRE(pa != std::string::npos);
  REQUIRE(pz != std::string::npos);
  CHECK(pa < pz);
  CHECK(html.find("href=\"alpha/\"", html.find("href=\"alpha/\"") + 1) == std::string::npos);  // once
  auto j = nlohmann::json::parse(render_root_json({"zeta", "alpha"}));
  CHECK(j["meta"]["api-version"] == "1.1");
  CHECK(j["projects"] == nlohmann::json::parse(R"([{"name":"alpha"},{"name":"zeta"}])"));
}
