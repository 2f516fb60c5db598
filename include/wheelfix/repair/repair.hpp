// `repair`: vendor external libraries into a wheel, rewrite its ELF files,
// retag it and write it deterministically.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "wheelfix/policy/policy.hpp"
#include "wheelfix/policy/stable_abi.hpp"
#include "wheelfix/repair/analyze.hpp"
#include "wheelfix/util/result.hpp"
#include "wheelfix/wheel/wheel.hpp"
#include "wheelfix/wheel/zip_writer.hpp"

namespace wheelfix::repair {

class PackageOwners;  // src/repair/sbom.hpp
// The package-owner lookup one run shares across its wheels, reading the
// dpkg database under `dpkg_admin_dir` (dpkg's --admindir) once. Never fails.
std::shared_ptr<PackageOwners> make_package_owners(std::string dpkg_admin_dir);

// Options of one repair (auditwheel's flags where the meaning is the same).
struct RepairOptions {
  std::string output_dir = "wheelhouse";
  std::optional<std::string> plat;   // policy name, alias or tag; nullopt = best
  bool only_plat = false;            // exactly `plat`, not a better policy
  bool strip = false;                // strip symbols from ELF files (binutils strip)
  std::string lib_sdir = ".libs";    // suffix of the vendored-libraries folder
  int level = 6;                     // deflate level of rewritten members
  bool update_tags = true;           // retag filename and WHEEL
  // False (--patcher none): no ELF file is edited; a wheel that needs a
  // library vendored is refused, other edits are skipped with a warning.
  bool edit_elf = true;
  unsigned threads = 0;              // 0 = all cores
  std::int64_t source_date_epoch = 315532800;  // 1980-01-01
  std::string temp_dir;              // scratch space ("" = output_dir)
  wheel::PieceCacheOptions cache;    // compressed pieces of large members kept between runs ("" dir = none)
  // The Stable ABI data for the abi3 check of wheels with the abi3 tag
  // (docs/tags.md#abi3); nullptr = no check.
  std::shared_ptr<const policy::StableAbi> stable_abi;
  bool abi3_lower_bound = false;  // raise cp3X to the version the imports need, not an error
  bool abi3_warn = false;         // abi3 problems left in the output are warnings, not errors
  // Who owns each vendored library (the SBOM), shared by the repairs of one
  // run so the package database is read once; nullptr = one lookup per wheel.
  std::shared_ptr<PackageOwners> package_owners;
  // Progress of the long stages ("rewriting", "writing"): items done/total
  // and uncompressed bytes written so far. Called on the calling thread.
  std::function<void(const char* stage, std::size_t done, std::size_t total, std::uint64_t bytes)> progress;
};

// One vendored library.
struct VendoredLib {
  std::string soname;       // the DT_NEEDED name it replaces
  std::string member;       // its path in the repaired wheel
  std::string source_path;  // the file it was copied from
  std::uint64_t size = 0;
  std::string sha256;       // hex, of the source file
};

// What a repair did.
struct RepairReport {
  std::string input;
  std::string output;  // the written wheel
  std::string platform_tag;
  std::string python_tag;  // the python tag set written ("cp310"), '.'-joined
  std::string policy;  // the policy the wheel was repaired to
  std::vector<VendoredLib> vendored;
  std::vector<std::string> warnings;
};

// Splits a soname into the hashed name auditwheel users expect:
// ("libffi.so.8", "983e72b7...") -> "libffi-983e72b7.so.8".
std::string hashed_name(const std::string& soname, const std::string& sha256_hex);

// The relative path from folder `from_dir` to `to` (both wheel paths,
// '/'-separated, no leading '/'), e.g. ("a/b", "x.libs") -> "../../x.libs".
std::string relative_path(const std::string& from_dir, const std::string& to);

// The wheel folder that RPATH entry `entry` of a file in folder `from_dir`
// names ("" for the wheel root), when the entry is $ORIGIN-relative and stays
// inside the wheel: ("pkg", "$ORIGIN/lib") -> "pkg/lib"; nullopt for an
// absolute or working-directory-relative entry, or one that leaves the wheel.
std::optional<std::string> origin_entry_folder(const std::string& from_dir, const std::string& entry);

// The RPATH entry that leads from folder `from_dir` to folder `to_dir` (both
// wheel paths): ("pkg", "pkg.libs") -> "$ORIGIN/../pkg.libs", ("a", "a") -> "$ORIGIN".
std::string origin_entry(const std::string& from_dir, const std::string& to_dir);

// The platform tags after retagging to `target` on `arch`: the input's tags
// other than linux_*, plus the target's name and aliases, ASCII-sorted.
std::vector<std::string> retag_platforms(const std::vector<std::string>& old_platforms,
                                         const policy::Policy& target, elf::Arch arch);

// Repairs `wheel` (already analyzed as `analysis`) into options.output_dir.
// Fails, writing nothing, with "<wheel>: <why>" (including every reason when
// the requested policy cannot be reached).
util::Result<RepairReport> repair_wheel(const wheel::Wheel& wheel, const Analysis& analysis,
                                        const policy::PolicySet& policies, const RepairOptions& options);

}  // namespace wheelfix::repair
