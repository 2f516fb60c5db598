// The commands: exit statuses, entry points, and the option structs and
// entry points of the CLI11-based subcommands. Each main takes the arguments
// after the subcommand name (argv[0] is the program or subcommand name) and
// returns the process exit status (see docs/exit-codes.md).
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace wheelfix::cli {

// Exit statuses shared by every command.
enum Exit : int {
  kOk = 0,
  kFailure = 1,     // the input has a problem (bad wheel, bad ELF, cannot repair)
  kUsage = 2,       // bad command line
  kPurePython = 3,  // show/repair on a pure-Python wheel
};

// `wheelfix ARGS...` (dispatch.cpp) and the patchelf-compatible command
// (patchelf_cmd.cpp).
int main_dispatch(int argc, char** argv);
int patchelf_main(int argc, char** argv);

// Options shared by the commands that resolve libraries.
struct SearchOptions {
  std::optional<std::string> ldpaths;  // --ldpaths: replaces the search list
  std::string root;                    // --root: resolve inside a sysroot
};

struct LddtreeOptions {
  std::string file;
  bool json = false;
  bool quiet = false;  // -q: no output, the exit status says whether all were found
  bool verbose = false;  // -v: also the search path, in order
  SearchOptions search;
};

struct ShowOptions {
  std::vector<std::string> wheels;
  bool json = false;
  bool verbose = false;
  bool quiet = false;  // -q: one line per wheel, "<wheel>: <tag>"
  bool no_isa_check = false;  // --disable-isa-ext-check
  bool allow_pure = false;    // --allow-pure-python-wheel: a pure wheel is not an error
  std::vector<std::string> policy_files;  // --policy-file (replaces the defaults)
  SearchOptions search;
};

struct RepairCmdOptions {
  std::vector<std::string> wheels;
  std::string wheel_dir = "wheelhouse";
  std::optional<std::string> plat;  // default: $WHEELFIX_PLAT, $AUDITWHEEL_PLAT, else auto
  bool only_plat = false;
  std::vector<std::string> exclude;
  bool strip = false;
  std::string lib_sdir = ".libs";
  int level = 6;
  bool no_update_tags = false;
  bool allow_pure = false;
  unsigned jobs = 0;
  // Piece cache (docs/performance.md): --cache-dir, else $WHEELFIX_CACHE_DIR,
  // else $XDG_CACHE_HOME/wheelfix, else ~/.cache/wheelfix; --no-cache: none.
  std::optional<std::string> cache_dir;
  bool no_cache = false;
  std::uint64_t cache_max_mb = 4096;  // --cache-max-mb
  bool json = false;
  bool quiet = false;
  bool verbose = false;  // -v: the plan of each wheel
  bool no_isa_check = false;  // --disable-isa-ext-check
  bool abi3_lower_bound = false;  // --abi3-lower-bound: raise cp3X-abi3 to what the imports need
  bool abi3_warn = false;         // --abi3-warn: abi3 problems are warnings
  // --patcher: "patchelf" and "lief-patchelf" (auditwheel's names) both mean
  // wheelfix's own rewriter; "none" means no ELF edits (see RepairOptions).
  std::string patcher = "patchelf";
  // Status of a wheel that cannot reach the requested (or any) policy: 1,
  // or 2 under the auditwheel name (auditwheel reports it as a usage error).
  int unreached_status = 1;
  std::vector<std::string> policy_files;
  SearchOptions search;
};

// Registers the subcommand and binds its options to `opts`.
CLI::App* add_lddtree_command(CLI::App& app, LddtreeOptions& opts);
CLI::App* add_show_command(CLI::App& app, ShowOptions& opts);
CLI::App* add_repair_command(CLI::App& app, RepairCmdOptions& opts);
void add_search_options(CLI::App& cmd, SearchOptions& opts);

// Run the subcommand; returns the exit status.
int run_lddtree(const LddtreeOptions& opts);
int run_show(const ShowOptions& opts);
int run_repair(const RepairCmdOptions& opts);

// "wheelfix: error: <message>\n" and "wheelfix: warning: <message>\n",
// control characters inside each line of the message made printable: what
// print_error() and print_warning() write.
std::string error_line(const std::string& message);
std::string warning_line(const std::string& message);

// Prints "wheelfix: error: <message>" to stderr.
void print_error(const std::string& message);
// Prints "wheelfix: warning: <message>" to stderr.
void print_warning(const std::string& message);

}  // namespace wheelfix::cli
