// CycloneDX SBOM of the libraries a repair vendors (PEP 770 location).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
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

// Which installed package owns a file, for every wheel of one run: the
// dpkg database (`<admin_dir>/info/*.list` and `<admin_dir>/status`) is
// read once, on the first lookup, into an index of path hashes (a hit is
// confirmed against that package's .list file, so a hash collision never
// names a wrong owner); without a dpkg database, `rpm -qf` / `apk info
// --who-owns` are asked once per path and remembered. Safe to call from
// several threads. Lookups that cannot be answered give nullopt, never an
// error: an SBOM without a package name is still a valid SBOM.
class PackageOwners {
 public:
  // `dpkg_admin_dir` as dpkg's --admindir; `ask_tools` false never runs
  // rpm or apk (tests); `os_id` the purl namespace ("" = ID= of /etc/os-release).
  explicit PackageOwners(std::string dpkg_admin_dir = "/var/lib/dpkg", bool ask_tools = true,
                         std::string os_id = "");
  PackageOwners(const PackageOwners&) = delete;
  PackageOwners& operator=(const PackageOwners&) = delete;

  // The owners of `paths` (each also tried under its /usr-merged alias),
  // parallel to `paths`.
  std::vector<std::optional<PackageOwner>> find(const std::vector<std::string>& paths);

  // How many times the dpkg database has been read (0 or 1; for tests).
  int dpkg_reads() const;

 private:
  struct DpkgPackage {
    std::string list_stem;  // "zlib1g:amd64" (the .list file's name without .list)
    std::optional<PackageOwner> owner;  // from the status file; nullopt when not installed there
  };
  void load_dpkg_locked();
  std::optional<PackageOwner> dpkg_owner_locked(const std::string& path);
  bool listed_in(const DpkgPackage& pkg, const std::string& path) const;
  std::optional<PackageOwner> tool_owner_locked(const std::string& path);

  std::string admin_dir_;
  bool ask_tools_;
  std::string os_id_;
  mutable std::mutex mutex_;
  bool dpkg_loaded_ = false;
  bool dpkg_present_ = false;
  int dpkg_reads_ = 0;
  std::vector<DpkgPackage> packages_;
  std::vector<std::pair<std::uint64_t, std::uint32_t>> index_;  // (path hash, package), sorted
  std::map<std::string, std::optional<PackageOwner>> tool_cache_;
};

// Asks the system's package manager who owns `path` (also trying its
// /usr-merged alias). nullopt when none is installed or none owns it.
std::optional<PackageOwner> find_package_owner(const std::string& path);

// find_package_owner() for many paths at once (one read of the package
// database for all of them); the result is parallel to `paths`.
std::vector<std::optional<PackageOwner>> find_package_owners(const std::vector<std::string>& paths);

// The SBOM document for `libs` vendored into `dist` `version`: no
// timestamps or random serial numbers, so equal inputs give equal bytes.
std::string make_sbom(const std::string& dist, const std::string& version, const std::vector<VendoredLib>& libs,
                      const std::vector<std::optional<PackageOwner>>& owners);

}  // namespace wheelfix::repair
