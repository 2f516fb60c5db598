// The repair edit (set soname + replace needed + set rpath, one call) on
// copies of real system libraries: other dynamic entries and symbols stay
// the same, the library loads, eu-elflint finds nothing new, growth is
// bounded by the moved tables.
#include <catch.hpp>

#include <map>
#include <regex>

#include "test_rewrite_support.hpp"

using namespace wheelfix;
using namespace rwtest;

namespace {

const char* kLibDir = "/usr/lib/x86_64-linux-gnu";

// "TAG value" lines of readelf -d, minus tags the edit is allowed to change.
std::vector<std::string> stable_dynamic(const std::string& file) {
  static const std::regex line(R"(^\s*0x[0-9a-f]+\s+\((\w+)\)\s+(.*)$)");
  static const std::set<std::string> changing = {"NEEDED", "SONAME", "RUNPATH", "RPATH", "STRTAB", "STRSZ",
                                                 "GNU_HASH", "HASH", "SYMTAB", "VERSYM", "VERNEED", "VERDEF"};
  std::vector<std::string> out;
  std::istringstream in(capture("readelf -dW '" + file + "'"));
  std::smatch m;
  for (std::string l; std::getline(in, l);)
    if (std::regex_match(l, m, line) && !changing.count(m[1].str())) out.push_back(m[1].str() + " " + m[2].str());
  return out;
}

struct Section {
  int index;
  std::string name;
  std::uint64_t offset, size;
};

std::vector<Section> sections(const std::string& file) {
  static const std::regex line(R"(^\s*\[\s*(\d+)\]\s+(\S+)\s+\S+\s+[0-9a-f]+\s+([0-9a-f]+)\s+([0-9a-f]+)\s.*$)");
  std::vector<Section> out;
  std::istringstream in(capture("readelf -SW '" + file + "'"));
  std::smatch m;
  for (std::string l; std::getline(in, l);)
    if (std::regex_match(l, m, line))
      out.push_back({std::stoi(m[1].str()), m[2].str(), std::stoull(m[3].str(), nullptr, 16),
                     std::stoull(m[4].str(), nullptr, 16)});
  return out;
}

// readelf --dyn-syms with section numbers replaced by section names (moved
// sections are renumbered when headers are re-sorted by offset).
std::string dyn_syms(const std::string& file) {
  static const std::regex line(R"(^(\s*\d+:\s+\S+\s+\S+\s+\S+\s+\S+\s+\S+)\s+(\d+)(\s.*)$)");
  std::map<int, std::string> names;
  for (const auto& s : sections(file)) names[s.index] = s.name;
  std::string out;
  std::istringstream in(capture("readelf --dyn-syms -W '" + file + "'"));
  std::smatch m;
  for (std::string l; std::getline(in, l);) {
    if (std::regex_match(l, m, line)) l = m[1].str() + " " + names[std::stoi(m[2].str())] + m[3].str();
    out += l + "\n";
  }
  return out;
}

bool movable_name(const std::string& n) {
  return n == ".dynstr" || n == ".dynamic" || n == ".interp" || n == ".gnu.hash" || n == ".hash" ||
         n == ".dynsym" || n.rfind(".note", 0) == 0 || n.rfind(".gnu.version", 0) == 0;
}

}  // namespace

TEST_CASE("repair edit on real system libraries", "[rewrite][system]") {
  std::string dir = scratch("system");
  int tested = 0;
  for (std::string name : {"libxml2.so.2", "libssl.so.3", "libstdc++.so.6", "libgfortran.so.5", "libz.so.1",
                           "libcrypto.so.3", "libsqlite3.so.0", "libffi.so.8"}) {
    std::string sys = std::string(kLibDir) + "/" + name;
    if (!fs::exists(sys)) {
      WARN("SKIP: not installed: " << sys);
      continue;
    }
    DYNAMIC_SECTION(name) {
      auto orig_info = elf::parse_file(sys);
      REQUIRE(orig_info.ok());
      std::string copy_path = dir + "/" + name;
      copy(sys, copy_path);
      // Graft the first dependency other than the C library under a new name.
      std::string dep;
      for (const auto& n : orig_info->needed)
        if (n.rfind("libc.so", 0) != 0 && n.rfind("ld-linux", 0) != 0) dep = n;
      elf::EditPlan plan;
      plan.soname = "wheelfix-" + name.substr(0, name.find(".so")) + "-0a1b2c3d.so";
      plan.rpath_op = elf::RpathOp::set;
      plan.rpath = "$ORIGIN";
      if (!dep.empty()) {
        std::string renamed = "grafted-0a1b2c3d-" + dep;
        std::string dep_copy = dir + "/" + renamed;
        auto found = capture("ldconfig -p | grep -m1 ' " + dep + " ' | sed 's/.*=> //'");
        std::string dep_path = found.empty() ? std::string(kLibDir) + "/" + dep : found.substr(0, found.size() - 1);
        copy(dep_path, dep_copy);
        elf::EditPlan dp;
        dp.soname = renamed;
        REQUIRE(elf::rewrite(dep_copy, dp).ok());
        plan.replace_needed = {{dep, renamed}};
      }
      auto r = elf::rewrite(copy_path, plan);
      INFO((r.ok() ? std::string() : r.error().message));
      REQUIRE(r.ok());
      auto after = elf::parse_file(copy_path);
      REQUIRE(after.ok());
      CHECK(after->soname == plan.soname);
      CHECK(after->runpath == "$ORIGIN");
      CHECK(after->needed.size() == orig_info->needed.size());
      for (const auto& v : after->version_needs) CHECK(v.file != dep);
      CHECK(stable_dynamic(copy_path) == stable_dynamic(sys));
      CHECK(dyn_syms(copy_path) == dyn_syms(sys));
      CHECK(elflint(copy_path) == elflint(sys));
      CHECK(loads_in_child(copy_path));
      // Growth: only the moved tables and the section header table (now at
      // the end), no page padding.
      std::uint64_t old_size = fs::file_size(sys), new_size = fs::file_size(copy_path);
      std::uint64_t moved = std::stoull(capture("readelf -hW '" + copy_path + "' | awk '/Number of section headers/ {n=$5} /Size of section headers/ {s=$5} END {print n*s}'"));
      for (const auto& s : sections(copy_path)) {
        if (s.offset < old_size) continue;
        INFO(s.name);
        CHECK(movable_name(s.name));
        moved += s.size;
      }
      std::uint64_t phdrs = (orig_info->id.is64 ? 56 : 32) * 16;
      CHECK(new_size - old_size <= moved + phdrs + 64);
      ++tested;
    }
  }
  CHECK(tested > 0);
}
