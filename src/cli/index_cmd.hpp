// `wheelfix index WHEELHOUSE... -o DIR [--base-url URL] [--link]`: a static
// simple repository (see docs/index.md).
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

#include "wheelfix/index/index.hpp"

namespace wheelfix::cli {

struct IndexCmdOptions {
  std::vector<std::string> wheelhouses;  // folders or .whl files
  std::string out_dir;                   // -o/--output
  std::optional<std::string> base_url;   // --base-url
  bool link = false;                     // --link
  bool quiet = false;                    // -q: no summary on stdout
  bool verbose = false;                  // -v: each input added, unchanged or skipped
};

// `index -v`'s line per input wheel, in input order: "added <name> (from
// <path>)", "unchanged <name> (already in <files_dir>)", or "skipped <path>
// (same file as <path>)" for a later input of a file name already seen.
std::vector<std::string> index_file_lines(const std::vector<std::string>& inputs, const index::IndexSummary& summary,
                                          const std::string& files_dir);

// Registers the `index` subcommand and binds its options to `opts`.
CLI::App* add_index_command(CLI::App& app, IndexCmdOptions& opts);

// Builds or updates the repository; prints a summary (unless quiet) and
// returns 0 on success, 1 on an input problem (invalid wheel, conflicting
// file, unwritable output; the message names the file), 2 on a bad option
// value.
int run_index(const IndexCmdOptions& opts);

}  // namespace wheelfix::cli
