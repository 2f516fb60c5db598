#include "repair/sbom.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string_view>

#include "wheelfix/util/process.hpp"
#include "wheelfix/util/strings.hpp"

namespace wheelfix::repair {

namespace fs = std::filesystem;

namespace {

// Percent-encodes the characters a purl version or name may not hold.
std::string purl_escape(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '.' || c == '-' || c == '_' || c == '~' || c == '+') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

std::string os_release_id() {
  std::ifstream in("/etc/os-release");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("ID=")) {
      std::string id = line.substr(3);
      if (id.size() >= 2 && id.front() == '"') id = id.substr(1, id.size() - 2);
      return id;
    }
  }
  return "debian";
}

// The path's /usr-merged alias: /usr/lib/x <-> /lib/x.
std::string usr_alias(const std::string& path) { return path.starts_with("/usr/") ? path.substr(4) : "/usr" + path; }

// FNV-1a, 64 bits: the index key of a path (hits are confirmed, so a
// collision costs one extra file read, never a wrong answer).
std::uint64_t path_hash(std::string_view path) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : path) h = (h ^ c) * 1099511628211ull;
  return h;
}

std::optional<std::string> read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return std::move(ss).str();
}

// Calls fn(line) for each line of `text` (no line break; a last line without one too).
template <typename Fn>
void for_each_line(std::string_view text, Fn&& fn) {
  while (!text.empty()) {
    auto nl = text.find('\n');
    fn(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
}

// The packages of a dpkg status file, keyed "name:arch" and "name" (an
// installed instance wins the plain name over one that is not installed).
std::map<std::string, PackageOwner> read_dpkg_status(const std::string& text, const std::string& os_id) {
  std::map<std::string, PackageOwner> out;
  std::map<std::string, bool> plain_installed;
  PackageOwner cur{"dpkg", "", "", "", ""};
  bool installed = false;
  auto flush = [&] {
    if (!cur.name.empty() && !cur.version.empty()) {
      cur.purl = "pkg:deb/" + os_id + "/" + purl_escape(cur.name) + "@" + purl_escape(cur.version) +
                 (cur.arch.empty() ? "" : "?arch=" + purl_escape(cur.arch));
      out.emplace(cur.name + ":" + cur.arch, cur);
      auto it = plain_installed.find(cur.name);
      if (it == plain_installed.end() || (!it->second && installed)) {
        out.insert_or_assign(cur.name, cur);
        plain_installed[cur.name] = installed;
      }
    }
    cur = PackageOwner{"dpkg", "", "", "", ""};
    installed = false;
  };
  for_each_line(text, [&](std::string_view line) {
    if (line.empty()) return flush();
    auto value = [&](std::size_t n) { return std::string(util::trim(std::string(line.substr(n)))); };
    if (line.starts_with("Package:")) cur.name = value(8);
    else if (line.starts_with("Version:")) cur.version = value(8);
    else if (line.starts_with("Architecture:")) cur.arch = value(13);
    else if (line.starts_with("Status:")) installed = value(7).ends_with(" installed");
  });
  flush();
  return out;
}

std::optional<PackageOwner> rpm_owner(const std::string& path) {
  auto r = util::run_process({"rpm", "-qf", "--qf", "%{NAME} %{VERSION}-%{RELEASE} %{ARCH}", path});
  if (!r.ok() || r->exit_code != 0) return std::nullopt;
  auto parts = util::split(std::string(util::trim(r->out)), ' ');
  if (parts.size() != 3) return std::nullopt;
  PackageOwner o{"rpm", parts[0], parts[1], parts[2], ""};
  o.purl = "pkg:rpm/" + os_release_id() + "/" + purl_escape(o.name) + "@" + purl_escape(o.version) +
           "?arch=" + purl_escape(o.arch);
  return o;
}

std::optional<PackageOwner> apk_owner(const std::string& path) {
  auto r = util::run_process({"apk", "info", "--who-owns", path});
  if (!r.ok() || r->exit_code != 0) return std::nullopt;
  // "<path> is owned by <name>-<version>-r<rel>"
  auto pos = r->out.rfind(" is owned by ");
  if (pos == std::string::npos) return std::nullopt;
  std::string nv(util::trim(r->out.substr(pos + 13)));
  auto rel = nv.rfind('-');
  auto ver = rel == std::string::npos ? std::string::npos : nv.rfind('-', rel - 1);
  if (ver == std::string::npos) return std::nullopt;
  PackageOwner o{"apk", nv.substr(0, ver), nv.substr(ver + 1), "", ""};
  o.purl = "pkg:apk/" + os_release_id() + "/" + purl_escape(o.name) + "@" + purl_escape(o.version);
  return o;
}

}  // namespace

PackageOwners::PackageOwners(std::string dpkg_admin_dir, bool ask_tools, std::string os_id)
    : admin_dir_(std::move(dpkg_admin_dir)), ask_tools_(ask_tools), os_id_(std::move(os_id)) {}

int PackageOwners::dpkg_reads() const {
  std::lock_guard lock(mutex_);
  return dpkg_reads_;
}

// Reads every info/*.list file into index_ and the status file into
// packages_[i].owner. A missing info folder or status file: no dpkg.
void PackageOwners::load_dpkg_locked() {
  dpkg_loaded_ = true;
  if (os_id_.empty()) os_id_ = os_release_id();
  std::error_code ec;
  fs::directory_iterator it(admin_dir_ + "/info", ec);
  if (ec) return;
  auto status = read_text(admin_dir_ + "/status");
  if (!status) return;
  dpkg_present_ = true;
  ++dpkg_reads_;
  std::vector<std::string> stems;
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) break;
    std::string name = it->path().filename().string();
    if (name.size() > 5 && name.ends_with(".list")) stems.push_back(name.substr(0, name.size() - 5));
  }
  std::sort(stems.begin(), stems.end());  // the first owner in name order, whatever the directory order
  auto owners = read_dpkg_status(*status, os_id_);
  for (const auto& stem : stems) {
    auto text = read_text(admin_dir_ + "/info/" + stem + ".list");
    if (!text) continue;
    auto idx = static_cast<std::uint32_t>(packages_.size());
    std::optional<PackageOwner> owner;
    if (auto o = owners.find(stem); o != owners.end()) owner = o->second;
    packages_.push_back({stem, std::move(owner)});
    for_each_line(*text, [&](std::string_view line) {
      if (!line.empty()) index_.emplace_back(path_hash(line), idx);
    });
  }
  std::sort(index_.begin(), index_.end());
  index_.erase(std::unique(index_.begin(), index_.end()), index_.end());
  index_.shrink_to_fit();
}

