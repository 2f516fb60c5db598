// Libraries inside the wheel that satisfy DT_NEEDED entries (see
// Analysis::in_wheel): found once, during analysis.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "wheelfix/repair/analyze.hpp"

namespace wheelfix::repair {

// Fills a.in_wheel: for every DT_NEEDED entry (of any graph object) that
// names a file inside the wheel of the same ELF class and machine, records
// which file satisfies it and whether the needing file's own RPATH/RUNPATH
// reaches it, and points the graph edge and its resolution at that file.
// `infos` holds each graph object's parsed ELF. Entries with a '/', on
// libpython or on the dynamic loader, and names matching an `exclude` glob
// keep the resolution the loader emulation gave them. Never fails.
void link_in_wheel_libraries(Analysis& a, const std::vector<std::shared_ptr<const elf::ElfInfo>>& infos,
                             const std::vector<std::string>& exclude);

}  // namespace wheelfix::repair
