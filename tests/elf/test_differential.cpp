// Differential test: the reader against `readelf -W -d --dyn-syms -V` on every
// shared library of the host and of the cross sysroots (/usr/<triplet>/lib).
// Compared: NEEDED, SONAME, RPATH, RUNPATH, version requirements (file,
// names, index, weak flag), version definitions (index, name), the counts of
// defined and undefined dynamic symbols and each symbol's name@version.
#include <catch.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "elf/test_reader_support.hpp"
#include "wheelfix/elf/elf_info.hpp"

using namespace wheelfix;
using namespace wheelfix::elf;
namespace fs = std::filesystem;

namespace {

// What readelf reports, or what the reader reports, in one comparable form.
struct Facts {
  std::vector<std::string> needed;
  std::string soname = "-", rpath = "-", runpath = "-";
  std::vector<std::string> version_needs;  // "file:name:index:weak"
  std::vector<std::string> version_defs;   // "index:name"
  std::size_t defined = 0, undefined = 0;
  std::vector<std::string> symbols;  // "name@version" / "name@@version", in table order
};

bool is_candidate(const fs::directory_entry& e) {
  std::error_code ec;
  if (e.is_symlink(ec) || !e.is_regular_file(ec)) return false;
  std::string name = e.path().filename().string();
  bool so = name.size() > 3 && (name.ends_with(".so") || name.find(".so.") != std::string::npos);
  if (!so) return false;
  std::ifstream in(e.path(), std::ios::binary);
  char magic[4] = {};
  in.read(magic, 4);
  return in && std::string(magic, 4) == "\x7f" "ELF";
}

std::vector<std::string> collect_files() {
  std::vector<std::string> roots = {"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu"};
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/usr", ec)) {
    std::string n = e.path().filename().string();
    if (n.find("-linux-gnu") != std::string::npos) roots.push_back(e.path().string() + "/lib");
  }
  std::set<std::string> seen;
  std::vector<std::string> files;
  for (const auto& root : roots) {
    if (!fs::is_directory(root, ec)) continue;
    auto opts = fs::directory_options::skip_permission_denied;
    for (auto it = fs::recursive_directory_iterator(root, opts, ec); it != fs::end(it); it.increment(ec)) {
      if (ec) break;
      if (!is_candidate(*it)) continue;
      std::string canon = fs::canonical(it->path(), ec).string();
      if (!ec && seen.insert(canon).second) files.push_back(canon);
    }
  }
  return files;
}

// One row of readelf's symbol table: "Num: Value Size Type Bind Vis [extra] Ndx Name".
struct SymbolLine {
  std::string num, type, ndx, name;
};

// Splits a symbol row by hand (std::regex is far too slow for the ~60 MB
// readelf prints here). The visibility may be followed by a bracketed note
// such as "[<localentry>: 8]" or "[VARIANT_PCS]"; a trailing " (n)" version
// index after the name is dropped.
bool parse_symbol_line(const std::string& line, SymbolLine& out) {
  std::istringstream in(line);
  // A type or binding readelf has no name for reads "<OS specific>: 10".
  auto field = [&in](std::string& f) {
    if (!(in >> f)) return false;
    std::string more;
    while (f.front() == '<' && f.back() != ':' && (in >> more)) f += " " + more;
    if (f.front() == '<' && in >> more) f += " " + more;
    return true;
  };
  std::string value, size, bind, vis, tok;
  if (!(in >> out.num >> value >> size) || !field(out.type) || !field(bind)) return false;
  if (!(in >> vis >> tok)) return false;
  if (out.num.size() < 2 || out.num.back() != ':') return false;
  out.num.pop_back();
  if (out.num.find_first_not_of("0123456789") != std::string::npos) return false;
  if (tok.front() == '[') {
    while (tok.back() != ']' && (in >> tok)) {
    }
    if (!(in >> tok)) return false;
  }
  out.ndx = tok;
  std::getline(in >> std::ws, out.name);
  auto paren = out.name.rfind(" (");
  if (paren != std::string::npos && out.name.back() == ')') out.name.resize(paren);
  return true;
}

// Parses readelf's report. Returns false when readelf complained about the
// file (errors or warnings): such files are skipped and counted.
bool parse_readelf(const std::string& out, Facts& f) {
  static const std::regex dyn(R"(\((NEEDED|SONAME|RPATH|RUNPATH)\)\s+\S+ \S+: \[(.*)\]$)");
  static const std::regex need_file(R"(File: (\S+)\s+Cnt:)");
  static const std::regex need_name(R"(Name: (\S+)\s+Flags: (.*?)\s+Version: (\d+))");
  static const std::regex def(R"(Rev: \d+\s+Flags: .*\s+Index: (\d+)\s+Cnt: \d+\s+Name: (\S+))");
  std::istringstream in(out);
  std::string line, file;
  enum { none, symbols, needs, defs } section = none;
  std::smatch m;
  while (std::getline(in, line)) {
    if (line.rfind("readelf:", 0) == 0) return false;
    if (line.empty()) section = none;
    if (line.rfind("Symbol table '.dynsym'", 0) == 0) section = symbols;
    if (line.rfind("Version needs section", 0) == 0) section = needs;
    if (line.rfind("Version definition section", 0) == 0) section = defs;
    if (section == symbols) {
      if (SymbolLine sl; parse_symbol_line(line, sl)) {
        if (sl.num == "0") continue;
        (sl.ndx == "UND" ? f.undefined : f.defined)++;
        // readelf names STT_SECTION symbols after their section.
        f.symbols.push_back(sl.type == "SECTION" ? "<section>" : sl.name);
      }
    } else if (line.rfind(" 0x", 0) == 0 && std::regex_search(line, m, dyn)) {
      std::string tag = m[1], val = m[2];
      if (tag == "NEEDED") f.needed.push_back(val);
      if (tag == "SONAME") f.soname = val;
      if (tag == "RPATH") f.rpath = val;
      if (tag == "RUNPATH") f.runpath = val;
    } else if (section == needs && std::regex_search(line, m, need_file)) {
      file = m[1];
    } else if (section == needs && std::regex_search(line, m, need_name)) {
      bool weak = std::string(m[2]).find("WEAK") != std::string::npos;
      f.version_needs.push_back(file + ":" + std::string(m[1]) + ":" + std::string(m[3]) + ":" +
                                (weak ? "weak" : ""));
    } else if (section == defs && std::regex_search(line, m, def)) {
      f.version_defs.push_back(std::string(m[1]) + ":" + std::string(m[2]));
    }
  }
  return true;
}

