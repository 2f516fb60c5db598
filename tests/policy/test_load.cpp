// Loading the policy files: the real data, lookups, tags and schema errors.
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "policy/fixtures.hpp"
#include "wheelfix/util/mapped_file.hpp"

using namespace wheelfix;
using namespace wheelfix::policy;
using test::real_policies;

namespace {

nlohmann::json real_json(const std::string& file) {
  auto text = util::read_text_file(test::policy_dir() + "/" + file);
  REQUIRE(text.ok());
  return nlohmann::json::parse(*text);
}

// The error message of parsing `doc` as "manylinux-policy.json".
std::string parse_error(const nlohmann::json& doc) {
  auto parsed = parse_policies(doc.dump(), "manylinux-policy.json");
  REQUIRE_FALSE(parsed.ok());
  return parsed.error().message;
}

std::string write_temp(const std::string& name, const std::string& text) {
  auto dir = std::filesystem::path(WHEELFIX_BINARY_DIR) / "policy-test-tmp";
  std::filesystem::create_directories(dir);
  auto path = (dir / name).string();
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST_CASE("the shipped policy files hold every manylinux and musllinux policy") {
  const PolicySet& set = real_policies();
  const char* manylinux[] = {"manylinux_2_5",  "manylinux_2_12", "manylinux_2_17", "manylinux_2_24",
                             "manylinux_2_26", "manylinux_2_27", "manylinux_2_28", "manylinux_2_31",
                             "manylinux_2_34", "manylinux_2_35", "manylinux_2_36", "manylinux_2_37",
                             "manylinux_2_38", "manylinux_2_39", "manylinux_2_40", "manylinux_2_41"};
  for (const char* name : manylinux) {
    const Policy* p = set.find(name);
    REQUIRE(p != nullptr);
    CHECK(p->libc == Libc::glibc);
    CHECK(p->supports(elf::Arch::x86_64));
    CHECK(p->supports(elf::Arch::aarch64) == (std::string(name) != "manylinux_2_5" && std::string(name) != "manylinux_2_12"));
  }
  for (const char* name : {"musllinux_1_1", "musllinux_1_2"}) {
    REQUIRE(set.find(name) != nullptr);
    CHECK(set.find(name)->libc == Libc::musl);
  }
  // Same count as the JSON (the two files share the "linux" fallback).
  CHECK(set.policies.size() == real_json("manylinux-policy.json").size() + real_json("musllinux-policy.json").size() - 1);
  // Every arch the data lists is supported by exactly the policies listing it.
  for (const char* file : {"manylinux-policy.json", "musllinux-policy.json"}) {
    for (const auto& p : real_json(file)) {
      const Policy* loaded = set.find(p["name"].get<std::string>());
      REQUIRE(loaded != nullptr);
      CHECK(loaded->priority == p["priority"].get<int>());
      for (const auto& [arch, prefixes] : p["symbol_versions"].items()) {
        INFO(loaded->name << " " << arch);
        CHECK(loaded->supports(elf::arch_from_name(arch)));
        CHECK(loaded->symbol_versions.at(arch).size() == prefixes.size());
      }
    }
  }
  CHECK_FALSE(set.find("manylinux_2_17")->supports(elf::Arch::riscv64));
  CHECK(set.find("manylinux_2_31")->supports(elf::Arch::riscv64));
  CHECK(set.find("manylinux_2_36")->supports(elf::Arch::loongarch64));
  CHECK(set.find("linux")->supports(elf::Arch::riscv64));
  CHECK_FALSE(set.find("linux")->supports(elf::Arch::unknown));
}

TEST_CASE("policies are sorted by family, then priority") {
  const PolicySet& set = real_policies();
  REQUIRE(set.policies.size() >= 3);
  CHECK(set.policies.front().name == "manylinux_2_5");
  CHECK(set.policies.back().name == "linux");
  for (std::size_t i = 1; i < set.policies.size(); ++i) {
    const Policy& a = set.policies[i - 1];
    const Policy& b = set.policies[i];
    if (a.libc == b.libc) CHECK(a.priority >= b.priority);
  }
  CHECK(set.find("musllinux_1_1") < set.find("musllinux_1_2"));
}

TEST_CASE("find() accepts names, aliases and arch-suffixed tags") {
  const PolicySet& set = real_policies();
  CHECK(set.find("manylinux2014") == set.find("manylinux_2_17"));
  CHECK(set.find("manylinux1") == set.find("manylinux_2_5"));
  CHECK(set.find("manylinux2010")->name == "manylinux_2_12");
  CHECK(set.find("manylinux2014_x86_64")->name == "manylinux_2_17");
  CHECK(set.find("manylinux_2_17_aarch64")->name == "manylinux_2_17");
  CHECK(set.find("musllinux_1_2_x86_64")->name == "musllinux_1_2");
  CHECK(set.find("linux_x86_64")->name == "linux");
  CHECK(set.find("manylinux_2_17_riscv64") == nullptr);  // not defined for riscv64
  CHECK(set.find("manylinux1_aarch64") == nullptr);
  CHECK(set.find("manylinux_2_99") == nullptr);
  CHECK(set.find("manylinux_2_17_") == nullptr);
  CHECK(set.find("") == nullptr);
}

TEST_CASE("platform tags include aliases and are ASCII-sorted") {
  const PolicySet& set = real_policies();
  CHECK(set.find("manylinux_2_17")->platform_tags(elf::Arch::x86_64) ==
        std::vector<std::string>{"manylinux2014_x86_64", "manylinux_2_17_x86_64"});
  CHECK(set.find("manylinux_2_5")->platform_tags(elf::Arch::i686) ==
        std::vector<std::string>{"manylinux1_i686", "manylinux_2_5_i686"});
  CHECK(set.find("manylinux_2_31")->platform_tags(elf::Arch::riscv64) ==
        std::vector<std::string>{"manylinux_2_31_riscv64"});
  CHECK(set.find("musllinux_1_2")->platform_tags(elf::Arch::armv7l) ==
        std::vector<std::string>{"musllinux_1_2_armv7l"});
  CHECK(set.find("manylinux_2_17")->libc_version() == std::pair{2, 17});
  CHECK(set.find("musllinux_1_2")->libc_version() == std::pair{1, 2});
  CHECK(set.find("linux")->libc_version() == std::pair{0, 0});
  CHECK(libc_from_policy_name("manylinux2014") == Libc::glibc);
  CHECK(libc_from_policy_name("linux") == Libc::unknown);
}

TEST_CASE("schema errors name the file, the policy and the field") {
  auto doc = real_json("manylinux-policy.json");
  REQUIRE(doc[3]["name"] == "manylinux_2_17");

  SECTION("a version list that is not a list of strings") {
    doc[3]["symbol_versions"]["x86_64"]["GLIBC"] = {"2.17", 5};
    CHECK(parse_error(doc) ==
          "manylinux-policy.json: policy 3 (manylinux_2_17): symbol_versions.x86_64.GLIBC must be a list of strings");
  }
  SECTION("an arch entry that is not an object") {
    doc[3]["symbol_versions"]["x86_64"] = nlohmann::json::array();
    CHECK(parse_error(doc) == "manylinux-policy.json: policy 3 (manylinux_2_17): symbol_versions.x86_64 must be an object");
  }
  SECTION("a missing field") {
    doc[3].erase("lib_whitelist");
    CHECK(parse_error(doc) == "manylinux-policy.json: policy 3 (manylinux_2_17): lib_whitelist is missing");
  }
  SECTION("a priority that is not an integer") {
    doc[3]["priority"] = "80";
    CHECK(parse_error(doc) == "manylinux-policy.json: policy 3 (manylinux_2_17): priority must be an integer");
    doc[3]["priority"] = 1e12;
    CHECK(parse_error(doc) == "manylinux-policy.json: policy 3 (manylinux_2_17): priority must be an integer");
  }
  SECTION("a bad name") {
    doc[2]["name"] = 12;
    CHECK(parse_error(doc) == "manylinux-policy.json: policy 2: name must be a non-empty string of letters, digits and '_'");
    doc[2]["name"] = "many linux";
    CHECK(parse_error(doc) == "manylinux-policy.json: policy 2: name must be a non-empty string of letters, digits and '_'");
  }
  SECTION("aliases and blacklist entries") {
    doc[1]["aliases"] = "manylinux1";
    CHECK(parse_error(doc) == "manylinux-policy.json: policy 1 (manylinux_2_5): aliases must be a list of strings");
    doc[1]["aliases"] = {"manylinux1"};
    doc[1]["blacklist"]["libz.so.1"] = {{"zcalloc"}};
    CHECK(parse_error(doc) ==
          "manylinux-policy.json: policy 1 (manylinux_2_5): blacklist.libz.so.1 must be a list of strings");
  }
  SECTION("a duplicate name or alias") {
    doc[4]["aliases"] = {"manylinux2014"};
    CHECK(parse_error(doc) ==
          "manylinux-policy.json: policies manylinux_2_17 and manylinux_2_24 both use the name manylinux2014");
  }
  SECTION("not a list, not an object, not JSON") {
    CHECK(parse_error(nlohmann::json::object()) == "manylinux-policy.json: expected a JSON list of policies");
    CHECK(parse_error(nlohmann::json::array({1})) == "manylinux-policy.json: policy 0 must be an object");
    auto bad = parse_policies("[{\"name\": ", "manylinux-policy.json");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message.rfind("manylinux-policy.json: invalid JSON: ", 0) == 0);
    // A number too large for a double throws out_of_range, not parse_error.
    auto huge = parse_policies("[1" + std::string(400, '0') + "]", "manylinux-policy.json");
    REQUIRE_FALSE(huge.ok());
    CHECK(huge.error().message.rfind("manylinux-policy.json: invalid JSON: ", 0) == 0);
  }
  SECTION("unknown extra fields are accepted (newer auditwheel files)") {
    doc[3]["comment"] = "future field";
    CHECK(parse_policies(doc.dump(), "manylinux-policy.json").ok());
  }
}

TEST_CASE("load_policies merges files, later files win, linux always exists") {
  auto first = write_temp("a.json", R"([{"name": "manylinux_2_17", "aliases": ["manylinux2014"], "priority": 80,
      "symbol_versions": {"x86_64": {"GLIBC": ["2.17"]}}, "lib_whitelist": ["libc.so.6"], "blacklist": {}}])");
  auto second = write_temp("b.json", R"([{"name": "manylinux_2_17", "aliases": [], "priority": 81,
      "symbol_versions": {"aarch64": {}}, "lib_whitelist": [], "blacklist": {}}])");
  auto set = load_policies({first, second});
  REQUIRE(set.ok());
  REQUIRE(set->policies.size() == 2);
  const Policy* p = set->find("manylinux_2_17");
  REQUIRE(p != nullptr);
  CHECK(p->priority == 81);
  CHECK(p->supports(elf::Arch::aarch64));
  CHECK_FALSE(p->supports(elf::Arch::x86_64));
  CHECK(set->find("manylinux2014") == nullptr);
  CHECK(set->policies.back().name == "linux");

  auto missing = load_policies({first, test::policy_dir() + "/nope.json"});
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message.find("nope.json") != std::string::npos);
  CHECK_FALSE(load_policies({}).ok());

  auto broken = write_temp("c.json", "[{}]");
  auto bad = load_policies({broken});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message == broken + ": policy 0: name is missing");
}

