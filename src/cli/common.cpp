#include "cli/common.hpp"

#include <algorithm>
#include <cstdlib>
#include <map>

#include "cli/commands.hpp"
#include "wheelfix/util/strings.hpp"
#include "wheelfix/wheel/record.hpp"

namespace wheelfix::cli {

util::Result<policy::PolicySet> load_policy_set(const std::vector<std::string>& files) {
  auto list = files.empty() ? policy::default_policy_files() : files;
  if (!list.empty()) return policy::load_policies(list);
  // None beside the binary: the copies compiled into it.
  if (!policy::embedded_policy_files().empty()) return policy::load_embedded_policies();
  return util::make_error("no policy files found next to the wheelfix binary (policies/*.json); use --policy-file");
}

std::optional<std::string> library_path_from_env() {
  const char* aw = std::getenv("AUDITWHEEL_LD_LIBRARY_PATH");
  const char* ld = std::getenv("LD_LIBRARY_PATH");
  bool has_aw = aw && *aw, has_ld = ld && *ld;
  if (!has_aw && !has_ld) return ld ? std::optional<std::string>(ld) : std::nullopt;
  if (has_aw && has_ld) return std::string(aw) + ":" + ld;
  return std::string(has_aw ? aw : ld);
}

repair::AnalyzeOptions make_analyze_options(const SearchOptions& search, const std::vector<std::string>& exclude,
                                            bool check_isa) {
  repair::AnalyzeOptions o;
  o.loader = elf::make_loader_config(search.root, library_path_from_env(), search.ldpaths);
  o.eval.exclude = exclude;
  o.eval.check_isa = check_isa;
  return o;
}

util::Result<AnalyzedWheel> open_and_analyze(const std::string& path, const policy::PolicySet& policies,
                                             const repair::AnalyzeOptions& options) {
  WF_TRY(auto whl, wheel::Wheel::open(path));
  WF_TRY(auto analysis, repair::analyze_wheel(whl.zip(), policies, options));
  return AnalyzedWheel{std::move(whl), std::move(analysis)};
}

std::vector<std::string> record_listing_problems(const wheel::Wheel& whl) {
  std::vector<std::string> out;
  const std::string record_path = whl.dist_info_file("RECORD");
  std::map<std::string_view, const wheel::RecordRow*> listed;
  for (const auto& row : whl.record())
    if (!listed.emplace(row.path, &row).second) out.push_back(util::printable(row.path) + ": listed more than once");
  for (const auto& e : whl.zip().entries()) {
    if (e.is_directory() || e.name == record_path || wheel::is_record_signature(e.name, record_path)) continue;
    auto it = listed.find(e.name);
    if (it == listed.end()) {
      out.push_back(util::printable(e.name) + ": not listed");
    } else if (it->second->size && *it->second->size != e.uncompressed_size) {
      out.push_back(util::printable(e.name) + ": " + std::to_string(e.uncompressed_size) + " bytes, RECORD says " +
                    std::to_string(*it->second->size));
    }
  }
  for (const auto& [path, row] : listed)
    if (path != record_path && !whl.zip().find(row->path)) out.push_back(util::printable(row->path) + ": listed but not in the archive");
  return out;
}

std::string record_warning(const wheel::Wheel& whl, std::size_t max_items) {
  auto problems = record_listing_problems(whl);
  if (problems.empty()) return {};
  std::string msg =
      whl.path() + ": " + whl.dist_info_file("RECORD") + " disagrees with the archive (repair regenerates it): ";
  for (std::size_t i = 0; i < problems.size() && i < max_items; ++i) msg += (i ? "; " : "") + problems[i];
  if (problems.size() > max_items) msg += "; and " + std::to_string(problems.size() - max_items) + " more";
  return msg;
}

int combine_status(int so_far, int wheel_status) {
  if (so_far == kFailure || wheel_status == kFailure) return kFailure;
  return std::max(so_far, wheel_status);
}

}  // namespace wheelfix::cli
