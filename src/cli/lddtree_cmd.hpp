// Pieces of `wheelfix lddtree`, for tests.
#pragma once

#include <string>
#include <vector>

#include "wheelfix/elf/elf_info.hpp"
#include "wheelfix/elf/loader.hpp"

namespace wheelfix::cli {

// The folders the loader searches, in order, for a DT_NEEDED entry of the
// file at `path` (parsed as `info`) under `config`, each labelled as
// lddtree's brackets label a hit ("RPATH of F: $ORIGIN/lib",
// "LD_LIBRARY_PATH: /opt/lib", "ld.so.conf: /usr/lib", "default path: /lib",
// "--ldpaths: /x", "musl path: /lib"). RPATH/RUNPATH entries are not
// expanded. glibc's order for glibc files, musl's for musl files. The
// libraries found get their own list (their RUNPATH, or the RPATHs of the
// objects that loaded them). Reads only musl's path file (for musl files).
std::vector<std::string> search_path_lines(const elf::LoaderConfig& config, const std::string& path,
                                           const elf::ElfInfo& info);

}  // namespace wheelfix::cli
