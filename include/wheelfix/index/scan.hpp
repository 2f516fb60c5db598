// Reading what the index needs from a wheel: its file name parts, hash,
// size and the .dist-info/METADATA file (kept byte for byte, PEP 658).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "wheelfix/util/result.hpp"

namespace wheelfix::index {

// The parts of a wheel file name the index uses.
struct WheelName {
  std::string filename;      // without folder
  std::string distribution;  // as spelled in the file name
  std::string version;
  std::string project;       // wheel::normalize_project_name(distribution)
};

// The index's view of wheel::WheelFilename::parse (a leading folder path is
// ignored); fails as that does, with "<name>: <problem>".
util::Result<WheelName> parse_wheel_name(std::string_view path);

// What a project page needs to know about one wheel.
struct ScannedWheel {
  std::string path;
  WheelName name;
  std::string sha256;  // hex, of the whole file
  std::uint64_t size = 0;
  std::string metadata;  // .dist-info/METADATA, unchanged
  std::optional<std::string> requires_python;
};

// Opens `path` with the strict ZipReader and reads its METADATA. Fails with
// "<path>: <problem>" when the name does not parse, the archive is refused,
// there is not exactly one top-level *.dist-info/METADATA, the .dist-info
// folder does not match the file name, METADATA cannot be read or parsed,
// or its Name does not match the file name.
util::Result<ScannedWheel> scan_wheel(const std::string& path);

// The first value of header `field` (case-insensitive) in the header block
// of a METADATA text, continuation lines joined; nullopt when absent.
// Fails with "<where>: line <n>: ..." on a header line without a colon.
util::Result<std::optional<std::string>> metadata_field(std::string_view text, std::string_view field,
                                                        std::string_view where);

}  // namespace wheelfix::index
