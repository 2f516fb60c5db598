// Wheel file names, WHEEL, METADATA and RECORD parsing/writing edge cases.
#include <catch.hpp>

#include "wheel/test_support.hpp"
#include "wheelfix/util/hash.hpp"
#include "wheelfix/wheel/metadata.hpp"
#include "wheelfix/wheel/record.hpp"
#include "wheelfix/wheel/wheel_filename.hpp"

using namespace wheelfix::wheel;
using wheelfix::util::as_bytes;

TEST_CASE("wheel file names parse, expand and format") {
  auto f = WheelFilename::parse("dist/Foo_Bar-1.2.3+local-42abc-cp311.cp312-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl");
  REQUIRE(f.ok());
  CHECK(f->distribution == "Foo_Bar");
  CHECK(f->version == "1.2.3+local");
  CHECK(f->build == "42abc");
  CHECK(f->python_tags == std::vector<std::string>{"cp311", "cp312"});
  CHECK(f->abi_tags == std::vector<std::string>{"abi3"});
  CHECK(f->platform_tags == std::vector<std::string>{"manylinux_2_17_x86_64", "manylinux2014_x86_64"});
  CHECK(f->to_string() == "Foo_Bar-1.2.3+local-42abc-cp311.cp312-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl");
  auto tags = f->tags();
  REQUIRE(tags.size() == 4);
  CHECK(tags[0].to_string() == "cp311-abi3-manylinux_2_17_x86_64");
  CHECK(tags[1].to_string() == "cp311-abi3-manylinux2014_x86_64");
  CHECK(tags[3].to_string() == "cp312-abi3-manylinux2014_x86_64");
  CHECK(f->name_version() == "Foo_Bar-1.2.3+local");

  auto plain = WheelFilename::parse("pkg-1.0-py3-none-any.whl");
  REQUIRE(plain.ok());
  CHECK_FALSE(plain->build.has_value());
  CHECK(plain->to_string() == "pkg-1.0-py3-none-any.whl");
}

TEST_CASE("bad wheel file names name the bad part") {
  auto err = [](const char* n) { return WheelFilename::parse(n).error().message; };
  CHECK(err("pkg-1.0-py3-none-any.zip") == "pkg-1.0-py3-none-any.zip: a wheel file name must end with .whl");
  CHECK(err("pkg-1.0-py3-any.whl") ==
        "pkg-1.0-py3-any.whl: expected {dist}-{version}(-{build})?-{python}-{abi}-{platform}.whl, got 4 '-'-separated fields");
  CHECK(err("a-b-1-2-py3-none-any.whl").find("got 7") != std::string::npos);
  CHECK(err("pkg-1.0-x1-py3-none-any.whl") == "pkg-1.0-x1-py3-none-any.whl: build tag 'x1' must start with a digit");
  CHECK(err("pkg-1.0-py3..py2-none-any.whl") == "pkg-1.0-py3..py2-none-any.whl: bad python tag 'py3..py2'");
  CHECK(err("pkg-1.0-py3-none-.whl") == "pkg-1.0-py3-none-.whl: bad platform tag ''");
  CHECK(err("p@kg-1.0-py3-none-any.whl") == "p@kg-1.0-py3-none-any.whl: bad distribution name 'p@kg'");
  CHECK(err("pkg--py3-none-any.whl") == "pkg--py3-none-any.whl: bad version ''");
  CHECK(err("pkg-1.0-py3-no ne-any.whl") == "pkg-1.0-py3-no ne-any.whl: bad abi tag 'no ne'");
}

TEST_CASE("distribution names normalize (PEP 503)") {
  CHECK(normalize_project_name("Foo.Bar--baz") == "foo-bar-baz");
  CHECK(normalize_project_name("Foo.Bar_baz") == "foo-bar-baz");
  CHECK(normalize_project_name("foo_bar_baz") == "foo-bar-baz");
  CHECK(normalize_project_name("NumPy") == "numpy");
  CHECK(normalize_project_name("a-_.b") == "a-b");
  CHECK(normalize_project_name("a--_.B") == "a-b");
  CHECK(normalize_project_name("zope.interface") == "zope-interface");
  CHECK(normalize_project_name("already-normal") == "already-normal");
}

