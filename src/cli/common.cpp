#include "cli/common.hpp"

#include <cstdlib>

#include "wheelfix/wheel/zip_reader.hpp"

namespace wheelfix::cli {

util::Result<policy::PolicySet> load_policy_set(const std::vector<std::string>& files) {
  auto list = files.empty() ? policy::default_policy_files() : files;
  if (!list.empty()) return policy::load_policies(list);
  // None beside the binary: the copies compiled into it.
  if (!policy::embedded_policy_files().empty()) return policy::load_embedded_policies();
  return util::make_error("no policy files found next to the wheelfix binary (policies/*.json); use --policy-file");
}

repair::AnalyzeOptions make_analyze_options(const SearchOptions& search, const std::vector<std::string>& exclude) {
  repair::AnalyzeOptions o;
  const char* env = std::getenv("LD_LIBRARY_PATH");
  o.loader = elf::make_loader_config(search.root, env ? std::optional<std::string>(env) : std::nullopt,
                                     search.ldpaths);
  o.eval.exclude = exclude;
  return o;
}

util::Result<repair::Analysis> open_and_analyze(const std::string& path, const policy::PolicySet& policies,
                                                const repair::AnalyzeOptions& options) {
  WF_TRY(auto zip, wheel::ZipReader::open(path));
  return repair::analyze_wheel(zip, policies, options);
}

}  // namespace wheelfix::cli
