#include "repair/sbom.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <map>

#include "wheelfix/util/process.hpp"
#include "wheelfix/util/strings.hpp"

namespace wheelfix::repair {

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

// dpkg-query -S takes glob patterns; an absolute path without glob
// characters matches exactly, so escape the few that could appear.
std::string dpkg_literal(const std::string& path) {
  std::string out;
  for (char c : path) {
    if (c == '*' || c == '?' || c == '[' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

// Owners of `paths` (each also tried under its /usr-merged alias) with one
// `dpkg-query -S` and one `dpkg-query -W` for all of them: dpkg-query reads
// its whole database on every call, so one call per library dominated the
// repair of wheels that vendor many libraries.
std::vector<std::optional<PackageOwner>> dpkg_owners(const std::vector<std::string>& paths) {
  std::vector<std::optional<PackageOwner>> result(paths.size());
  std::vector<std::string> args{"dpkg-query", "-S"};
  for (const auto& path : paths) {
    args.push_back(dpkg_literal(path));
    args.push_back(dpkg_literal(path.starts_with("/usr/") ? path.substr(4) : "/usr" + path));
  }
  auto r = util::run_process(args);  // exit status 1 when some path is not owned
  if (!r.ok()) return result;
  std::map<std::string, std::string> owner_of;  // path -> package (first listed)
  for (const auto& line : util::split(r->out, '\n')) {
    auto colon = line.find(": ");
    if (colon == std::string::npos || line.starts_with("diversion ")) continue;
    std::string pkg = line.substr(0, colon);
    if (pkg.find(',') != std::string::npos) pkg = pkg.substr(0, pkg.find(','));
    owner_of.emplace(line.substr(colon + 2), pkg);
  }
  std::vector<std::string> pkgs;
  std::vector<std::string> chosen(paths.size());
  for (std::size_t i = 0; i < paths.size(); ++i) {
    const auto& p = paths[i];
    auto it = owner_of.find(p);
    if (it == owner_of.end()) it = owner_of.find(p.starts_with("/usr/") ? p.substr(4) : "/usr" + p);
    if (it == owner_of.end()) continue;
    chosen[i] = it->second;
    if (std::find(pkgs.begin(), pkgs.end(), it->second) == pkgs.end()) pkgs.push_back(it->second);
  }
  if (pkgs.empty()) return result;
  std::vector<std::string> wargs{"dpkg-query", "-W", "-f=${binary:Package} ${Package} ${Version} ${Architecture}\n"};
  wargs.insert(wargs.end(), pkgs.begin(), pkgs.end());
  auto q = util::run_process(wargs);
  if (!q.ok()) return result;
  std::map<std::string, PackageOwner> info;  // binary:Package and Package -> owner
  for (const auto& line : util::split(q->out, '\n')) {
    auto parts = util::split(std::string(util::trim(line)), ' ');
    if (parts.size() != 4) continue;
    PackageOwner o{"dpkg", parts[1], parts[2], parts[3], ""};
    o.purl = "pkg:deb/" + os_release_id() + "/" + purl_escape(o.name) + "@" + purl_escape(o.version) +
             "?arch=" + purl_escape(o.arch);
    info.emplace(parts[0], o);
    info.emplace(parts[1], o);
  }
  for (std::size_t i = 0; i < paths.size(); ++i) {
    if (chosen[i].empty()) continue;
    if (auto it = info.find(chosen[i]); it != info.end()) result[i] = it->second;
  }
  return result;
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

std::vector<std::optional<PackageOwner>> find_package_owners(const std::vector<std::string>& paths) {
  std::vector<std::optional<PackageOwner>> owners(paths.size());
  if (util::program_exists("dpkg-query")) owners = dpkg_owners(paths);
  for (std::size_t i = 0; i < paths.size(); ++i) {
    if (!owners[i] && util::program_exists("rpm")) owners[i] = rpm_owner(paths[i]);
    if (!owners[i] && util::program_exists("apk")) owners[i] = apk_owner(paths[i]);
  }
  return owners;
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

}  // namespace wheelfix::repair
