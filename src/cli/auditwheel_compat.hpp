// Multi-call names: the binary invoked as `auditwheel` (a symlink, see
// `wheelfix install-links`) accepts auditwheel's command lines and runs the
// matching wheelfix command.
#pragma once

#include <string>

namespace wheelfix::cli {

// auditwheel's `show WHEEL`, `repair [flags] WHEEL...`, `lddtree FILE`,
// `-V/--version` and `-v` (verbosity). Flags keep auditwheel's meaning and
// environment defaults (AUDITWHEEL_PLAT, AUDITWHEEL_ZIP_COMPRESSION_LEVEL);
// wheelfix's own flags of those commands are accepted too. Flags wheelfix
// cannot honour (--no-copy-site-libs, --collect-debug-symbols,
// --strip-level=debug|unneeded) are refused, never silently dropped. Returns the exit status: 0 ok, 1 failure (as auditwheel, also for
// a pure-Python wheel), 2 bad command line.
int auditwheel_main(int argc, char** argv);

// "wheelfix <version> (built <date>, <compiler>, <linking>)": --version text.
std::string version_text();

}  // namespace wheelfix::cli
