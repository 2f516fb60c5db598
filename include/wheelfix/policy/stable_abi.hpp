// The CPython Stable ABI data (PEP 384/652): which symbols an abi3
// extension may import, and the CPython version that added each.
#pragma once

#include <compare>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "wheelfix/policy/policy.hpp"
#include "wheelfix/util/result.hpp"

namespace wheelfix::policy {

// A CPython feature version: 3.10 is {3, 10}.
struct PythonVersion {
  int major = 3;
  int minor = 0;
  auto operator<=>(const PythonVersion&) const = default;
  // "3.10".
  std::string to_string() const;
  // The CPython python tag of this version: "cp310".
  std::string cp_tag() const;
  // Parses "3.10" (two numbers of at most 3 digits); nullopt otherwise.
  static std::optional<PythonVersion> parse(std::string_view text);
  // Parses a CPython 3 python tag ("cp37" -> 3.7, "cp310" -> 3.10); nullopt
  // for anything else ("py3", "cp3", "pp310", "cp27").
  static std::optional<PythonVersion> from_cp_tag(std::string_view tag);
};

// One exported symbol of the Stable ABI.
struct StableAbiItem {
  PythonVersion added;    // the CPython version that added it to the Stable ABI
  bool data = false;      // a data symbol (PyExc_TypeError), else a function
  bool abi_only = false;  // in the Stable ABI but not the Limited API (_Py_Dealloc)
};

// Every exported function and data symbol of the Stable ABI.
struct StableAbi {
  std::map<std::string, StableAbiItem, std::less<>> symbols;
  std::string source;  // where it was read from, for messages

  // The item called `name`, or nullptr when it is not in the Stable ABI.
  const StableAbiItem* find(std::string_view name) const;
};

// Parses the Stable ABI data file (format in policies/README.md): an object
// whose "symbols" maps each name to {"kind": "function"|"data", "added":
// "3.X", optional "abi_only": bool, optional "ifdef": string}; other keys
// are ignored. Fails with "<source>: <what is wrong>" naming the symbol.
util::Result<StableAbi> parse_stable_abi(std::string_view json, const std::string& source);

// The Stable ABI data file compiled into the binary
// (policies/stable_abi/stable-abi.json at build time; empty if none).
std::span<const EmbeddedPolicyFile> embedded_stable_abi_files();

// The Stable ABI data: `file` when given, else the default file beside the
// binary (`<exe dir>/policies/stable_abi/stable-abi.json`, else
// `<exe dir>/../share/wheelfix/policies/stable_abi/stable-abi.json`), else
// the embedded copy. Fails when the file cannot be read or parsed, or none
// exists.
util::Result<StableAbi> load_stable_abi(const std::optional<std::string>& file = std::nullopt);

}  // namespace wheelfix::policy