Facts facts_of(const ElfInfo& info) {
  Facts f;
  f.needed = info.needed;
  f.soname = info.soname.value_or("-");
  f.rpath = info.rpath.value_or("-");
  f.runpath = info.runpath.value_or("-");
  for (const auto& n : info.version_needs) {
    for (const auto& v : n.versions) {
      f.version_needs.push_back(n.file + ":" + v.name + ":" + std::to_string(v.index) + ":" +
                                (v.weak() ? "weak" : ""));
    }
  }
  for (const auto& d : info.version_defs) f.version_defs.push_back(std::to_string(d.index) + ":" + d.name);
  for (const auto& s : info.symbols) {
    (s.defined ? f.defined : f.undefined)++;
    std::string name = s.name;
    // readelf prints a version's own defining symbol (name == version) bare.
    bool own = s.defined && s.name == s.version;
    if (!s.version.empty() && !own) name += (s.version_hidden || !s.defined ? "@" : "@@") + s.version;
    f.symbols.push_back(s.type == SymbolType::section ? "<section>" : name);
  }
  return f;
}

// "" when equal, else what differs.
std::string diff(const Facts& r, const Facts& w) {
  std::ostringstream d;
  if (r.needed != w.needed) d << " NEEDED";
  if (r.soname != w.soname) d << " SONAME(" << r.soname << " vs " << w.soname << ")";
  if (r.rpath != w.rpath) d << " RPATH";
  if (r.runpath != w.runpath) d << " RUNPATH";
  if (r.version_needs != w.version_needs) d << " version needs";
  if (r.version_defs != w.version_defs) d << " version defs";
  if (r.defined != w.defined || r.undefined != w.undefined) {
    d << " symbol counts (readelf " << r.defined << "/" << r.undefined << ", reader " << w.defined
      << "/" << w.undefined << ")";
  } else if (r.symbols != w.symbols) {
    for (std::size_t i = 0; i < r.symbols.size(); ++i) {
      if (r.symbols[i] != w.symbols[i]) {
        d << " symbol " << i + 1 << " (readelf " << r.symbols[i] << ", reader " << w.symbols[i] << ")";
        break;
      }
    }
  }
  return d.str();
}

struct Tally {
  std::atomic<std::size_t> next{0}, compared{0}, readelf_rejected{0};
  std::mutex mu;
  std::vector<std::string> problems;
};

void compare_one(const std::string& path, Tally& t) {
  int status = 0;
  std::string out = elf::testing::capture("readelf -W -d --dyn-syms -V '" + path + "' 2>&1", &status);
  Facts expected;
  if (status != 0 || !parse_readelf(out, expected)) {
    t.readelf_rejected++;
    return;
  }
  auto info = parse_file(path);
  std::string problem = info.ok() ? diff(expected, facts_of(*info)) : " reader error: " + info.error().message;
  t.compared++;
  if (!problem.empty()) {
    std::lock_guard<std::mutex> lock(t.mu);
    t.problems.push_back(path + ":" + problem);
  }
}

}  // namespace

TEST_CASE("reader agrees with readelf on every shared library of the machine", "[differential]") {
  if (!elf::testing::have_program("readelf")) {
    WARN("SKIP: readelf not found: differential test skipped");
    return;
  }
  std::vector<std::string> files = collect_files();
  REQUIRE(!files.empty());
  Tally tally;
  auto worker = [&] {
    for (std::size_t i; (i = tally.next++) < files.size();) compare_one(files[i], tally);
  };
  std::thread a(worker), b(worker);
  a.join();
  b.join();
  std::cout << "differential: " << files.size() << " files, " << tally.compared << " compared with readelf, "
            << tally.readelf_rejected << " skipped (readelf rejected or warned), " << tally.problems.size()
            << " mismatches\n";
  for (std::size_t i = 0; i < tally.problems.size() && i < 30; ++i) std::cout << "  " << tally.problems[i] << "\n";
  CHECK(tally.problems.empty());
  CHECK(tally.compared + tally.readelf_rejected == files.size());
  CHECK(tally.readelf_rejected * 10 <= files.size());  // a skip is the exception
}
