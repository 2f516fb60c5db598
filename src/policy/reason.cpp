// Human-readable reasons and the libpython name test.
#include <cctype>

#include "wheelfix/policy/evaluate.hpp"
#include "wheelfix/util/strings.hpp"

namespace wheelfix::policy {

const char* reason_kind_name(ReasonKind kind) {
  switch (kind) {
    case ReasonKind::symbol_version: return "symbol_version";
    case ReasonKind::blacklist: return "blacklist";
    case ReasonKind::isa_level: return "isa_level";
    case ReasonKind::libc_mismatch: return "libc_mismatch";
    case ReasonKind::arch: return "arch";
    case ReasonKind::missing_library: return "missing_library";
    case ReasonKind::fpectl: return "fpectl";
    case ReasonKind::ucs2: return "ucs2";
    case ReasonKind::needed_path: return "needed_path";
  }
  return "unknown";
}

std::string Reason::describe() const {
  // Member names and ELF strings come from the wheel: shown escaped.
  const std::string f = util::printable(file), lib = util::printable(library), sym = util::printable(symbol),
                    det = util::printable(detail);
  switch (kind) {
    case ReasonKind::symbol_version:
      return "symbol version " + sym + " in " + f + " (from " + lib + ")";
    case ReasonKind::blacklist:
      return "blacklisted symbol " + sym + " in " + f + " (from " + lib + ")";
    case ReasonKind::isa_level:
      return f + " needs " + sym + " (" + (det.empty() ? std::string("the policy") : det) +
             " requires baseline x86-64)";
    case ReasonKind::libc_mismatch:
      return f + " is linked against " + sym + ", but " + lib + " against " + det +
             " (a wheel targets one libc)";
    case ReasonKind::arch:
      if (lib.empty()) return f + " has an architecture no wheel tag exists for (" + sym + ")";
      return f + " is " + sym + ", but " + lib + " is " + det + " (a wheel holds one architecture)";
    case ReasonKind::missing_library:
      return f + " needs " + lib + ", which was not found";
    case ReasonKind::fpectl:
      return f + " references " + sym +
             ": it was built for a CPython configured --with-fpectl, which no manylinux/musllinux policy allows "
             "(PEP 513)";
    case ReasonKind::ucs2:
      return f + " uses " + sym + (det.empty() ? std::string() : " (and " + det + " more)") +
             ": a Python 2 build with UCS2 (narrow) unicode, which no manylinux policy allows (PEP 513)";
    case ReasonKind::needed_path:
      return f + " has DT_NEEDED " + lib +
             ": a name with a '/' is opened as that path, never searched in RPATH, so no vendored copy can "
             "serve it (relink with -l<name> or against a library that has a SONAME)";
  }
  return f;
}

namespace {

// Consumes one or more ASCII digits at `pos`; false if there is none.
bool eat_digits(std::string_view s, std::size_t& pos) {
  std::size_t start = pos;
  while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) ++pos;
  return pos > start;
}

}  // namespace

// Accepts libpython<major>[.<minor>][abi flags d/m/u/t].so[.<n>]*, e.g.
// libpython3.so, libpython3.11.so.1.0, libpython3.13t.so, libpython2.7mu.so.
bool is_libpython(std::string_view soname) {
  constexpr std::string_view prefix = "libpython";
  if (!soname.starts_with(prefix)) return false;
  std::size_t pos = prefix.size();
  if (!eat_digits(soname, pos)) return false;
  if (pos < soname.size() && soname[pos] == '.' && pos + 1 < soname.size() &&
      std::isdigit(static_cast<unsigned char>(soname[pos + 1]))) {
    ++pos;
    eat_digits(soname, pos);
  }
  while (pos < soname.size() && (soname[pos] == 'd' || soname[pos] == 'm' || soname[pos] == 'u' || soname[pos] == 't')) {
    ++pos;
  }
  if (soname.substr(pos, 3) != ".so") return false;
  pos += 3;
  while (pos < soname.size()) {
    if (soname[pos] != '.') return false;
    ++pos;
    if (!eat_digits(soname, pos)) return false;
  }
  return true;
}

}  // namespace wheelfix::policy
