// `wheelfix patchelf` / `patchelf`: patchelf's command line on top of the
// wheelfix rewriter. Flags, output formats and exit statuses follow
// patchelf, except that all edits of one call are applied together.
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cli/commands.hpp"
#include "wheelfix/elf/resolution_cache.hpp"
#include "wheelfix/elf/rewriter.hpp"
#include "wheelfix/util/mapped_file.hpp"
#include "wheelfix/util/strings.hpp"

namespace wheelfix::cli {

namespace {

constexpr const char* kUsage =
    "syntax: patchelf\n"
    "  [--set-interpreter FILENAME]\n"
    "  [--page-size SIZE]\n"
    "  [--print-interpreter]\n"
    "  [--print-os-abi]\t\tPrints the OS ABI of the file\n"
    "  [--set-os-abi ABI]\t\tSets the OS ABI (e.g. 'Linux', 'System V')\n"
    "  [--print-soname]\t\tPrints 'DT_SONAME' entry of .dynamic section.\n"
    "  [--set-soname SONAME]\t\tSets 'DT_SONAME' entry to SONAME.\n"
    "  [--set-rpath RPATH]\n"
    "  [--add-rpath RPATH]\n"
    "  [--remove-rpath]\n"
    "  [--shrink-rpath]\n"
    "  [--allowed-rpath-prefixes PREFIXES]\t\tWith '--shrink-rpath', reject rpath entries not starting with the allowed prefix\n"
    "  [--print-rpath]\n"
    "  [--force-rpath]\n"
    "  [--add-needed LIBRARY]\n"
    "  [--remove-needed LIBRARY]\n"
    "  [--replace-needed LIBRARY NEW_LIBRARY]\n"
    "  [--print-needed]\n"
    "  [--no-default-lib]\n"
    "  [--clear-symbol-version SYMBOL]\n"
    "  [--add-debug-tag]\n"
    "  [--print-execstack]\t\tPrints whether the object requests an executable stack\n"
    "  [--clear-execstack]\n"
    "  [--set-execstack]\n"
    "  [--rename-dynamic-symbols NAME_MAP_FILE]\tRenames dynamic symbols (lines 'OLD NEW')\n"
    "  [--build-resolution-cache]\tRecords where each DT_NEEDED resolves on the run path (.note.nixos.ldcache)\n"
    "  [--no-clobber-old-sections]\t\tKeep the old bytes of a .dynstr that moves\n"
    "  [--output FILE]\n"
    "  [--debug]\n"
    "  [--version]\n"
    "  FILENAME...\n";

struct Options {
  elf::EditPlan plan;
  bool print_interpreter = false, print_os_abi = false, print_soname = false;
  bool print_rpath = false, print_needed = false, print_execstack = false;
  bool build_resolution_cache = false;
  std::string output;
  std::vector<std::string> files;
};

// patchelf's words for errors it words differently, added after ours:
// scripts (and patchelf's invalid-elf test) look for them.
std::string with_patchelf_words(const std::string& msg) {
  static constexpr std::pair<std::string_view, std::string_view> kWords[] = {
      {"dynamic table has no DT_NULL terminator", "setSubstr: write extends past end of section"},
  };
  for (const auto& [ours, theirs] : kWords)
    if (msg.size() >= ours.size() && msg.compare(msg.size() - ours.size(), ours.size(), ours) == 0)
      return msg + " (patchelf: " + std::string(theirs) + ")";
  return msg;
}

int fail(const std::string& msg) {
  std::fprintf(stderr, "patchelf: %s\n", util::printable(with_patchelf_words(msg)).c_str());
  return kFailure;
}

// patchelf's @file convention: an option value "@path" is read from path.
// A file that is not there fails with patchelf's words, "getting info
// about 'path': <strerror>" (scripts and patchelf's tests look for them).
util::Result<std::string> value_of(const char* arg) {
  if (arg[0] != '@') return std::string(arg);
  struct stat st {};
  if (::stat(arg + 1, &st) != 0)
    return util::make_error("getting info about '", std::string(arg + 1), "': ", std::strerror(errno));
  WF_TRY(auto text, util::read_text_file(arg + 1));
  return text;
}

util::Status read_rename_map(const std::string& path, elf::EditPlan& plan) {
  WF_TRY(auto text, util::read_text_file(path));
  int line_no = 0;
  for (const auto& line : util::split(text, '\n')) {
    ++line_no;
    auto t = util::trim(line);
    if (t.empty()) continue;
    auto sp = t.find_first_of(" \t");
    if (sp == std::string_view::npos)
      return util::make_error(path, ": line ", std::to_string(line_no), ": expected 'OLD NEW'");
    auto to = util::trim(t.substr(sp));
    if (to.find_first_of(" \t") != std::string_view::npos)
      return util::make_error(path, ": line ", std::to_string(line_no), ": expected 'OLD NEW'");
    plan.rename_dynamic_symbols[std::string(t.substr(0, sp))] = std::string(to);
  }
  return {};
}

// Parses patchelf's command line. Returns an exit status for --help /
// --version / errors, or nullopt to go on.
std::optional<int> parse_args(int argc, char** argv, Options& o) {
  auto& p = o.plan;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto need = [&](int n) -> bool { return i + n < argc; };
    auto take = [&]() -> util::Result<std::string> { return value_of(argv[++i]); };
#define WF_VALUE(var)                                            \
  if (!need(1)) return fail("option '" + a + "' needs an argument"); \
  auto var##_r = take();                                         \
  if (!var##_r) return fail(var##_r.error().message);            \
  std::string var = *var##_r;
    if (a == "--set-interpreter" || a == "--interpreter") {
      WF_VALUE(v) p.interpreter = v;
    } else if (a == "--page-size") {
      WF_VALUE(v) char* end = nullptr;
      unsigned long long n = std::strtoull(v.c_str(), &end, 0);
      if (!end || *end || n == 0 || (n & (n - 1)) != 0) return fail("invalid page size '" + v + "'");
      p.page_size = n;
    } else if (a == "--print-interpreter") {
      o.print_interpreter = true;
    } else if (a == "--print-os-abi") {
      o.print_os_abi = true;
    } else if (a == "--set-os-abi") {
      WF_VALUE(v) auto abi = elf::parse_os_abi(v);
      if (!abi) return fail("unrecognized OS ABI '" + v + "'");
      p.os_abi = *abi;
    } else if (a == "--print-soname") {
      o.print_soname = true;
    } else if (a == "--set-soname") {
      WF_VALUE(v) p.soname = v;
    } else if (a == "--remove-rpath") {
      p.rpath_op = elf::RpathOp::remove;
    } else if (a == "--shrink-rpath") {
      p.rpath_op = elf::RpathOp::shrink;
    } else if (a == "--allowed-rpath-prefixes") {
      WF_VALUE(v) for (auto& s : util::split(v, ':')) if (!s.empty()) p.allowed_rpath_prefixes.push_back(s);
    } else if (a == "--set-rpath") {
      WF_VALUE(v) p.rpath_op = elf::RpathOp::set;
      p.rpath = v;
    } else if (a == "--add-rpath") {
      WF_VALUE(v) p.rpath_op = elf::RpathOp::add;
      p.rpath = v;
    } else if (a == "--print-rpath") {
      o.print_rpath = true;
    } else if (a == "--force-rpath") {
      p.force_rpath = true;
    } else if (a == "--add-needed") {
      WF_VALUE(v) p.add_needed.push_back(v);
    } else if (a == "--remove-needed") {
      WF_VALUE(v) p.remove_needed.push_back(v);
    } else if (a == "--replace-needed") {
      if (!need(2)) return fail("option '--replace-needed' needs two arguments");
      std::string from = argv[++i];
      std::string to = argv[++i];
      p.replace_needed.emplace_back(from, to);
    } else if (a == "--print-needed") {
      o.print_needed = true;
    } else if (a == "--no-default-lib") {
      p.no_default_lib = true;
    } else if (a == "--clear-symbol-version") {
      WF_VALUE(v) p.clear_symbol_version.push_back(v);
    } else if (a == "--add-debug-tag") {
      p.add_debug_tag = true;
    } else if (a == "--print-execstack") {
      o.print_execstack = true;
    } else if (a == "--clear-execstack") {
      p.execstack = false;
    } else if (a == "--set-execstack") {
      p.execstack = true;
    } else if (a == "--rename-dynamic-symbols") {
      if (!need(1)) return fail("option '--rename-dynamic-symbols' needs an argument");
      auto st = read_rename_map(argv[++i], p);
      if (!st) return fail(st.error().message);
    } else if (a == "--build-resolution-cache") {
      o.build_resolution_cache = true;
    } else if (a == "--no-clobber-old-sections") {
      p.clobber_old_sections = false;
    } else if (a == "--output") {
      WF_VALUE(v) o.output = v;
    } else if (a == "--debug" || a == "--no-sort") {
      // Accepted for compatibility; wheelfix always keeps sections sorted.
    } else if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stderr);  // where patchelf prints it
      return kOk;
    } else if (a == "--version") {
      // Exactly patchelf's line: build tools parse what follows "patchelf "
      // as a version (maturin requires semver); `wheelfix --version` says
      // which wheelfix this is.
      std::printf("patchelf 0.19.0\n");
      return kOk;
    } else if (a.size() > 1 && a[0] == '-' && a != "-") {
      std::fputs(kUsage, stderr);
      return fail("unknown option '" + a + "'");
    } else {
      o.files.push_back(a);
    }
#undef WF_VALUE
  }
  if (o.files.empty()) {
    std::fputs(kUsage, stderr);
    return fail("missing filename");
  }
  if (!o.output.empty() && o.files.size() > 1) return fail("--output option only allowed with single input file");
  if (o.build_resolution_cache && p.force_rpath)
    return fail("--build-resolution-cache cannot be combined with --force-rpath");
  return std::nullopt;
}

