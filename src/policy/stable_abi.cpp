// The Stable ABI data file: versions, parsing and where it is found.
#include "wheelfix/policy/stable_abi.hpp"

#include <charconv>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "wheelfix/util/mapped_file.hpp"

namespace wheelfix::policy {

namespace {

// A decimal number of 1-3 digits, the whole of `text`.
std::optional<int> small_number(std::string_view text) {
  if (text.empty() || text.size() > 3) return std::nullopt;
  int v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

constexpr const char* kDataFile = "stable_abi/stable-abi.json";

util::Result<StableAbiItem> read_item(const nlohmann::json& item, const std::string& where) {
  if (!item.is_object()) return util::make_error(where, " must be an object");
  StableAbiItem out;
  auto kind = item.find("kind");
  if (kind == item.end() || !kind->is_string() || (*kind != "function" && *kind != "data"))
    return util::make_error(where, ".kind must be \"function\" or \"data\"");
  out.data = *kind == "data";
  auto added = item.find("added");
  std::optional<PythonVersion> v;
  if (added != item.end() && added->is_string()) v = PythonVersion::parse(added->get<std::string>());
  if (!v) return util::make_error(where, ".added must be a version string such as \"3.10\"");
  out.added = *v;
  if (auto abi_only = item.find("abi_only"); abi_only != item.end()) {
    if (!abi_only->is_boolean()) return util::make_error(where, ".abi_only must be true or false");
    out.abi_only = abi_only->get<bool>();
  }
  return out;
}

// The data file beside the binary, as for the policy files; "" if none.
std::string default_stable_abi_file() {
  std::error_code ec;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  std::filesystem::path dir = exe.parent_path();
  for (const auto& candidate : {dir / "policies" / kDataFile, dir / ".." / "share" / "wheelfix" / "policies" / kDataFile})
    if (std::filesystem::is_regular_file(candidate, ec)) return candidate.string();
  return {};
}

}  // namespace

std::string PythonVersion::to_string() const { return std::to_string(major) + "." + std::to_string(minor); }

std::string PythonVersion::cp_tag() const { return "cp" + std::to_string(major) + std::to_string(minor); }

std::optional<PythonVersion> PythonVersion::parse(std::string_view text) {
  auto dot = text.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  auto major = small_number(text.substr(0, dot));
  auto minor = small_number(text.substr(dot + 1));
  if (!major || !minor) return std::nullopt;
  return PythonVersion{*major, *minor};
}

std::optional<PythonVersion> PythonVersion::from_cp_tag(std::string_view tag) {
  if (!tag.starts_with("cp3") || tag.size() < 4) return std::nullopt;
  auto minor = small_number(tag.substr(3));
  if (!minor) return std::nullopt;
  return PythonVersion{3, *minor};
}

const StableAbiItem* StableAbi::find(std::string_view name) const {
  auto it = symbols.find(name);
  return it == symbols.end() ? nullptr : &it->second;
}

util::Result<StableAbi> parse_stable_abi(std::string_view text, const std::string& source) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    return util::make_error(source, ": invalid JSON: ", e.what());
  }
  if (!doc.is_object()) return util::make_error(source, ": expected a JSON object with \"symbols\"");
  auto symbols = doc.find("symbols");
  if (symbols == doc.end() || !symbols->is_object() || symbols->empty())
    return util::make_error(source, ": \"symbols\" must be a non-empty object of name -> item");
  StableAbi abi;
  abi.source = source;
  for (const auto& [name, item] : symbols->items()) {
    if (name.empty()) return util::make_error(source, ": symbols has an empty name");
    WF_TRY(auto parsed, read_item(item, source + ": symbols." + name));
    abi.symbols.emplace(name, parsed);
  }
  return abi;
}

util::Result<StableAbi> load_stable_abi(const std::optional<std::string>& file) {
  std::string path = file ? *file : default_stable_abi_file();
  if (!path.empty()) {
    WF_TRY(std::string text, util::read_text_file(path));
    return parse_stable_abi(text, path);
  }
  auto embedded = embedded_stable_abi_files();
  if (embedded.empty())
    return util::make_error("no Stable ABI data found next to the wheelfix binary (policies/", kDataFile, ")");
  return parse_stable_abi(embedded.front().text, std::string("<embedded>/") + embedded.front().name);
}

}  // namespace wheelfix::policy
