// Pure policy evaluation: from the facts of a wheel's dependency graph to the
// best policy and, for every better policy, the reasons it is not reached.
// Does no I/O; the caller builds the graph (see repair/analyze.hpp).
#pragma once

#include <compare>
#include <optional>
#include <string>
#include <vector>

#include "wheelfix/policy/policy.hpp"

namespace wheelfix::policy {

// A DT_NEEDED entry and what the loader emulation resolved it to.
struct Dependency {
  std::string name;   // the DT_NEEDED string
  int target = -1;    // index into Graph::objects, -1 when not found
};

// A versioned reference, e.g. GLIBC_2.17 from libc.so.6.
struct SymbolVersionRef {
  std::string library;  // vn_file
  std::string version;  // "GLIBC_2.17"
  bool weak = false;
};

// The facts about one ELF object that evaluation needs.
struct ObjectFacts {
  std::string path;       // in-wheel path ("pkg/_ext.so") or absolute path
  bool in_wheel = false;  // the object is a member of the wheel
  std::optional<std::string> soname;
  elf::Arch arch = elf::Arch::unknown;
  Libc libc = Libc::unknown;  // from PT_INTERP / DT_NEEDED
  std::vector<Dependency> deps;                  // DT_NEEDED, resolved
  std::vector<SymbolVersionRef> version_refs;    // .gnu.version_r
  std::vector<std::string> undefined_strong;     // undefined non-weak dynamic symbols
  int isa_level = 1;                             // x86-64 level needed (1 = baseline)
  // The ELF header in words ("EM_MIPS (8), 64-bit big-endian, e_flags
  // 0x..."), for the reason given when `arch` is unknown.
  std::string machine;
  // PEP 513's fpectl symbols referenced and not defined (PyFPE_jbuf,
  // PyFPE_dummy, PyFPE_counter): only an interpreter built with
  // --with-fpectl provides them.
  std::vector<std::string> fpectl_symbols;
  // Undefined PyUnicodeUCS2_* functions of a Python 2 extension module
  // (one defining init<module>): it needs a narrow-unicode (UCS2) CPython 2.
  std::vector<std::string> ucs2_symbols;
};

// Everything reachable from the ELF files of a wheel.
struct Graph {
  std::vector<ObjectFacts> objects;  // wheel objects first, then external ones
};

struct EvalOptions {
  std::vector<std::string> exclude;   // soname globs never grafted (--exclude)
  // For musllinux: the musl version of the target system, when known; a
  // musllinux policy with another version is then skipped (a wheel built
  // against a musl newer than every policy may use its new functions, so
  // it gets no musllinux tag, as with auditwheel).
  std::optional<std::pair<int, int>> musl_version;
  // False: x86-64 ISA levels above baseline (GNU property notes) are not a
  // reason (--disable-isa-ext-check, for wheels that check the CPU at run
  // time before using the extensions).
  bool check_isa = true;
  // The libc family assumed when no in-wheel object says which libc it needs
  // (the caller's fallback, e.g. the host's, as auditwheel does). nullopt:
  // manylinux is tried first, then musllinux.
  std::optional<Libc> assumed_libc;
};

enum class ReasonKind {
  symbol_version,   // a version reference the policy does not allow
  blacklist,        // an undefined strong symbol the policy blacklists
  isa_level,        // needs x86-64-v2 or higher
  libc_mismatch,    // glibc binary vs musllinux policy or the reverse
  arch,             // the policy does not exist for the wheel's arch
  missing_library,  // a needed library that was not found (repair impossible)
  fpectl,           // references PyFPE_jbuf & co. (PEP 513: an fpectl build)
  ucs2,             // a Python 2 extension using the UCS2 unicode ABI
  needed_path,      // a DT_NEEDED with a '/' (opened by path, RPATH never searched)
};

// The enumerator's name ("symbol_version", ...), for machine-readable output.
const char* reason_kind_name(ReasonKind kind);

// Why a policy is not reached, with the evidence.
struct Reason {
  ReasonKind kind;
  std::string file;     // object that has the problem (in-wheel path or abs path)
  std::string library;  // library involved (vn_file, blacklisted soname, missing name)
  std::string symbol;   // symbol or version ("GLIBC_2.34", "zcalloc", "x86-64-v3")
  // The other side of a mismatch: for `arch` / `libc_mismatch`, the arch or
  // libc of `library` (then another in-wheel object); for `isa_level`, the
  // policy family ("manylinux"). Empty otherwise.
  std::string detail;
  // One-line human text, e.g. "symbol version GLIBC_2.34 in pkg/_ext.so (from libc.so.6)".
  std::string describe() const;
  // Ordered by kind, then file, library, symbol, detail (the order results use).
  auto operator<=>(const Reason&) const = default;
  bool operator==(const Reason&) const = default;
};

// The outcome of one policy.
struct PolicyResult {
  const Policy* policy = nullptr;
  bool ok = false;
  std::vector<Reason> reasons;
};

// A library repair would vendor, with who needs it.
struct GraftedLib {
  std::string name;                    // DT_NEEDED name (soname)
  int object = -1;                     // index into Graph::objects
  std::vector<std::string> needed_by;  // object paths, sorted
};

struct Evaluation {
  // The in-wheel objects' arch; unknown when they disagree.
  elf::Arch arch = elf::Arch::unknown;
  // musl or glibc; unknown when no object links a libc (and none was
  // assumed), or both occur.
  Libc libc = Libc::unknown;
  // True when `libc` is EvalOptions::assumed_libc: no in-wheel object said.
  bool libc_assumed = false;
  // One result per considered policy of the wheel's libc family (both
  // families on a libc mismatch; the chosen one when no libc is linked),
  // highest priority first; policies lacking the wheel's arch are left out
  // (unless the arches disagree: then all fail with `arch` reasons). The
  // "linux" fallback is never listed. Empty when no object is in the wheel.
  std::vector<PolicyResult> results;
  // The best policy that is ok (nullptr: none; the wheel stays linux_<arch>).
  const Policy* best = nullptr;
  // Libraries repair would graft for the best policy (or, with none, for the
  // lowest-priority policy of the libc), sorted by name.
  std::vector<GraftedLib> grafted;
  // DT_NEEDED entries on libpython that repair removes (object path, name).
  std::vector<std::pair<std::string, std::string>> libpython_links;
  // The platform tag set the best policy writes (e.g.
  // "manylinux2014_x86_64.manylinux_2_17_x86_64"), or "linux_<arch>"; empty
  // when the graph has no in-wheel object or no wheel tag exists for its
  // arch (unknown, or objects of different arches: see the `arch` reasons).
  std::string platform_tag;
};

// Evaluates `graph` against every policy of `policies`. Pure: no I/O, never
// fails (problems are reasons). Rules: docs/policies.md.
Evaluation evaluate(const Graph& graph, const PolicySet& policies, const EvalOptions& options = {});

// True for the dynamic loader itself (ld-linux-x86-64.so.2, ld64.so.2,
// ld.so.1, ld-musl-x86_64.so.1, with or without a folder): always on the
// target system, never vendored, and references to it constrain no policy.
bool is_dynamic_loader(std::string_view name);

// True for names that are libpython (libpython3.11.so.1.0, libpython3.13t.so...).
bool is_libpython(std::string_view soname);

}  // namespace wheelfix::policy
