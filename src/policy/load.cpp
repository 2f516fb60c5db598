// Policy files: JSON schema validation, merging and the default search path.
#include <algorithm>
#include <filesystem>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>

#include "wheelfix/policy/policy.hpp"
#include "wheelfix/util/mapped_file.hpp"

namespace wheelfix::policy {
namespace {

using nlohmann::json;

// Names and aliases become parts of wheel file names: keep them to the
// characters a platform tag may hold.
bool valid_tag_part(const std::string& s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// Reads the fields of one policy object; `where` prefixes every error
// ("manylinux-policy.json: policy 3 (manylinux_2_17)").
class PolicyReader {
 public:
  PolicyReader(const json& obj, std::string where) : obj_(obj), where_(std::move(where)) {}

  util::Result<const json*> field(const char* key) const {
    auto it = obj_.find(key);
    if (it == obj_.end()) return fail(key, " is missing");
    return &*it;
  }

  util::Error fail(std::string_view what, std::string_view problem) const {
    return util::make_error(where_, ": ", std::string(what), std::string(problem));
  }

  // A JSON list of strings, into `out` (set or vector).
  template <typename Out>
  util::Status strings(const json& value, const std::string& what, Out& out) const {
    if (!value.is_array()) return fail(what, " must be a list of strings");
    for (const auto& item : value) {
      if (!item.is_string()) return fail(what, " must be a list of strings");
      out.insert(out.end(), item.get<std::string>());
    }
    return {};
  }

  void rename(const std::string& where) { where_ = where; }

 private:
  const json& obj_;
  std::string where_;
};

util::Status read_symbol_versions(const PolicyReader& r, const json& sv, Policy& p) {
  if (!sv.is_object()) return r.fail("symbol_versions", " must be an object");
  for (const auto& [arch, prefixes] : sv.items()) {
    std::string what = "symbol_versions." + arch;
    if (!prefixes.is_object()) return r.fail(what, " must be an object");
    auto& dst = p.symbol_versions[arch];
    for (const auto& [prefix, versions] : prefixes.items()) {
      WF_CHECK(r.strings(versions, what + "." + prefix, dst[prefix]));
    }
  }
  return {};
}

util::Result<Policy> read_policy(const json& obj, const std::string& source, std::size_t index) {
  std::string where = source + ": policy " + std::to_string(index);
  if (!obj.is_object()) return util::make_error(where, " must be an object");
  PolicyReader r(obj, where);
  Policy p;

  WF_TRY(const json* name, r.field("name"));
  if (!name->is_string() || !valid_tag_part(name->get<std::string>())) {
    return r.fail("name", " must be a non-empty string of letters, digits and '_'");
  }
  p.name = name->get<std::string>();
  p.libc = libc_from_policy_name(p.name);
  r.rename(where + " (" + p.name + ")");

  WF_TRY(const json* aliases, r.field("aliases"));
  WF_CHECK(r.strings(*aliases, "aliases", p.aliases));
  for (const auto& alias : p.aliases) {
    if (!valid_tag_part(alias)) return r.fail("aliases", " must hold letters, digits and '_' only");
  }

  WF_TRY(const json* priority, r.field("priority"));
  if (!priority->is_number_integer()) return r.fail("priority", " must be an integer");
  if (priority->is_number_unsigned() ? priority->get<std::uint64_t>() > std::numeric_limits<int>::max()
                                     : (priority->get<std::int64_t>() < std::numeric_limits<int>::min() ||
                                        priority->get<std::int64_t>() > std::numeric_limits<int>::max())) {
    return r.fail("priority", " is out of range");
  }
  p.priority = static_cast<int>(priority->get<std::int64_t>());

  WF_TRY(const json* sv, r.field("symbol_versions"));
  WF_CHECK(read_symbol_versions(r, *sv, p));

  WF_TRY(const json* whitelist, r.field("lib_whitelist"));
  WF_CHECK(r.strings(*whitelist, "lib_whitelist", p.lib_whitelist));

  WF_TRY(const json* blacklist, r.field("blacklist"));
  if (!blacklist->is_object()) return r.fail("blacklist", " must be an object");
  for (const auto& [soname, symbols] : blacklist->items()) {
    WF_CHECK(r.strings(symbols, "blacklist." + soname, p.blacklist[soname]));
  }
  return p;
}

// Fails when a name or alias is used by two policies of `policies`.
util::Status check_unique_names(const std::vector<Policy>& policies, const std::string& source) {
  std::map<std::string, std::string> owner;  // name or alias -> policy name
  for (const auto& p : policies) {
    std::vector<std::string> names = p.aliases;
    names.insert(names.begin(), p.name);
    for (const auto& n : names) {
      auto [it, inserted] = owner.emplace(n, p.name);
      if (!inserted) {
        return util::make_error(source, ": policies ", it->second, " and ", p.name, " both use the name ", n);
      }
    }
  }
  return {};
}

// The *.json regular files of `dir`, sorted; empty if `dir` does not exist.
std::vector<std::string> json_files_in(const std::filesystem::path& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".json" && it->is_regular_file(ec)) files.push_back(it->path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

util::Result<std::vector<Policy>> parse_policies(std::string_view text, const std::string& source) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::exception& e) {  // parse_error, out_of_range (number overflow)
    return util::make_error(source, ": invalid JSON: ", e.what());
  }
  if (!doc.is_array()) return util::make_error(source, ": expected a JSON list of policies");
  std::vector<Policy> out;
  for (std::size_t i = 0; i < doc.size(); ++i) {
    WF_TRY(Policy p, read_policy(doc[i], source, i));
    out.push_back(std::move(p));
  }
  WF_CHECK(check_unique_names(out, source));
  return out;
}

util::Result<PolicySet> load_policy_texts(const std::vector<PolicyText>& texts) {
  if (texts.empty()) return util::make_error("no policy files were found");
  std::vector<Policy> merged;
  for (const auto& [source, text] : texts) {
    WF_TRY(std::vector<Policy> parsed, parse_policies(text, source));
    for (auto& p : parsed) {
      auto same = std::find_if(merged.begin(), merged.end(), [&](const Policy& q) { return q.name == p.name; });
      if (same != merged.end()) {
        *same = std::move(p);
      } else {
        merged.push_back(std::move(p));
      }
    }
    WF_CHECK(check_unique_names(merged, source));
  }
  bool has_fallback = std::any_of(merged.begin(), merged.end(), [](const Policy& p) { return p.is_fallback(); });
  if (!has_fallback) {
    Policy linux_policy;
    linux_policy.name = "linux";
    merged.push_back(std::move(linux_policy));
  }
  sort_policies(merged);
  return PolicySet{std::move(merged)};
}

util::Result<PolicySet> load_policies(const std::vector<std::string>& files) {
  if (files.empty()) return util::make_error("no policy files were found");
  std::vector<std::string> contents;
  contents.reserve(files.size());
  for (const auto& file : files) {
    WF_TRY(std::string text, util::read_text_file(file));
    contents.push_back(std::move(text));
  }
  std::vector<PolicyText> texts;
  for (std::size_t i = 0; i < files.size(); ++i) texts.push_back({files[i], contents[i]});
  return load_policy_texts(texts);
}

util::Result<PolicySet> load_embedded_policies() {
  std::vector<PolicyText> texts;
  for (const auto& f : embedded_policy_files()) texts.push_back({std::string("<embedded>/") + f.name, f.text});
  if (texts.empty()) return util::make_error("no policy files are embedded in this wheelfix binary");
  return load_policy_texts(texts);
}

std::vector<std::string> default_policy_files() {
  std::error_code ec;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  std::filesystem::path dir = exe.parent_path();
  auto files = json_files_in(dir / "policies");
  if (files.empty()) files = json_files_in(dir / ".." / "share" / "wheelfix" / "policies");
  return files;
}

}  // namespace wheelfix::policy
