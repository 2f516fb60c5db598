// The libc of a wheel's files when their ELF data does not say it outright
// (internal to the repair module; used by analyze_wheel).
#pragma once

#include <string>

#include "wheelfix/elf/elf_info.hpp"
#include "wheelfix/repair/analyze.hpp"

namespace wheelfix::repair {

// The libc a file's own ELF data names: PT_INTERP, DT_NEEDED of libc or of
// musl's loader. unknown when it names none.
policy::Libc libc_of(const elf::ElfInfo& info);

// Sets the libc of in-wheel objects whose ELF data does not say from their
// extension suffix (-linux-gnu*.so, -linux-musl*.so). Call before
// inherit_libc: a name is better evidence than a dependency resolved here.
void libc_from_file_names(Analysis& a);

// An in-wheel object that still has no libc takes the libc of the
// libraries it loads (transitively).
void inherit_libc(policy::Graph& g);

// When no in-wheel object says which libc it needs, sets
// a.eval_options.assumed_libc to the family the wheel's name claims, else
// to the libc of the system under `root` ("" = this machine), and adds a
// warning naming the wheel to a.warnings. Reads a few files under `root`.
// Does nothing for a wheel whose files are all of an arch no tag exists for.
void assume_libc(Analysis& a, const std::string& root);

}  // namespace wheelfix::repair
