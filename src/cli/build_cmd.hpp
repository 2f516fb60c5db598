// `wheelfix build [SRC_DIR | SDIST | -r requirements.txt]... -w DIR`: builds
// wheels from source with each interpreter's pip, repairs them into DIR and
// optionally tests them in fresh venvs (see docs/build.md).
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

#include "cli/commands.hpp"

namespace wheelfix::cli {

// pip's index and format options, passed through unchanged to `pip wheel`.
// The test step's `pip install` uses none of them: it installs from the
// wheelhouse only.
struct PipIndexOptions {
  std::optional<std::string> index_url;
  std::vector<std::string> extra_index_urls;
  std::vector<std::string> find_links;
  bool no_index = false;
  std::vector<std::string> no_binary;    // --no-binary values (`:all:`, `:none:`, names), for pip wheel only
  std::vector<std::string> only_binary;  // --only-binary values, passed after the --no-binary ones
};

struct BuildCmdOptions {
  std::vector<std::string> sources;       // project folders or sdists
  std::vector<std::string> requirements;  // -r FILE: built with `pip wheel -r`
  std::vector<std::string> pythons;       // --python (default: python3 from PATH)
  std::string wheel_dir;                  // -w DIR (required)
  bool no_repair = false;                 // copy pip's wheels as they are
  std::optional<std::string> test_command;
  std::vector<std::string> test_requires;
  bool no_build_isolation = false;
  PipIndexOptions pip;
  bool json = false;
  bool quiet = false;  // tool output to DIR/.wheelfix-logs/ instead of the terminal
  bool verbose = false;  // pass -v to pip
  RepairCmdOptions repair;  // --plat, --exclude, ... (wheel_dir is set from -w)
};

// One unit of work: a source built with one interpreter.
struct BuildJob {
  std::string source;        // as given (folder, sdist or requirements file)
  bool requirements = false;  // `source` is a requirements file
  std::string python;
};

// Registers the `build` subcommand and binds its options to `opts`.
CLI::App* add_build_command(CLI::App& app, BuildCmdOptions& opts);

// Runs every job; returns 0 when all built, repaired and passed the test
// command, 1 when any failed (each failure names the source and the
// interpreter), 2 on a bad command line (no source, missing source path,
// unknown --plat, unreadable policies).
int run_build(BuildCmdOptions& opts);

}  // namespace wheelfix::cli
