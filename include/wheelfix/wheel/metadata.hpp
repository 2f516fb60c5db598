// RFC 822 style metadata files of a .dist-info folder: WHEEL and METADATA.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wheelfix/util/result.hpp"

namespace wheelfix::wheel {

// One "Name: value" field. Continuation lines stay in `value` after a '\n',
// with their leading whitespace, so writing reproduces them.
struct HeaderField {
  std::string name;
  std::string value;
};

// An ordered list of header fields, then an optional body after a blank
// line (METADATA's description). Names compare case-insensitively.
struct Headers {
  std::vector<HeaderField> fields;
  std::string body;

  // Parses `text` ('\n' or "\r\n" lines). Fails with "<where>: line <n>:
  // expected 'Name: value'" on a line without a colon or name, or on a
  // continuation line before any field.
  static util::Result<Headers> parse(std::string_view text, std::string_view where);
  // The first value of `name`, or nullptr.
  const std::string* get(std::string_view name) const;
  // All values of `name`, in order.
  std::vector<std::string> get_all(std::string_view name) const;
  // Replaces the first field `name` (dropping the others) or appends one.
  void set(std::string_view name, std::string value);
  // Removes every field `name`; returns how many there were.
  std::size_t remove(std::string_view name);
  // "Name: value\n" per field in order, then "\n" + body when there is one.
  std::string to_string() const;
};

// The parsed WHEEL file. `headers` is the source of truth for writing; the
// other members are read from it by parse() and kept in step by set_tags().
struct WheelInfo {
  Headers headers;
  int version_major = 1;
  int version_minor = 0;
  bool root_is_purelib = false;
  std::vector<std::string> tags;  // expanded "py-abi-plat", file order
  std::optional<std::string> build;

  // Parses WHEEL. Fails with "<where>: <problem>": a repeated key other than
  // Tag, missing or malformed Wheel-Version, major version other than 1,
  // missing Root-Is-Purelib or a value other than true/false, a Tag that is
  // not python-abi-platform.
  static util::Result<WheelInfo> parse(std::string_view text, std::string_view where);
  // Replaces all Tag lines with `new_tags` where the first one was (at the
  // end when there was none), keeping every other key in place.
  void set_tags(const std::vector<std::string>& new_tags);
  // The file content, keys in their original order.
  std::string to_string() const { return headers.to_string(); }
};

// The parsed METADATA file (core metadata); other fields via `headers`.
struct Metadata {
  Headers headers;
  std::string name;
  std::string version;
  std::optional<std::string> requires_python;

  // Parses METADATA. Fails with "<where>: <problem>" when Name or Version
  // is missing or empty, or a line is malformed.
  static util::Result<Metadata> parse(std::string_view text, std::string_view where);
};

}  // namespace wheelfix::wheel
