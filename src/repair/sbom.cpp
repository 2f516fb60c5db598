#include "repair/sbom.hpp"

#include <nlohmann/json.hpp>

#include <fstream>

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

std::optional<PackageOwner> dpkg_owner(const std::string& path) {
  std::vector<std::string> candidates{path};
  if (path.starts_with("/usr/")) candidates.push_back(path.substr(4));
  else candidates.push_back("/usr" + path);
  for (const auto& p : candidates) {
    auto r = util::run_process({"dpkg-query", "-S", p});
    if (!r.ok() || r->exit_code != 0) continue;
    std::string line = r->out.substr(0, r->out.find('\n'));
    auto colon = line.find(": ");
    if (colon == std::string::npos) continue;
    std::string pkg = line.substr(0, colon);
    if (pkg.find(',') != std::string::npos) pkg = pkg.substr(0, pkg.find(','));  // diversions
    auto q = util::run_process({"dpkg-query", "-W", "-f=${Package} ${Version} ${Architecture}", pkg});
    if (!q.ok() || q->exit_code != 0) continue;
    auto parts = util::split(std::string(util::trim(q->out)), ' ');
    if (parts.size() != 3) continue;
    PackageOwner o{"dpkg", parts[0], parts[1], parts[2], ""};
    o.purl = "pkg:deb/" + os_release_id() + "/" + purl_escape(o.name) + "@" + purl_escape(o.version) +
             "?arch=" + purl_escape(o.arch);
    return o;
  }
  return std::nullopt;
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

std::optional<PackageOwner> find_package_owner(const std::string& path) {
  if (util::program_exists("dpkg-query"))
    if (auto o = dpkg_owner(path)) return o;
  if (util::program_exists("rpm"))
    if (auto o = rpm_owner(path)) return o;
  if (util::program_exists("apk"))
    if (auto o = apk_owner(path)) return o;
  return std::nullopt;
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
  return doc.dump(2) + "\n";
}

}  // namespace wheelfix::repair