bool PackageOwners::listed_in(const DpkgPackage& pkg, const std::string& path) const {
  auto text = read_text(admin_dir_ + "/info/" + pkg.list_stem + ".list");
  if (!text) return false;
  bool found = false;
  for_each_line(*text, [&](std::string_view line) { found = found || line == path; });
  return found;
}

std::optional<PackageOwner> PackageOwners::dpkg_owner_locked(const std::string& path) {
  for (const std::string& p : {path, usr_alias(path)}) {
    auto key = path_hash(p);
    auto lo = std::lower_bound(index_.begin(), index_.end(), std::pair<std::uint64_t, std::uint32_t>{key, 0});
    for (auto it = lo; it != index_.end() && it->first == key; ++it) {
      const auto& pkg = packages_[it->second];
      if (pkg.owner && listed_in(pkg, p)) return pkg.owner;
    }
  }
  return std::nullopt;
}

std::optional<PackageOwner> PackageOwners::tool_owner_locked(const std::string& path) {
  if (!ask_tools_) return std::nullopt;
  auto [it, fresh] = tool_cache_.try_emplace(path);
  if (!fresh) return it->second;
  if (util::program_exists("rpm")) it->second = rpm_owner(path);
  if (!it->second && util::program_exists("apk")) it->second = apk_owner(path);
  return it->second;
}

std::vector<std::optional<PackageOwner>> PackageOwners::find(const std::vector<std::string>& paths) {
  std::lock_guard lock(mutex_);
  if (!dpkg_loaded_) load_dpkg_locked();
  std::vector<std::optional<PackageOwner>> owners(paths.size());
  for (std::size_t i = 0; i < paths.size(); ++i) {
    if (dpkg_present_) owners[i] = dpkg_owner_locked(paths[i]);
    if (!owners[i]) owners[i] = tool_owner_locked(paths[i]);
  }
  return owners;
}

std::vector<std::optional<PackageOwner>> find_package_owners(const std::vector<std::string>& paths) {
  PackageOwners owners;
  return owners.find(paths);
}

std::optional<PackageOwner> find_package_owner(const std::string& path) {
  return find_package_owners({path}).front();
}

std::string make_sbom(const std::string& dist, const std::string& version, const std::vector<VendoredLib>& libs,
                      const std::vector<std::optional<PackageOwner>>& owners) {
  using nlohmann::json;
  json doc;
  doc["bomFormat"] = "CycloneDX";
  doc["specVersion"] = "1.5";
  doc["version"] = 1;
  doc["metadata"]["tools"]["components"] = json::array({{{"type", "application"}, {"name", "wheelfix"}}});
  doc["metadata"]["component"] = {{"type", "library"},
                                  {"bom-ref", "pkg:pypi/" + purl_escape(dist) + "@" + purl_escape(version)},
                                  {"name", dist},
                                  {"version", version},
                                  {"purl", "pkg:pypi/" + purl_escape(dist) + "@" + purl_escape(version)}};
  json components = json::array();
  json depends = json::array();
  for (std::size_t i = 0; i < libs.size(); ++i) {
    const auto& lib = libs[i];
    json c = {{"type", "library"}, {"bom-ref", lib.member}, {"name", lib.soname}};
    c["hashes"] = json::array({{{"alg", "SHA-256"}, {"content", lib.sha256}}});
    json props = json::array({{{"name", "wheelfix:source_path"}, {"value", lib.source_path}},
                              {{"name", "wheelfix:vendored_as"}, {"value", lib.member}}});
    if (i < owners.size() && owners[i]) {
      const auto& o = *owners[i];
      c["version"] = o.version;
      c["purl"] = o.purl;
      props.push_back({{"name", "wheelfix:package"}, {"value", o.manager + ":" + o.name}});
    }
    c["properties"] = props;
    components.push_back(c);
    depends.push_back(lib.member);
  }
  doc["components"] = components;
  doc["dependencies"] = json::array({{{"ref", doc["metadata"]["component"]["bom-ref"]}, {"dependsOn", depends}}});
  // Paths that are not UTF-8 (a library in a Latin-1 folder) get U+FFFD
  // instead of an exception: the SBOM is written into every repaired wheel.
  return doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::shared_ptr<PackageOwners> make_package_owners(std::string dpkg_admin_dir) {
  return std::make_shared<PackageOwners>(std::move(dpkg_admin_dir));
}

}  // namespace wheelfix::repair
