// libFuzzer target: the ELF rewriter.  Parses the input, derives an edit
// plan from it (which edits, from a hash of the bytes; the names from what
// the file holds), applies it with rewrite_bytes(), then re-reads the
// output.  Properties: no crash or sanitizer report; when the reader
// accepted the input and the rewrite succeeded, the output parses (with
// both readers) and shows the edits that were asked for. (The rewriter
// checks the same itself before returning; WHEELFIX_FUZZ_STRICT=1 makes
// its read-back errors count as findings too.)
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "fuzz_support.hpp"
#include "wheelfix/elf/elf_info.hpp"
#include "wheelfix/elf/rewriter.hpp"

using namespace wheelfix;

namespace {

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// The plan for this input; `bits` picks the edits.
elf::EditPlan make_plan(const elf::ElfInfo* info, std::uint64_t bits) {
  elf::EditPlan plan;
  auto bit = [&](int i) { return ((bits >> i) & 1) != 0; };
  std::string soname = info && info->soname ? *info->soname : "libfuzz.so.1";
  if (bit(0)) plan.soname = soname + ".renamed-to-something-longer";
  if (bit(12) && !bit(0)) plan.remove_soname = true;
  if (info && !info->needed.empty()) {
    const std::string& first = info->needed.front();
    if (bit(1)) plan.replace_needed.emplace_back(first, "libfuzzdep-0123abcd.so." + std::to_string(first.size()));
    if (bit(5) && info->needed.size() > 1) plan.remove_needed.push_back(info->needed.back());
  }
  if (bit(4)) plan.add_needed.push_back("libadded-fedcba98.so.9");
  if (bit(2)) {
    plan.rpath_op = elf::RpathOp::set;
    plan.rpath = bit(14) ? "$ORIGIN" : "$ORIGIN/../fuzzpkg.libs:$ORIGIN/more/folders/to/grow/the/string";
    plan.force_rpath = bit(3);
  } else if (bit(8)) {
    plan.rpath_op = elf::RpathOp::shrink;
    plan.allowed_rpath_prefixes = {"$ORIGIN"};
  } else if (bit(15)) {
    plan.rpath_op = elf::RpathOp::remove;
  }
  if (bit(6) && info && info->interpreter) plan.interpreter = *info->interpreter + "-fuzz";
  if (bit(7)) plan.execstack = bit(9);
  if (bit(10)) plan.os_abi = 3;
  if (bit(11) && info) {
    for (const auto& s : info->symbols) {
      if (!s.defined && !s.version.empty()) {
        plan.clear_symbol_version.push_back(s.name);
        break;
      }
    }
  }
  if (bit(13) && info) {
    for (const auto& s : info->symbols) {
      if (s.defined && !s.name.empty()) {
        plan.rename_dynamic_symbols[s.name] = s.name + "_renamed";
        break;
      }
    }
  }
  if (bit(16)) plan.add_debug_tag = true;
  if (bit(17)) plan.no_default_lib = true;
  if (plan.empty()) plan.add_needed.push_back("libalways.so.1");
  return plan;
}

bool strict() {
  static const bool on = std::getenv("WHEELFIX_FUZZ_STRICT") != nullptr;
  return on;
}

// The output of a successful rewrite of an input the reader accepted.
void check_output(const std::vector<std::uint8_t>& out, const elf::EditPlan& plan) {
  util::Bytes bytes(out.data(), out.size());
  auto info = elf::parse(bytes, "rewritten.so");
  if (!info) fuzz::violated("rewritten output does not parse: " + info.error().message);
  auto facts = elf::read_dynamic_facts(bytes, "rewritten.so");
  if (!facts) fuzz::violated("rewritten output: read_dynamic_facts fails: " + facts.error().message);
  if (!info->has_dynamic) return;  // nothing dynamic to compare
  if (plan.soname && info->soname != plan.soname) fuzz::violated("soname not set");
  if (plan.remove_soname && info->soname) fuzz::violated("soname not removed");
  for (const auto& [from, to] : plan.replace_needed)
    if (!contains(info->needed, to)) fuzz::violated("needed " + from + " not replaced by " + to);
  for (const auto& n : plan.add_needed)
    if (!contains(info->needed, n)) fuzz::violated("needed " + n + " not added");
  if (plan.rpath_op == elf::RpathOp::set) {
    const auto& got = plan.force_rpath ? info->rpath : info->runpath;
    if (got != plan.rpath) fuzz::violated("rpath not set to " + plan.rpath);
  }
  if (plan.rpath_op == elf::RpathOp::remove && (info->rpath || info->runpath)) fuzz::violated("rpath not removed");
  if (plan.interpreter && info->interpreter != plan.interpreter) fuzz::violated("interpreter not set");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  util::Bytes bytes(data, size);
  auto info = elf::parse(bytes, "fuzz.so");
  const elf::EditPlan plan = make_plan(info ? &*info : nullptr, fuzz::fnv1a(data, size));
  auto out = elf::rewrite_bytes(bytes, "fuzz.so", plan);
  // An error is a fine answer to a malformed input, including the
  // rewriter's own read-back check ("does not read back"), which stops a
  // layout the reader would not accept from being written; what is checked
  // here is that an output it does return is right. Set
  // WHEELFIX_FUZZ_STRICT=1 to stop on read-back errors too, to hunt the
  // layout cases behind them.
  if (!out && strict() && out.error().message.find("does not read back") != std::string::npos)
    fuzz::violated(out.error().message);
  if (!out || !*out) return 0;
  if (info) check_output(**out, plan);
  return 0;
}
