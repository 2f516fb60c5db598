// Multi-call names: the binary invoked as `auditwheel` (a symlink, see
// `wheelfix install-links`) accepts auditwheel's command lines and runs the
// matching wheelfix command.
#pragma once

#include <string>

namespace wheelfix::cli {

// auditwheel's `show WHEEL`, `repair [flags] WHEEL...`, `addtag WHEEL...`, `lddtree FILE`,
// `-V/--version` and `-v` (verbosity). Flags keep auditwheel's meaning and
// environment defaults (AUDITWHEEL_PLAT, AUDITWHEEL_ZIP_COMPRESSION_LEVEL, AUDITWHEEL_PATCHER);
// wheelfix's own flags of those commands are accepted too. Flags wheelfix
// cannot honour (--no-copy-site-libs, --collect-debug-symbols,
// --strip-level=debug|unneeded) are refused, never silently dropped. Returns the exit status: 0 ok, 1 failure (as auditwheel, also for
// a pure-Python wheel), 2 bad command line or, as auditwheel, a wheel that
// cannot reach the requested (or any) policy.
int auditwheel_main(int argc, char** argv);

// The auditwheel release whose command line and behaviour the auditwheel
// name follows (docs/comparison.md), printed first by `auditwheel --version`.
inline constexpr const char* kAuditwheelVersion = "6.8.0";

// "wheelfix <version> (built <date>, <compiler>, <linking>)": --version text.
std::string version_text();

}  // namespace wheelfix::cli
