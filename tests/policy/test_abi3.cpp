// The Stable ABI data and the abi3 check of limited-API wheels.
#include <catch2/catch.hpp>

#include "fixtures.hpp"
#include "wheelfix/policy/abi3.hpp"
#include "wheelfix/util/mapped_file.hpp"

using namespace wheelfix;
using namespace wheelfix::policy;
using namespace wheelfix::policy::test;

namespace {

using Tags = std::vector<std::string>;

std::string data_file() { return policy_dir() + "/stable_abi/stable-abi.json"; }

// The project's Stable ABI data file, loaded once.
const StableAbi& real_abi() {
  static const StableAbi abi = [] {
    auto loaded = load_stable_abi(data_file());
    if (!loaded.ok()) FAIL(loaded.error().message);
    return std::move(loaded).value();
  }();
  return abi;
}

// A small data file in the same format.
StableAbi small_abi() {
  auto abi = parse_stable_abi(R"({"source": "test", "symbols": {
      "PyArg_ParseTuple": {"kind": "function", "added": "3.2"},
      "PyExc_TypeError": {"kind": "data", "added": "3.2"},
      "_Py_Dealloc": {"kind": "function", "added": "3.2", "abi_only": true},
      "PyType_FromSpec": {"kind": "function", "added": "3.4"},
      "PyUnicode_AsUTF8AndSize": {"kind": "function", "added": "3.10"},
      "Py_Version": {"kind": "data", "added": "3.11", "ifdef": "X"}}})",
                              "small.json");
  if (!abi.ok()) FAIL(abi.error().message);
  return std::move(abi).value();
}

// A graph with one in-wheel extension importing `imports` (and libc's malloc).
Graph ext_importing(const std::vector<std::string>& imports) {
  GraphBuilder b;
  int ext = b.wheel("pkg/_ext.abi3.so");
  b[ext].undefined_strong = imports;
  b[ext].undefined_strong.push_back("malloc");
  int other = b.external("/usr/lib/libfoo.so.1");
  b[other].undefined_strong = {"_PyNotStable"};  // outside the wheel: not checked
  return b.graph;
}

}  // namespace

TEST_CASE("versions and cp tags") {
  CHECK(PythonVersion::parse("3.10") == PythonVersion{3, 10});
  CHECK(PythonVersion{3, 9} < PythonVersion{3, 10});
  CHECK_FALSE(PythonVersion::parse("3"));
  CHECK_FALSE(PythonVersion::parse("3.x"));
  CHECK(PythonVersion::from_cp_tag("cp37") == PythonVersion{3, 7});
  CHECK(PythonVersion::from_cp_tag("cp310") == PythonVersion{3, 10});
  for (const char* t : {"cp3", "py3", "pp310", "cp27", "cp3x"}) CHECK_FALSE(PythonVersion::from_cp_tag(t));
  CHECK(PythonVersion{3, 12}.cp_tag() == "cp312");
  CHECK(PythonVersion{3, 12}.to_string() == "3.12");
}

TEST_CASE("the project's Stable ABI data file") {
  const StableAbi& abi = real_abi();
  CHECK(abi.symbols.size() > 800);
  REQUIRE(abi.find("PyUnicode_AsUTF8AndSize"));
  CHECK(abi.find("PyUnicode_AsUTF8AndSize")->added == PythonVersion{3, 10});
  REQUIRE(abi.find("_PyObject_GC_New"));  // an ABI-only _Py name
  CHECK(abi.find("_PyObject_GC_New")->abi_only);
  CHECK(abi.find("PyExc_TypeError")->data);
  CHECK_FALSE(abi.find("_PyLong_AsByteArray"));
  CHECK_FALSE(abi.find("Py_INCREF"));  // a macro, not a symbol

  // The copy compiled into the binary is the same file.
  auto embedded = embedded_stable_abi_files();
  REQUIRE(embedded.size() == 1);
  auto text = util::read_text_file(data_file());
  REQUIRE(text.ok());
  CHECK(embedded[0].text == *text);
}

TEST_CASE("malformed Stable ABI data is an error naming the symbol") {
  auto bad = [](const char* json) {
    auto r = parse_stable_abi(json, "x.json");
    REQUIRE_FALSE(r.ok());
    return r.error().message;
  };
  CHECK(bad("[]") == "x.json: expected a JSON object with \"symbols\"");
  CHECK(bad("{\"symbols\": {}}").starts_with("x.json: \"symbols\" must be"));
  CHECK(bad(R"({"symbols": {"PyFoo": {"kind": "macro", "added": "3.2"}}})") ==
        "x.json: symbols.PyFoo.kind must be \"function\" or \"data\"");
  CHECK(bad(R"({"symbols": {"PyFoo": {"kind": "data", "added": 3.2}}})") ==
        "x.json: symbols.PyFoo.added must be a version string such as \"3.10\"");
  CHECK(bad(R"({"symbols": {"PyFoo": {"kind": "data", "added": "3.2", "abi_only": 1}}})") ==
        "x.json: symbols.PyFoo.abi_only must be true or false");
  CHECK(bad("{").starts_with("x.json: invalid JSON"));
}