TEST_CASE("WHEEL parses, keeps key order and rewrites tags") {
  std::string text = "Wheel-Version: 1.0\nGenerator: bdist_wheel (0.41.2)\nRoot-Is-Purelib: false\n"
                     "Tag: cp311-cp311-linux_x86_64\nTag: cp311-cp311-linux_i686\nBuild: 7\n";
  auto w = WheelInfo::parse(text, "WHEEL");
  REQUIRE(w.ok());
  CHECK(w->version_major == 1);
  CHECK(w->version_minor == 0);
  CHECK_FALSE(w->root_is_purelib);
  CHECK(w->tags == std::vector<std::string>{"cp311-cp311-linux_x86_64", "cp311-cp311-linux_i686"});
  CHECK(w->build == "7");
  CHECK(w->to_string() == text);
  w->set_tags({"cp311-cp311-manylinux_2_17_x86_64", "cp311-cp311-manylinux2014_x86_64"});
  CHECK(w->to_string() == "Wheel-Version: 1.0\nGenerator: bdist_wheel (0.41.2)\nRoot-Is-Purelib: false\n"
                          "Tag: cp311-cp311-manylinux_2_17_x86_64\nTag: cp311-cp311-manylinux2014_x86_64\nBuild: 7\n");
  w->headers.set("Generator", "wheelfix 0.1.0");
  CHECK(w->to_string().find("Generator: wheelfix 0.1.0\nRoot-Is-Purelib") != std::string::npos);

  auto crlf = WheelInfo::parse("Wheel-Version: 1.9\r\nroot-is-purelib: TRUE\r\n", "WHEEL");
  REQUIRE(crlf.ok());
  CHECK(crlf->version_minor == 9);
  CHECK(crlf->root_is_purelib);
  crlf->set_tags({"py3-none-any"});
  CHECK(crlf->to_string() == "Wheel-Version: 1.9\nroot-is-purelib: TRUE\nTag: py3-none-any\n");
}

TEST_CASE("WHEEL errors") {
  auto err = [](const std::string& t) { return WheelInfo::parse(t, "x.whl: x-1.dist-info/WHEEL").error().message; };
  const std::string p = "x.whl: x-1.dist-info/WHEEL: ";
  CHECK(err("Wheel-Version: 1.0\nRoot-Is-Purelib: true\nGenerator: a\ngenerator: b\n") ==
        p + "key 'generator' appears more than once");
  CHECK(err("Wheel-Version: 2.0\nRoot-Is-Purelib: true\n") ==
        p + "Wheel-Version 2.0 is not supported (the major version must be 1)");
  CHECK(err("Wheel-Version: one\nRoot-Is-Purelib: true\n") == p + "malformed Wheel-Version 'one'");
  CHECK(err("Wheel-Version: 1.\nRoot-Is-Purelib: true\n") == p + "malformed Wheel-Version '1.'");
  CHECK(err("Root-Is-Purelib: true\n") == p + "missing Wheel-Version");
  CHECK(err("Wheel-Version: 1.0\n") == p + "missing Root-Is-Purelib");
  CHECK(err("Wheel-Version: 1.0\nRoot-Is-Purelib: yes\n") == p + "Root-Is-Purelib must be true or false, not 'yes'");
  CHECK(err("Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none\n") ==
        p + "bad Tag 'py3-none' (expected python-abi-platform)");
  CHECK(err("Wheel-Version: 1.0\nthis line has no colon\n") == p + "line 2: expected 'Name: value'");
  CHECK(err(" leading continuation\n") == p + "line 1: continuation line before any field");
}

TEST_CASE("header lines ending in several CRs survive a write") {
  // fuzz/regressions/wheel_metadata/header-trailing-crs
  auto h = Headers::parse("Tag: a\r\r\n\tb\r\r\r\nName: \r\rx\r\n", "WHEEL");
  REQUIRE(h.ok());
  REQUIRE(h->fields.size() == 2);
  CHECK(h->fields[0].value == "a\n\tb");
  auto again = Headers::parse(h->to_string(), "WHEEL");
  REQUIRE(again.ok());
  REQUIRE(again->fields.size() == 2);
  CHECK(again->fields[0].value == h->fields[0].value);
  CHECK(again->fields[1].value == h->fields[1].value);
}

