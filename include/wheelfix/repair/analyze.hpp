// Wheel analysis: finds the ELF files in a wheel (without extracting it),
// resolves their dependencies as the loader would, and evaluates policies.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "wheelfix/elf/elf_info.hpp"
#include "wheelfix/elf/loader.hpp"
#include "wheelfix/policy/evaluate.hpp"
#include "wheelfix/util/hash.hpp"
#include "wheelfix/util/result.hpp"
#include "wheelfix/wheel/zip_reader.hpp"

namespace wheelfix::repair {

struct AnalyzeOptions {
  elf::LoaderConfig loader;  // where to look for external libraries
  policy::EvalOptions eval;  // --exclude, musl version
  unsigned threads = 0;      // members inflated and parsed at once; 0 = all cores
  // Progress of the member scan (the long part of an analysis): members
  // examined / members in the archive (folders excepted), and uncompressed
  // bytes of ELF members inflated so far. Called from the worker threads,
  // one call at a time, `done` increasing by one per call; empty = none.
  std::function<void(std::size_t done, std::size_t total, std::uint64_t bytes)> progress = {};
};

// The content digest of a member, taken while it was inflated (and its
// CRC-32 checked) for analysis, so that a repair can write its RECORD row
// without inflating it again. `crc32` and `compressed_size` tie it to the
// archive entry it was computed from.
struct MemberDigest {
  util::Sha256Digest sha256{};
  std::uint64_t size = 0;             // uncompressed bytes actually inflated
  std::uint32_t crc32 = 0;            // the entry's, verified
  std::uint64_t compressed_size = 0;  // the entry's
};

// An ELF file inside the wheel.
struct WheelElf {
  std::string member;  // archive path, e.g. "pkg/_ext.so"
  std::shared_ptr<const elf::ElfInfo> info;
  MemberDigest digest;  // of the member's whole content
};

// A DT_NEEDED entry satisfied by a library inside the wheel: a file whose
// name is the entry's name, in a folder the needing object's search path
// reaches after repair (docs/commands.md#libraries-inside-the-wheel).
struct InWheelLink {
  int object = -1;      // the graph object that needs it: an in-wheel file or an external library
  std::size_t dep = 0;  // index into graph.objects[object].deps (whose target is `provider`)
  int provider = -1;    // the in-wheel graph object (index into elves) that satisfies it
  // How the needing object reaches `provider` without help: through `entry`
  // of its own DT_RPATH (FoundBy::rpath) or DT_RUNPATH (FoundBy::runpath).
  // FoundBy::not_found when it does not (or when it is an external library,
  // whose vendored copy gets a new RPATH): repair then adds an
  // $ORIGIN-relative DT_RPATH entry for the provider's folder.
  elf::FoundBy rule = elf::FoundBy::not_found;
  std::string entry;  // e.g. "$ORIGIN/lib"; empty with not_found

  bool needs_rpath() const { return rule == elf::FoundBy::not_found; }
};

// The result of analyzing one wheel.
struct Analysis {
  std::string wheel_path;
  std::vector<WheelElf> elves;  // in archive order
  // Graph for the policy engine: objects [0, elves.size()) are the wheel's
  // ELF files (same order), then the external libraries.
  policy::Graph graph;
  // Per graph object: for external ones, the file on this machine (sysroot
  // prefix applied, symlinks resolved); "" for in-wheel objects.
  std::vector<std::string> host_paths;
  // Per graph object: how each of its DT_NEEDED entries was found.
  std::vector<std::vector<elf::Resolution>> resolutions;
  // Every DT_NEEDED entry that a library inside the wheel satisfies (those
  // of external libraries too: they matter when repair vendors them), by
  // object then DT_NEEDED order. Their graph edges point at the provider,
  // so the policy walk never vendors a second copy of an in-wheel library.
  std::vector<InWheelLink> in_wheel;
  policy::Evaluation eval;
  policy::EvalOptions eval_options;  // as evaluated (repair re-evaluates with them)
  // What the analysis had to assume (e.g. the host's libc for a wheel
  // whose files do not say), one message each, naming the wheel.
  std::vector<std::string> warnings;

  // No ELF file at all: a pure-Python wheel.
  bool pure() const { return elves.empty(); }
};

// True when the member's data starts with the ELF magic (inflates only the
// first bytes of a deflated member).
bool member_is_elf(const wheel::ZipReader& zip, const wheel::ZipEntry& entry);

// Analyzes a validated archive. ELF members are inflated, hashed and parsed
// on options.threads threads, largest first; the result does not depend on
// the thread count. Fails with "<wheel>: <member>: <problem>" when a member
// cannot be read or an ELF member is malformed (the first such member in
// archive order).
util::Result<Analysis> analyze_wheel(const wheel::ZipReader& zip, const policy::PolicySet& policies,
                                     const AnalyzeOptions& options);

// Prefix under which wheel members appear to the loader emulation; paths
// that start with it are shown as plain member names.
inline constexpr const char* kWheelRoot = "/__wheel__/";

}  // namespace wheelfix::repair
