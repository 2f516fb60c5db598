#include "cli/repair_step.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "wheelfix/util/atomic_file.hpp"
#include "wheelfix/util/mapped_file.hpp"
#include "wheelfix/wheel/zip_format.hpp"

namespace wheelfix::cli {

namespace {

std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? std::optional<std::string>(v) : std::nullopt;
}

}  // namespace

util::Result<repair::RepairOptions> make_repair_options(const RepairCmdOptions& o, const policy::PolicySet& policies) {
  repair::RepairOptions ro;
  ro.output_dir = o.wheel_dir;
  std::optional<std::string> plat = o.plat;
  if (!plat) plat = env("WHEELFIX_PLAT");
  if (!plat) plat = env("AUDITWHEEL_PLAT");
  if (plat && *plat != "auto") {
    if (!policies.find(*plat)) return util::make_error("unknown platform policy '", *plat, "'");
    ro.plat = std::move(plat);
  }
  ro.only_plat = o.only_plat;
  ro.strip = o.strip;
  ro.lib_sdir = o.lib_sdir;
  ro.level = o.level;
  ro.update_tags = !o.no_update_tags;
  ro.threads = o.jobs;
  if (auto sde = env("SOURCE_DATE_EPOCH")) {
    auto v = wheel::parse_source_date_epoch(*sde);
    if (!v) return util::make_error("SOURCE_DATE_EPOCH: ", v.error().message);
    ro.source_date_epoch = std::max<std::int64_t>(*v, wheel::kZipEpochMin);
  }
  return ro;
}

nlohmann::json repair_report_json(const repair::RepairReport& r, double seconds) {
  nlohmann::json libs = nlohmann::json::array();
  for (const auto& l : r.vendored)
    libs.push_back({{"name", l.soname}, {"member", l.member}, {"source_path", l.source_path}, {"size", l.size},
                    {"sha256", l.sha256}});
  return {{"input", r.input},     {"output", r.output},     {"ok", true},
          {"tag", r.platform_tag}, {"policy", r.policy},     {"vendored", libs},
          {"warnings", r.warnings}, {"seconds", seconds}};
}

util::Status copy_wheel_unchanged(const std::string& wheel, const std::string& dir) {
  WF_TRY(auto m, util::MappedFile::open(wheel));
  return util::write_file_atomic(dir + "/" + std::filesystem::path(wheel).filename().string(), m.bytes());
}

bool already_compatible(const wheel::WheelFilename& name, const repair::Analysis& analysis,
                        const policy::PolicySet& policies) {
  if (analysis.pure()) return true;
  if (!analysis.eval.grafted.empty() || !analysis.eval.libpython_links.empty()) return false;
  if (name.platform_tags.empty()) return false;
  std::string arch_suffix = std::string("_") + elf::arch_name(analysis.eval.arch);
  for (const auto& tag : name.platform_tags) {
    if (!tag.ends_with(arch_suffix)) return false;
    const policy::Policy* wanted = policies.find(tag);
    if (!wanted || wanted->is_fallback()) return false;
    bool reached = std::any_of(analysis.eval.results.begin(), analysis.eval.results.end(),
                               [&](const policy::PolicyResult& r) { return r.policy == wanted && r.ok; });
    if (!reached) return false;
  }
  return true;
}

}  // namespace wheelfix::cli
