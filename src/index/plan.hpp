// Internal: the validate-then-write split of update_index(). make_plan()
// reads inputs and OUT and decides everything; write_plan() only writes.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "wheelfix/index/index.hpp"
#include "wheelfix/index/pages.hpp"
#include "wheelfix/index/scan.hpp"

namespace wheelfix::index::detail {

// Where things live under OUT.
struct Layout {
  std::string out;    // OUT
  std::string files;  // OUT/files
  std::string simple; // OUT/simple
  explicit Layout(const std::string& out_dir);
  std::string file(const std::string& name) const { return files + "/" + name; }
  std::string project_dir(const std::string& project) const { return simple + "/" + project; }
};

// Everything a run will write, fully validated.
struct Plan {
  std::vector<ScannedWheel> to_add;                      // new wheels, sorted by file name
  std::vector<std::string> unchanged;                    // inputs already in OUT/files, same content
  std::map<std::string, std::string> metadata_writes;   // OUT/files/X.metadata -> content
  std::map<std::string, std::vector<FileEntry>> pages;  // affected project -> all its files
  std::set<std::string> all_projects;                   // after the run
  std::size_t total_files = 0;                          // wheels in OUT/files after the run
  bool write_root = false;
};

// An exclusive flock() on OUT/.wheelfix-index.lock, held for a whole run so
// concurrent runs into one folder (CI jobs on shared storage) take turns.
// Creates OUT when missing; abandon() removes the lock file and OUT again
// when this run created OUT and failed (so a failed first run leaves
// nothing). Move-only; the destructor releases the lock.
class RepoLock {
 public:
  // Fails with "<OUT>: <why>" when OUT cannot be created or locked.
  static util::Result<RepoLock> acquire(const std::string& out_dir);
  RepoLock() = default;
  RepoLock(RepoLock&& other) noexcept;
  RepoLock& operator=(RepoLock&& other) noexcept;
  RepoLock(const RepoLock&) = delete;
  RepoLock& operator=(const RepoLock&) = delete;
  ~RepoLock();
  void abandon();

 private:
  int fd_ = -1;
  std::string out_;
  std::string path_;
  bool created_ = false;
};

// Reads inputs and the repository, checks every rule, and returns what to
// write. Writes nothing.
util::Result<Plan> make_plan(const IndexOptions& options, const Layout& layout);

// Writes the plan: files, .metadata files, project pages, root pages, in
// that order, each atomically.
util::Status write_plan(const Plan& plan, const IndexOptions& options, const Layout& layout);

}  // namespace wheelfix::index::detail
