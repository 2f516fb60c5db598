// CycloneDX SBOM of the libraries a repair vendors (PEP 770 location).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "wheelfix/repair/repair.hpp"

namespace wheelfix::repair {

// The system package that owns a file.
struct PackageOwner {
  std::string manager;  // "dpkg", "rpm", "apk"
  std::string name;
  std::string version;
  std::string arch;
  std::string purl;     // pkg:deb/debian/zlib1g@1%3A1.2.13.dfsg-1?arch=amd64
};

// Asks the system's package manager who owns `path` (also trying its
// /usr-merged alias). nullopt when none is installed or none owns it.
std::optional<PackageOwner> find_package_owner(const std::string& path);

// find_package_owner() for many paths at once (one dpkg-query call for all
// of them); the result is parallel to `paths`.
std::vector<std::optional<PackageOwner>> find_package_owners(const std::vector<std::string>& paths);

// The SBOM document for `libs` vendored into `dist` `version`: no
// timestamps or random serial numbers, so equal inputs give equal bytes.
std::string make_sbom(const std::string& dist, const std::string& version, const std::vector<VendoredLib>& libs,
                      const std::vector<std::optional<PackageOwner>>& owners);

}  // namespace wheelfix::repair
