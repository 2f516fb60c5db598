// Human-readable reasons and the libpython name test.
#include <cctype>

#include "wheelfix/policy/evaluate.hpp"

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
  switch (kind) {
    case ReasonKind::symbol_version:
      return "symbol version " + symbol + " in " + file + " (from " + library + ")";
    case ReasonKind::blacklist:
      return "blacklisted symbol " + symbol + " in " + file + " (from " + library + ")";
    case ReasonKind::isa_level:
      return file + " needs " + symbol + " (" + (detail.empty() ? std::string("the policy") : detail) +
             " requires baseline x86-64)";
    case ReasonKind::libc_mismatch:
      return file + " is linked against " + symbol + ", but " + library + " against " + detail +
             " (a wheel targets one libc)";
    case ReasonKind::arch:
      if (library.empty()) return file + " has an architecture no wheel tag exists for (" + symbol + ")";
      return file + " is " + symbol + ", but " + library + " is " + detail + " (a wheel holds one architecture)";
    case ReasonKind::missing_library:
      return file + " needs " + library + ", which was not found";
    case ReasonKind::fpectl:
      return file + " references " + symbol +
             ": it was built for a CPython configured --with-fpectl, which no manylinux/musllinux policy allows "
             "(PEP 513)";
    case ReasonKind::ucs2:
      return file + " uses " + symbol + (detail.empty() ? std::string() : " (and " + detail + " more)") +
             ": a Python 2 build with UCS2 (narrow) unicode, which no manylinux policy allows (PEP 513)";
    case ReasonKind::needed_path:
      return file + " has DT_NEEDED " + library +
             ": a name with a '/' is opened as that path, never searched in RPATH, so no vendored copy can "
             "serve it (relink with -l<name> or against a library that has a SONAME)";
  }
  return file;
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
