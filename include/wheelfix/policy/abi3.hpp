// The abi3 check: a wheel tagged cp3X-abi3 promises to run on CPython 3.X
// and later, so its ELF files may import only Stable ABI symbols that 3.X
// already has. Pure: no I/O (the data comes from stable_abi.hpp).
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "wheelfix/policy/evaluate.hpp"
#include "wheelfix/policy/stable_abi.hpp"

namespace wheelfix::policy {

enum class Abi3ProblemKind {
  not_stable,  // the symbol is not in the Stable ABI at all: no abi3 tag holds
  too_new,     // the symbol joined the Stable ABI after the claimed version
};

// "not_stable" or "too_new", for machine-readable output.
const char* abi3_problem_kind_name(Abi3ProblemKind kind);

// One imported symbol that breaks the abi3 claim.
struct Abi3Problem {
  Abi3ProblemKind kind = Abi3ProblemKind::not_stable;
  std::string file;                      // in-wheel ELF file that imports it
  std::string symbol;                    // "PyUnicode_AsUTF8AndSize"
  std::optional<PythonVersion> added;    // too_new: the version that added it
  std::optional<PythonVersion> claimed;  // the version the python tag claims
  // One line, e.g. "pkg/_ext.abi3.so imports PyUnicode_AsUTF8AndSize, in the
  // Stable ABI only since 3.10 (the tag claims 3.7)".
  std::string describe() const;
  bool operator==(const Abi3Problem&) const = default;
};

// The outcome of the check for one wheel.
struct Abi3Check {
  bool applies = false;                  // an abi tag of the wheel is "abi3"
  std::optional<PythonVersion> claimed;  // lowest cp3X python tag; nullopt: none
  std::size_t imports = 0;               // distinct (file, symbol) Python imports checked
  // The lowest version that has every imported Stable ABI symbol (at least
  // `claimed`); symbols outside the Stable ABI do not count. nullopt when
  // the check does not apply or no version is claimed.
  std::optional<PythonVersion> required;
  // Problems by file (graph order), then symbol name.
  std::vector<Abi3Problem> problems;

  // True when some problem is not_stable (no abi3 tag can hold).
  bool has_not_stable() const;
};

// Checks the imports of the in-wheel objects of `graph` against `abi` for a
// wheel with these python and abi tags. An import is an undefined, non-weak
// dynamic symbol whose name starts with "Py" or "_Py" (what CPython exports;
// macros such as Py_INCREF compile to inline code and import nothing).
// When no abi tag is "abi3" the result does not apply and has no problems;
// without a cp3X python tag only not_stable problems are reported.
Abi3Check check_abi3(const Graph& graph, std::span<const std::string> python_tags,
                     std::span<const std::string> abi_tags, const StableAbi& abi);

// The python tag set after raising the minimum to `version`: CPython tags
// below it are replaced by version.cp_tag(), others kept, in order, without
// duplicates (["cp37"] -> ["cp310"]; ["cp37", "cp312"] at 3.10 -> ["cp310", "cp312"]).
std::vector<std::string> raise_python_tags(std::span<const std::string> python_tags, PythonVersion version);

}  // namespace wheelfix::policy
