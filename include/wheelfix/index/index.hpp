// `wheelfix index`: a static simple repository (PEP 503 HTML, PEP 691 JSON,
// PEP 658 metadata files) built from wheelhouses, incrementally.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "wheelfix/util/result.hpp"

namespace wheelfix::index {

// What to index and where. Plain options, no defaults taken from elsewhere.
struct IndexOptions {
  // Folders (their *.whl files, not recursive) or single .whl files.
  std::vector<std::string> wheelhouses;
  // The repository root: OUT/simple/... pages, OUT/files/... wheels.
  std::string out_dir;
  // URL under which out_dir is served ("https://host/pypi"); file links are
  // then absolute (BASE/files/NAME). Without it they are relative
  // (../../files/NAME), so the folder can be served from anywhere.
  std::optional<std::string> base_url;
  // Hard-link input wheels into OUT/files instead of copying them, when the
  // file system allows it (falls back to a copy otherwise).
  bool link = false;
};

// What a run did (for the command's summary line and for tests).
struct IndexSummary {
  std::vector<std::string> added_files;        // file names newly put in OUT/files, sorted
  std::vector<std::string> unchanged_files;    // inputs already present with the same content
  std::vector<std::string> updated_projects;   // normalized names whose pages were written
  bool root_written = false;                   // simple/index.html + index.json rewritten
  std::size_t total_projects = 0;
  std::size_t total_files = 0;                 // wheels in OUT/files after the run
};

// Adds the wheels of `options.wheelhouses` to the repository in
// `options.out_dir` (created if needed). The repository's state is what
// OUT/files/ holds, so runs merge: new files are added, the pages of the
// projects that got files (or whose pages are missing) are rewritten, the
// root pages only when the project list changed or they are missing.
// A run holds an exclusive flock() on OUT/.wheelfix-index.lock, so
// concurrent runs into one folder take turns. Everything is validated
// before anything is written; on a validation error nothing of this run is
// written (not even OUT, when this run would have created it). Fails with a message naming the file when: an input
// is not a folder or .whl file, a folder has no .whl files, a wheel is
// invalid (file name, archive, .dist-info/METADATA, Name not matching the
// file name), two inputs or an input and OUT/files share a file name with
// different content, or a write fails.
util::Result<IndexSummary> update_index(const IndexOptions& options);

// update_index() without the summary.
util::Status build_index(const IndexOptions& options);

// The .whl files update_index() reads from `wheelhouses`: each folder's
// *.whl files (folders sorted, not recursive) and each single .whl file.
// Fails naming the path on a missing path, a non-.whl file, or a folder
// without wheels.
util::Result<std::vector<std::string>> collect_inputs(const std::vector<std::string>& wheelhouses);

// OUT/files: where update_index() keeps the wheels of the repository in
// `out_dir`.
std::string files_dir(const std::string& out_dir);

}  // namespace wheelfix::index