// Prints what the --print-* flags ask for, from the file before edits.
util::Status print_facts(const Options& o, const std::string& file) {
  if (!(o.print_interpreter || o.print_os_abi || o.print_soname || o.print_rpath ||
        o.print_needed || o.print_execstack))
    return {};
  WF_TRY(auto mf, util::MappedFile::open(file));
  WF_TRY(auto f, elf::read_dynamic_facts(mf.bytes(), file));
  if (o.print_interpreter) {
    if (!f.interpreter)
      return util::make_error(file, ": cannot find section '.interp'. The input file is most likely statically linked");
    std::printf("%s\n", f.interpreter->c_str());
  }
  if (o.print_os_abi) std::printf("%s\n", elf::os_abi_name(f.os_abi).c_str());
  if (o.print_soname && f.soname) std::printf("%s\n", f.soname->c_str());
  if (o.print_rpath) std::printf("%s\n", f.runpath ? f.runpath->c_str() : f.rpath ? f.rpath->c_str() : "");
  if (o.print_needed)
    for (const auto& n : f.needed) std::printf("%s\n", n.c_str());
  if (o.print_execstack) {
    const char* s = f.execstack == elf::ExecStack::yes ? "X" : f.execstack == elf::ExecStack::no ? "-" : "?";
    std::printf("execstack: %s\n", s);
  }
  return {};
}