TEST_CASE("default_policy_files looks next to the binary, then in share/") {
  std::filesystem::path exe_dir = std::filesystem::read_symlink("/proc/self/exe").parent_path();
  auto beside = exe_dir / "policies";
  auto share = exe_dir / ".." / "share" / "wheelfix" / "policies";
  auto cleanup = [&] {
    std::filesystem::remove_all(beside);
    std::filesystem::remove_all(share);
    std::error_code ec;  // parents only if empty
    std::filesystem::remove(share.parent_path(), ec);
    std::filesystem::remove(share.parent_path().parent_path(), ec);
  };
  cleanup();  // leftovers of an interrupted run
  CHECK(default_policy_files().empty());

  std::filesystem::create_directories(share);
  std::ofstream(share / "b.json") << "[]";
  std::ofstream(share / "a.json") << "[]";
  std::ofstream(share / "notes.txt") << "";
  auto found = default_policy_files();
  REQUIRE(found.size() == 2);
  CHECK(std::filesystem::path(found[0]).filename() == "a.json");
  CHECK(std::filesystem::path(found[1]).filename() == "b.json");

  std::filesystem::create_directories(beside);
  std::ofstream(beside / "m.json") << "[]";
  found = default_policy_files();
  REQUIRE(found.size() == 1);
  CHECK(std::filesystem::path(found[0]).parent_path() == beside);

  cleanup();
}
