// Which libc an in-wheel file needs, from every piece of evidence there is:
// its ELF data, its extension suffix, its dependencies, the wheel's name,
// and last the host (docs/comparison.md, "The libc family ...").
#include "repair/libc_evidence.hpp"

#include <filesystem>
#include <string_view>
#include <vector>

#include "wheelfix/wheel/wheel_filename.hpp"

namespace wheelfix::repair {

namespace {

// The libc an extension module's file name says it was built for: CPython's
// EXT_SUFFIX ends in "-<arch>-linux-gnu<abi>.so" or "-<arch>-linux-musl<abi>.so"
// (".cpython-312-x86_64-linux-musl.so", "-arm-linux-musleabihf.so").
policy::Libc libc_from_file_name(const std::string& member) {
  std::string base = std::filesystem::path(member).filename().string();
  auto so = base.rfind(".so");
  if (so == std::string::npos || so + 3 != base.size()) return policy::Libc::unknown;
  std::string_view stem = std::string_view(base).substr(0, so);
  auto dot = stem.rfind('.');
  std::string_view tag = dot == std::string_view::npos ? stem : stem.substr(dot + 1);
  if (tag.find("-linux-musl") != std::string_view::npos) return policy::Libc::musl;
  if (tag.find("-linux-gnu") != std::string_view::npos) return policy::Libc::glibc;
  return policy::Libc::unknown;
}

// The libc of the system wheelfix looks at (`root`, else this machine): the
// loader named by PT_INTERP of its shell, else whether musl's loader is
// installed (without glibc's). Used only when nothing in a wheel says.
policy::Libc host_libc(const std::string& root) {
  for (const char* exe : {"/bin/sh", "/usr/bin/env", "/bin/ls"}) {
    auto info = elf::parse_file(root + exe, elf::ParseOptions{.symbols = false});
    if (!info || !info->interpreter) continue;
    if (info->is_musl()) return policy::Libc::musl;
    return policy::Libc::glibc;
  }
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(root + "/lib", ec))
    if (e.path().filename().string().starts_with("ld-musl-")) return policy::Libc::musl;
  return policy::Libc::glibc;
}

// The libc family the wheel's file name claims (a manylinux or musllinux
// platform tag, one family only), else unknown.
policy::Libc libc_from_wheel_name(const std::string& wheel_path) {
  auto name = wheel::WheelFilename::parse(std::filesystem::path(wheel_path).filename().string());
  if (!name) return policy::Libc::unknown;
  policy::Libc found = policy::Libc::unknown;
  for (const auto& tag : name->platform_tags) {
    policy::Libc l = policy::libc_from_policy_name(tag);
    if (l == policy::Libc::unknown) continue;
    if (found != policy::Libc::unknown && found != l) return policy::Libc::unknown;
    found = l;
  }
  return found;
}

}  // namespace

policy::Libc libc_of(const elf::ElfInfo& info) {
  if (info.is_musl()) return policy::Libc::musl;
  for (const auto& n : info.needed) {
    if (n == "libc.so.6") return policy::Libc::glibc;
    if (n == "libc.so") return policy::Libc::musl;  // musl's libc; glibc's libc.so is a linker script
    if (n.starts_with("ld-musl-")) return policy::Libc::musl;  // musl's loader is its libc
  }
  if (info.interpreter && info.interpreter->find("ld-linux") != std::string::npos) return policy::Libc::glibc;
  return policy::Libc::unknown;
}

// Fills in the libc of in-wheel objects whose ELF data does not say, from
// their file names (before inherit_libc: a name is better evidence than a
// dependency resolved on this machine).
void libc_from_file_names(Analysis& a) {
  for (auto& o : a.graph.objects)
    if (o.in_wheel && o.libc == policy::Libc::unknown) o.libc = libc_from_file_name(o.path);
}

// An in-wheel object that links no libc itself (e.g. an extension that
// only needs a vendored library) runs on the libc its dependencies use.
void inherit_libc(policy::Graph& g) {
  for (auto& obj : g.objects) {
    if (!obj.in_wheel || obj.libc != policy::Libc::unknown) continue;
    std::vector<int> stack;
    std::vector<bool> seen(g.objects.size());
    for (const auto& d : obj.deps) stack.push_back(d.target);
    while (!stack.empty() && obj.libc == policy::Libc::unknown) {
      int i = stack.back();
      stack.pop_back();
      if (i < 0 || seen[i]) continue;
      seen[i] = true;
      obj.libc = g.objects[i].libc;
      for (const auto& d : g.objects[i].deps) stack.push_back(d.target);
    }
  }
}

// When no in-wheel object says which libc it needs, assumes the family the
// wheel's name claims, else the host's (as auditwheel does), and explains it
// in `a.warnings`.
void assume_libc(Analysis& a, const std::string& root) {
  bool known_arch = false;  // for an arch no tag exists for, no family matters
  for (const auto& o : a.graph.objects) {
    if (o.in_wheel && o.libc != policy::Libc::unknown) return;
    known_arch = known_arch || (o.in_wheel && o.arch != elf::Arch::unknown);
  }
  if (!known_arch || a.eval_options.assumed_libc) return;
  policy::Libc libc = libc_from_wheel_name(a.wheel_path);
  std::string source = "the family its file name claims";
  if (libc == policy::Libc::unknown) {
    libc = host_libc(root);
    source = "the libc of " + (root.empty() ? std::string("this machine") : root) + ", as auditwheel does";
  }
  a.eval_options.assumed_libc = libc;
  a.warnings.push_back(a.wheel_path + ": no file in this wheel says which libc it needs (no libc or loader in "
                       "DT_NEEDED, no PT_INTERP, no -linux-gnu/-linux-musl extension suffix); assuming " +
                       std::string(policy::libc_name(libc)) + ", " + source);
}

}  // namespace wheelfix::repair
