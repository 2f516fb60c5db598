// Names, escaping and page rendering of the simple repository API
// (PEP 503 HTML, PEP 691/700 JSON, PEP 658/714 metadata attributes).
// Pure functions: same input, byte-identical output.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wheelfix::index {

// Escapes & < > " ' for HTML text and attribute values.
std::string html_escape(std::string_view text);

// Percent-encodes every byte of a file name that is not an RFC 3986
// unreserved character or one of "!$&'()*+,;=:@" (so '/', '#', '?', '%'
// and spaces are encoded).
std::string url_escape_path_segment(std::string_view segment);

// Orders versions for the JSON `versions` list: runs of digits compare as
// numbers, everything else byte-wise ("1.9" < "1.10"). A strict weak order.
bool version_less(std::string_view a, std::string_view b);

// One distribution file as it appears on a project page.
struct FileEntry {
  std::string filename;
  std::string version;                         // from the file name
  std::string url;                             // as linked (relative or absolute)
  std::string sha256;                          // hex, of the file
  std::uint64_t size = 0;
  std::optional<std::string> requires_python;  // METADATA Requires-Python
  std::optional<std::string> metadata_sha256;  // hex, of <file>.metadata
};

// The file URL: BASE/files/NAME with a base URL (trailing '/' ignored),
// otherwise ../../files/NAME (relative to simple/<project>/).
std::string file_url(std::string_view filename, const std::optional<std::string>& base_url);

// PEP 503 project page (files sorted by file name by the caller or not:
// this sorts them). Every value is HTML-escaped.
std::string render_project_html(std::string_view project, std::vector<FileEntry> files);
// PEP 691 JSON project page, api-version 1.1 (PEP 700 size and versions).
std::string render_project_json(std::string_view project, std::vector<FileEntry> files);
// PEP 503 root page listing `projects` (normalized names; sorted here).
std::string render_root_html(std::vector<std::string> projects);
// PEP 691 JSON root page.
std::string render_root_json(std::vector<std::string> projects);

}  // namespace wheelfix::index