// patchelf 0.19's --build-resolution-cache on `file` (already edited): the
// note is written once; a run that would write the same note does nothing,
// one that would write another (or none, over an existing one) fails.
util::Status build_resolution_cache(const std::string& file, const elf::EditPlan& edits) {
  WF_TRY(auto mf, util::MappedFile::open(file));
  WF_TRY(auto f, elf::read_dynamic_facts(mf.bytes(), file));
  mf = util::MappedFile{};  // the file is rewritten below
  const std::string run_path = f.runpath ? *f.runpath : f.rpath.value_or("");
  auto cache = elf::build_resolution_cache(f.needed, run_path, elf::system_path_probe());
  if (f.resolution_note && *f.resolution_note == cache.descriptor && !cache.descriptor.empty()) return {};
  if (f.resolution_note)
    return util::make_error("--build-resolution-cache: a resolution cache note is already present; "
                            "rebuild from an unpatched binary");
  if (cache.descriptor.empty()) {
    std::fprintf(stderr, "warning: --build-resolution-cache: %s; no cache written\n", cache.skipped.c_str());
    return {};
  }
  elf::EditPlan reserve;  // two free program header slots for the note
  reserve.reserve_phdr_slots = 2;
  reserve.page_size = edits.page_size;
  if (auto r = elf::rewrite(file, reserve); !r) return r.error();
  elf::EditPlan note;
  note.resolution_note = cache.descriptor;
  note.page_size = edits.page_size;
  if (auto r = elf::rewrite(file, note); !r) return r.error();
  return {};
}

}  // namespace

int patchelf_main(int argc, char** argv) {
  Options o;
  if (auto rc = parse_args(argc, argv, o)) return *rc;
  for (const auto& file : o.files) {
    auto printed = print_facts(o, file);
    std::fflush(stdout);
    if (!printed) return fail(printed.error().message);
    if (!o.plan.empty() || !o.output.empty()) {
      auto r = elf::rewrite(file, o.plan, elf::RewriteOptions{o.output});
      if (!r) return fail(r.error().message);
      for (const auto& w : r->warnings)
        std::fprintf(stderr, "patchelf: warning: %s: %s\n", util::printable(file).c_str(), util::printable(w).c_str());
    }
    if (o.build_resolution_cache) {
      auto built = build_resolution_cache(o.output.empty() ? file : o.output, o.plan);
      if (!built) return fail(built.error().message);
    }
  }
  return kOk;
}

}  // namespace wheelfix::cli
