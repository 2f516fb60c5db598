// The ELF rewriter: applies a whole edit plan (SONAME, DT_NEEDED, RPATH,
// interpreter, flags, symbol edits) to one ELF file in a single pass with at
// most one layout change.
//
// Layout rules: strings that still fit are written in place unless .dynstr
// suffix sharing would corrupt another name; tables that must grow (.dynstr,
// .dynamic, the program header table, .interp) are appended at the end of
// the file in one extra PT_LOAD whose offset is congruent to its address
// modulo the page size (no zero padding to page boundaries). A segment added
// by an earlier run is recognised and rebuilt instead of adding another.
//
// Every result is read back before it is kept or returned: when the input
// parses, the output must parse too and show the SONAME, DT_NEEDED,
// RPATH/RUNPATH and interpreter edits asked for; otherwise the call fails
// with "<name>: the rewritten file does not read back ..." and keeps nothing.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "wheelfix/util/bytes.hpp"
#include "wheelfix/util/result.hpp"

namespace wheelfix::elf {

enum class RpathOp { none, set, add, remove, shrink };

// Everything one call may change. Empty/none fields mean "leave alone".
struct EditPlan {
  std::optional<std::string> soname;  // set (or add) DT_SONAME
  bool remove_soname = false;
  std::vector<std::pair<std::string, std::string>> replace_needed;  // old -> new
  std::vector<std::string> add_needed;
  std::vector<std::string> remove_needed;
  RpathOp rpath_op = RpathOp::none;
  std::string rpath;                            // for set/add
  std::vector<std::string> allowed_rpath_prefixes;  // for shrink
  bool force_rpath = false;                     // write DT_RPATH, not DT_RUNPATH
  std::optional<std::string> interpreter;
  std::optional<std::uint8_t> os_abi;
  bool no_default_lib = false;
  std::vector<std::string> clear_symbol_version;
  bool add_debug_tag = false;
  std::optional<bool> execstack;                // true: set PF_X, false: clear
  std::map<std::string, std::string> rename_dynamic_symbols;
  std::uint64_t page_size = 0;                  // 0: per architecture
  // Zero the old bytes of a .dynstr that moves (patchelf's default; its
  // --no-clobber-old-sections keeps them for programs that read their own
  // tables at fixed offsets).
  bool clobber_old_sections = true;
  // Adds the NixOS resolution cache note (.note.nixos.ldcache, patchelf
  // 0.19) with this descriptor, in a PT_LOAD and PT_NOTE of its own. Only
  // alone in a plan, on a file with two free program header slots (see
  // reserve_phdr_slots) and no such note yet. An edit that changes the
  // DT_NEEDED list or the run path retires an existing note (it would lie).
  std::optional<std::string> resolution_note;
  // Program header slots to leave free (PT_NULL) for a later edit.
  unsigned reserve_phdr_slots = 0;

  bool empty() const;
};

// Where the result goes.
struct RewriteOptions {
  std::string output;  // empty: rewrite the input in place (see rw::choose_placement)
};

// What a rewrite did.
struct RewriteOutcome {
  bool changed = false;           // false: the output was not written (in place)
  bool layout_changed = false;    // tables were moved into the added segment
  std::uint64_t old_size = 0;
  std::uint64_t new_size = 0;
  std::vector<std::string> warnings;  // odd but harmless input (an unnamed section), "<what>"
};

// Applies `plan` to the ELF file at `path`. The input is mapped; the output
// is written to a temporary file beside the target (copy, then only the
// changed bytes and the appended segment) and renamed over it, keeping the
// input's mode. When nothing changes and no --output is given, the file is
// left untouched. Fails with "<path>: <problem>" on malformed or unsupported
// input; never leaves a half-written file.
util::Result<RewriteOutcome> rewrite(const std::string& path, const EditPlan& plan,
                                     const RewriteOptions& options = {});

// Streaming variant for a caller that keeps the result in a file of its
// own: writes the rewritten content of the ELF file at `path` (named `name`
// in errors) into `out_fd`, an empty file open for reading and writing, from
// offset 0 (it is read back, as rewrite() does).
// The input is mapped and parsed; its unchanged bytes are copied in the
// kernel (never read into memory, holes stay holes), then the changed bytes
// and the appended segment are written. When the plan changes nothing the
// output is a copy of the input (outcome.changed is false). The bytes are
// those rewrite_bytes() would return. Fails with "<name>: <problem>"; the
// output may then be partly written. Like rewrite_bytes(), refuses to grow
// the file by more than 1 GiB (a hole a hostile p_memsz asks for).
util::Result<RewriteOutcome> rewrite_to_fd(const std::string& path, const std::string& name, const EditPlan& plan,
                                           int out_fd);

// In-memory variant: returns the rewritten bytes of `data` (named `name` in
// errors), or nullopt when the plan changes nothing.
util::Result<std::optional<std::vector<std::uint8_t>>> rewrite_bytes(util::Bytes data,
                                                                     const std::string& name,
                                                                     const EditPlan& plan);

// Execute permission of the stack, from PT_GNU_STACK.
enum class ExecStack { no, yes, missing };

// The dynamic facts patchelf's --print-* flags show, read by the rewriter's
// own parser.
struct DynamicFacts {
  std::optional<std::string> interpreter;
  std::optional<std::string> soname;
  std::optional<std::string> rpath;    // DT_RPATH
  std::optional<std::string> runpath;  // DT_RUNPATH
  std::vector<std::string> needed;
  std::uint8_t os_abi = 0;
  ExecStack execstack = ExecStack::missing;
  // The descriptor of a .note.nixos.ldcache section (empty when malformed);
  // nullopt when there is none.
  std::optional<std::string> resolution_note;
};

// Reads DynamicFacts from a file in memory. Fails with "<name>: <problem>".
util::Result<DynamicFacts> read_dynamic_facts(util::Bytes data, const std::string& name);

// patchelf's spelling of an OS ABI ("System V", "Linux", ...), or
// "0x<hex>" for unknown values.
std::string os_abi_name(std::uint8_t abi);
// Parses an OS ABI name (patchelf's names, case-insensitive, plus short
// forms like "linux", "gnu", "sysv"); nullopt if unknown.
std::optional<std::uint8_t> parse_os_abi(std::string_view name);

}  // namespace wheelfix::elf
