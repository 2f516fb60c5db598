// `wheelfix install-links DIR`: the multi-call symlinks DIR/patchelf and
// DIR/auditwheel pointing at this binary.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "wheelfix/util/result.hpp"

namespace wheelfix::cli {

struct InstallLinksOptions {
  std::string dir;
  bool force = false;  // replace regular files too
  bool quiet = false;
  bool verbose = false;  // -v: also what each link replaced
};

// What is at `dir`/`name` now, for `install-links -v`: "new" (nothing),
// "unchanged" (a symlink to `target` already), "replaces the symlink to
// <old>", "replaces a regular file", or "replaces a <kind>".
std::string link_previous_state(const std::string& dir, const std::string& name, const std::string& target);

// The names the binary answers to when invoked through a link.
inline const std::vector<std::string> kMultiCallNames = {"auditwheel", "patchelf"};

// Creates (or replaces) the symlink `dir`/`name` -> `target`, atomically
// (a temporary link renamed over the old one). An existing symlink is
// replaced; a regular file only with `force`; a folder never. Fails with
// "<dir>/<name>: <why>".
util::Status install_link(const std::string& dir, const std::string& name, const std::string& target, bool force);

// Registers the `install-links` subcommand and binds its options to `opts`.
CLI::App* add_install_links_command(CLI::App& app, InstallLinksOptions& opts);

// Creates DIR (if needed) and every multi-call link to /proc/self/exe's
// target. Returns 0, or 1 when a link could not be made (the others are
// still made).
int run_install_links(const InstallLinksOptions& opts);

}  // namespace wheelfix::cli
