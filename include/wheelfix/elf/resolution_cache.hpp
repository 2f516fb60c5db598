// The descriptor of patchelf 0.19's resolution cache note
// (.note.nixos.ldcache): each DT_NEEDED name resolved against the run path
// ahead of time, for a loader patched to read it (Nixpkgs' glibc).
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace wheelfix::elf {

// How the file system is asked (a seam: tests pass their own).
struct PathProbe {
  std::function<bool(const std::string&)> readable;  // access(path, R_OK)
  std::function<bool(const std::string&)> exists;    // access(path, F_OK)
};

// The probe of the real file system.
PathProbe system_path_probe();

// What --build-resolution-cache writes, or why it writes nothing.
struct ResolutionCache {
  std::string descriptor;  // empty: nothing to write (see `skipped`)
  std::string skipped;     // patchelf's reason, e.g. "no DT_NEEDED entries or run path to resolve"
};

// Resolves each DT_NEEDED name without a '/' against `run_path` (':'
// separated; empty entries skipped), first directory first, as the loader
// searches. A directory with a dynamic-string token ('$') or a
// glibc-hwcaps subfolder cannot be resolved ahead of time and is recorded
// as the search hint "?<dir>"; a readable <dir>/<name> as "=<dir>/<name>".
// The descriptor is, per name in byte order, "<name>\0<entry>[:<entry>...]\0",
// then a final "\0". Never fails.
ResolutionCache build_resolution_cache(const std::vector<std::string>& needed, const std::string& run_path,
                                       const PathProbe& probe);

}  // namespace wheelfix::elf
