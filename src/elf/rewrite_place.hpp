// Where a file rewrite's verified output goes, with patchelf's semantics:
// the file a path resolves to is edited (symlinks stay symlinks, hard links
// stay linked, owner and mode are kept) and a device, FIFO or socket is
// written into, never replaced.
#pragma once

#include <sys/stat.h>

#include <string>

#include "wheelfix/util/result.hpp"

namespace wheelfix::elf::rw {

// How the output reaches `target`.
enum class PlaceKind {
  create,       // no file there yet: temp file in its folder, then rename
  rename_over,  // a regular file with one link, owner and mode we can keep:
                // temp file beside it, same owner and mode, then rename
                // (readers never see a half-written file)
  copy_into,    // a regular file with several links, an owner we cannot
                // give a new file or a folder we cannot write, or not a
                // regular file (device, FIFO,
                // socket): the verified output is copied into it in place
};

struct Placement {
  PlaceKind kind = PlaceKind::create;
  std::string path;     // the target with symlinks resolved (create: as given)
  struct stat st {};    // of `path` (create: unset)
};

// Decides how to write `target`. Fails with "<target>: <strerror>" when it
// exists but cannot be examined, or is a folder.
util::Result<Placement> choose_placement(const std::string& target);

// Folder for the scratch copy of a copy_into placement: the target's own
// folder for a regular file in a writable folder, else $TMPDIR (or /tmp).
std::string scratch_dir(const Placement& p);

// Copies the whole of `from_fd` (a regular file) into the placement's
// target: a regular file is truncated to the new size in place, anything
// else is written from its start. Fails with "<target>: <strerror>".
util::Status copy_into(int from_fd, const Placement& p, const std::string& target);

}  // namespace wheelfix::elf::rw