TEST_CASE("a wheel without the abi3 tag is not checked") {
  auto c = check_abi3(ext_importing({"_PyLong_AsByteArray"}), Tags{"cp311"}, Tags{"cp311"}, small_abi());
  CHECK_FALSE(c.applies);
  CHECK(c.problems.empty());
}

TEST_CASE("Stable ABI imports no newer than the claim hold, ABI-only _Py names included") {
  auto c = check_abi3(ext_importing({"PyArg_ParseTuple", "PyExc_TypeError", "_Py_Dealloc", "PyType_FromSpec"}),
                      Tags{"cp37"}, Tags{"abi3"}, small_abi());
  CHECK(c.applies);
  CHECK(c.claimed == PythonVersion{3, 7});
  CHECK(c.required == PythonVersion{3, 7});
  CHECK(c.imports == 4);
  CHECK(c.problems.empty());
}

TEST_CASE("imports added after the claimed version are too new; the lowest tag that holds is their newest") {
  auto c = check_abi3(ext_importing({"PyUnicode_AsUTF8AndSize", "Py_Version", "PyType_FromSpec"}), Tags{"cp37"},
                      Tags{"abi3"}, small_abi());
  REQUIRE(c.problems.size() == 2);
  CHECK(c.problems[0] == Abi3Problem{Abi3ProblemKind::too_new, "pkg/_ext.abi3.so", "PyUnicode_AsUTF8AndSize",
                                     PythonVersion{3, 10}, PythonVersion{3, 7}});
  CHECK(c.problems[0].describe() ==
        "pkg/_ext.abi3.so imports PyUnicode_AsUTF8AndSize, in the Stable ABI only since 3.10 (the tag claims 3.7)");
  CHECK(c.problems[1].symbol == "Py_Version");
  CHECK(c.required == PythonVersion{3, 11});
  CHECK_FALSE(c.has_not_stable());
  // cp311-abi3 claims what the imports need.
  CHECK(check_abi3(ext_importing({"PyUnicode_AsUTF8AndSize", "Py_Version"}), Tags{"cp311"}, Tags{"abi3"},
                   small_abi()).problems.empty());
  // The lowest cp tag is the claim.
  CHECK(check_abi3(ext_importing({"PyUnicode_AsUTF8AndSize"}), Tags{"cp312", "cp37"}, Tags{"abi3"}, small_abi())
            .problems.size() == 1);
}

TEST_CASE("an import outside the Stable ABI is not_stable, whatever the version") {
  auto c = check_abi3(ext_importing({"_PyLong_AsByteArray", "PyUnicode_AsUTF8AndSize"}), Tags{"cp37"},
                      Tags{"abi3"}, small_abi());
  REQUIRE(c.problems.size() == 2);
  CHECK(c.problems[1].kind == Abi3ProblemKind::not_stable);
  CHECK(c.problems[1].describe() == "pkg/_ext.abi3.so imports _PyLong_AsByteArray, which is not in the Stable ABI");
  CHECK(c.has_not_stable());
  CHECK(c.required == PythonVersion{3, 10});  // from the Stable ABI imports alone
  // Without a cp3X python tag only not_stable is reported.
  auto untagged = check_abi3(ext_importing({"_PyLong_AsByteArray", "PyUnicode_AsUTF8AndSize"}), Tags{"py3"},
                             Tags{"abi3"}, small_abi());
  REQUIRE(untagged.problems.size() == 1);
  CHECK(untagged.problems[0].kind == Abi3ProblemKind::not_stable);
  CHECK_FALSE(untagged.required);
}

TEST_CASE("raise_python_tags replaces lower CPython tags only") {
  CHECK(raise_python_tags(Tags{"cp37"}, {3, 10}) == Tags{"cp310"});
  CHECK(raise_python_tags(Tags{"cp37", "cp312"}, {3, 10}) == Tags{"cp310", "cp312"});
  CHECK(raise_python_tags(Tags{"cp37", "cp38"}, {3, 10}) == Tags{"cp310"});
  CHECK(raise_python_tags(Tags{"py3", "cp37"}, {3, 10}) == Tags{"py3", "cp310"});
}
