// The version of a musl C library, read from its file.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "wheelfix/util/bytes.hpp"
#include "wheelfix/util/result.hpp"

namespace wheelfix::elf {

// (major, minor) of a musl libc image (libc.so / ld-musl-<arch>.so.1 /
// libc.musl-<arch>.so.1): musl keeps its version as one NUL-terminated
// "X.Y.Z" string next to its loader's "musl libc" banner. Returns nullopt
// when the image is not musl's or holds no single such version string. No
// code is run, so it works for any architecture. Never fails.
std::optional<std::pair<int, int>> musl_version_of(util::Bytes image);

// musl_version_of() on a file. Fails with "<path>: <strerror>" when the
// file cannot be mapped; nullopt as above.
util::Result<std::optional<std::pair<int, int>>> read_musl_version(const std::string& path);

}  // namespace wheelfix::elf