TEST_CASE("METADATA exposes Name, Version, Requires-Python and keeps the body") {
  std::string text = "Metadata-Version: 2.1\nName: Foo-Bar\nVersion: 2.0.1\nRequires-Python: >=3.8\n"
                     "Classifier: A\nClassifier: B\nLicense: line one\n        line two\n\nLong description\n\nmore\n";
  auto m = Metadata::parse(text, "METADATA");
  REQUIRE(m.ok());
  CHECK(m->name == "Foo-Bar");
  CHECK(m->version == "2.0.1");
  CHECK(m->requires_python == ">=3.8");
  CHECK(m->headers.get_all("classifier") == std::vector<std::string>{"A", "B"});
  CHECK(*m->headers.get("License") == "line one\n        line two");
  CHECK(m->headers.body == "Long description\n\nmore\n");
  CHECK(m->headers.to_string() == text);
  auto none = Metadata::parse("Name: x\nVersion: 1\n", "M");
  REQUIRE(none.ok());
  CHECK_FALSE(none->requires_python.has_value());
  CHECK(Metadata::parse("Version: 1\n", "M").error().message == "M: missing Name");
  CHECK(Metadata::parse("Name: x\nVersion:\n", "M").error().message == "M: missing Version");
}

TEST_CASE("RECORD parses quoted CSV and writes it back") {
  std::string text = "pkg/a.py,sha256=abc,12\n\"pkg/with,comma.py\",sha256=def,3\r\n"
                     "\"pkg/q\"\"uote.py\",sha256=x,0\n\npkg-1.0.dist-info/RECORD,,\n";
  auto rows = parse_record(text, "RECORD");
  REQUIRE(rows.ok());
  REQUIRE(rows->size() == 4);
  CHECK((*rows)[0] == RecordRow{"pkg/a.py", "sha256=abc", 12});
  CHECK((*rows)[1].path == "pkg/with,comma.py");
  CHECK((*rows)[2].path == "pkg/q\"uote.py");
  CHECK((*rows)[3] == RecordRow{"pkg-1.0.dist-info/RECORD", "", std::nullopt});
  std::string out = format_record(*rows);
  CHECK(out == "pkg/a.py,sha256=abc,12\n\"pkg/with,comma.py\",sha256=def,3\n\"pkg/q\"\"uote.py\",sha256=x,0\n"
               "pkg-1.0.dist-info/RECORD,,\n");
  CHECK(parse_record(out, "R").value() == *rows);
  auto nl = parse_record("\"a\nb\",sha256=x,1\nc,,\n", "R");
  REQUIRE(nl.ok());
  CHECK((*nl)[0].path == "a\nb");
  CHECK(parse_record("a,b\n", "R").error().message == "R: line 1: expected 3 fields (path,hash,size), got 2");
  CHECK(parse_record("a,b,1\nc,d,e,f\n", "R").error().message == "R: line 2: expected 3 fields (path,hash,size), got 4");
  CHECK(parse_record("a,b,1x\n", "R").error().message == "R: line 1: bad size '1x'");
  CHECK(parse_record(",b,1\n", "R").error().message == "R: line 1: empty path");
  CHECK(parse_record("a,b,1\n\"open,x,1\n", "R").error().message == "R: line 2: unclosed quote");
  CHECK(parse_record("", "R").value().empty());
}

TEST_CASE("RECORD hashes match Python's hashlib") {
  wheel_test::TempDir dir;
  std::string data = "hello wheel\n";
  wheel_test::write_file(dir / "in.txt", data);
  std::string py = wheel_test::capture(
      "cd '" + dir.path() + "' && python3 -c \"import hashlib, base64; "
      "print('sha256=' + base64.urlsafe_b64encode(hashlib.sha256(open('in.txt','rb').read()).digest())"
      ".rstrip(b'=').decode())\"");
  CHECK(record_hash(as_bytes(data)) + "\n" == py);
  CHECK(record_hash(as_bytes(std::string_view())) == "sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU");
  CHECK(record_row("a", as_bytes(data)).size == data.size());
  CHECK(is_record_signature("x-1.dist-info/RECORD.jws", "x-1.dist-info/RECORD"));
  CHECK(is_record_signature("x-1.dist-info/RECORD.p7s", "x-1.dist-info/RECORD"));
  CHECK_FALSE(is_record_signature("x-1.dist-info/RECORD", "x-1.dist-info/RECORD"));
  CHECK_FALSE(is_record_signature("x-1.dist-info/RECORD.txt", "x-1.dist-info/RECORD"));
}
