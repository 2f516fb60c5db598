// verify_rewrite: reads a rewritten file back before it is kept.
#include <algorithm>

#include "elf/rewrite_internal.hpp"
#include "wheelfix/elf/elf_info.hpp"

namespace wheelfix::elf::rw {

using util::make_error;

namespace {

bool has(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

// The first edit of `plan` that `after` does not show, given `before`; empty
// when all of them show.
std::string missing_edit(const ElfInfo& before, const ElfInfo& after, const EditPlan& plan) {
  if (plan.soname && after.soname != plan.soname) return "DT_SONAME is not " + *plan.soname;
  if (plan.remove_soname && !plan.soname && after.soname) return "DT_SONAME is still there";
  // The rewriter replaces, then removes, then adds.
  for (const auto& [from, to] : plan.replace_needed)
    if (has(before.needed, from) && !has(plan.remove_needed, to) && !has(after.needed, to))
      return "DT_NEEDED " + from + " was not replaced by " + to;
  for (const auto& n : plan.add_needed)
    if (!has(after.needed, n)) return "DT_NEEDED " + n + " was not added";
  for (const auto& n : plan.remove_needed)
    if (has(after.needed, n) && !has(plan.add_needed, n)) return "DT_NEEDED " + n + " was not removed";
  if (plan.rpath_op == RpathOp::set) {
    const auto& got = plan.force_rpath ? after.rpath : after.runpath;
    if (got != plan.rpath) return std::string(plan.force_rpath ? "DT_RPATH" : "DT_RUNPATH") + " is not " + plan.rpath;
  }
  if (plan.rpath_op == RpathOp::remove && (after.rpath || after.runpath)) return "the RPATH/RUNPATH is still there";
  if (plan.interpreter && before.interpreter && after.interpreter != plan.interpreter)
    return "the interpreter is not " + *plan.interpreter;
  return {};
}

}  // namespace

util::Status verify_rewrite(util::Bytes before, util::Bytes after, const std::string& name, const EditPlan& plan) {
  if (plan.resolution_note) {
    auto img = parse_image(after, name);
    int k = img ? find_section(*img, kResolutionNoteSection) : -1;
    if (k < 0 || note_descriptor(*img, img->sh[k]) != *plan.resolution_note)
      return make_error(name, ": the rewritten file does not read back (",
                        img ? "the resolution cache note is not there" : img.error().message,
                        "); it was not kept. Please report this with the input file");
  }
  auto old_info = parse(before, name);
  if (!old_info) return {};  // only the rewriter's own reader accepted the input: nothing to compare with
  auto new_info = parse(after, name);
  if (!new_info)
    return make_error(name, ": the rewritten file does not read back (", new_info.error().message,
                      "); it was not kept. Please report this with the input file");
  if (!old_info->has_dynamic) return {};
  std::string missing = missing_edit(*old_info, *new_info, plan);
  if (!missing.empty())
    return make_error(name, ": the rewritten file does not read back as planned (", missing,
                      "); it was not kept. Please report this with the input file");
  return {};
}

}  // namespace wheelfix::elf::rw
