// Validation phase of update_index(): reads the inputs and OUT/files,
// checks for conflicts, and computes the pages to write.
#include "plan.hpp"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "wheelfix/util/hash.hpp"
#include "wheelfix/util/mapped_file.hpp"
#include "wheelfix/util/strings.hpp"

namespace fs = std::filesystem;

namespace wheelfix::index::detail {

namespace {

std::string hex_sha256(std::string_view data) { return util::to_hex(util::as_bytes(util::sha256(util::as_bytes(data)))); }

util::Result<std::vector<std::string>> list_wheels(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  fs::directory_iterator it(dir, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (!util::ends_with(name, ".whl") || util::starts_with(name, ".")) continue;
    std::error_code tec;
    if (!it->is_regular_file(tec)) continue;
    out.push_back(it->path().string());
  }
  if (ec) return util::make_error(dir, ": cannot list the folder: ", ec.message());
  std::sort(out.begin(), out.end());
  return out;
}

// Project -> file names already in OUT/files (names only, not opened).
util::Result<std::map<std::string, std::set<std::string>>> existing_files(const Layout& layout) {
  std::map<std::string, std::set<std::string>> out;
  std::error_code ec;
  if (!fs::exists(layout.files, ec)) return out;
  WF_TRY(auto paths, list_wheels(layout.files));
  for (const auto& p : paths) {
    WF_TRY(auto name, parse_wheel_name(p));
    out[name.project].insert(name.filename);
  }
  return out;
}

util::Result<std::string> file_sha256(const std::string& path) {
  WF_TRY(auto file, util::MappedFile::open(path));
  return util::to_hex(util::as_bytes(util::sha256(file.bytes())));
}

FileEntry entry_of(const ScannedWheel& w, const std::optional<std::string>& base_url) {
  FileEntry e;
  e.filename = w.name.filename;
  e.version = w.name.version;
  e.url = file_url(w.name.filename, base_url);
  e.sha256 = w.sha256;
  e.size = w.size;
  e.requires_python = w.requires_python;
  e.metadata_sha256 = hex_sha256(w.metadata);
  return e;
}

bool page_missing(const Layout& layout, const std::string& project) {
  std::error_code ec;
  std::string dir = layout.project_dir(project);
  return !fs::is_regular_file(dir + "/index.html", ec) || !fs::is_regular_file(dir + "/index.json", ec);
}

// Scans the inputs, drops duplicates, and checks them against OUT/files.
util::Status scan_inputs(const std::vector<std::string>& inputs, const Layout& layout,
                         const std::map<std::string, std::set<std::string>>& existing, Plan& plan) {
  std::map<std::string, ScannedWheel> added;  // by file name
  for (const auto& path : inputs) {
    WF_TRY(auto w, scan_wheel(path));
    const std::string& fn = w.name.filename;
    if (auto it = added.find(fn); it != added.end()) {
      if (it->second.sha256 != w.sha256)
        return util::make_error(fn, ": two inputs with this file name differ in content (", it->second.path,
                                " and ", path, ")");
      continue;
    }
    auto ex = existing.find(w.name.project);
    if (ex != existing.end() && ex->second.count(fn)) {
      std::string target = layout.file(fn);
      WF_TRY(auto old_hash, file_sha256(target));
      if (old_hash != w.sha256)
        return util::make_error(fn, ": ", target, " already exists with different content than ", path);
      if (std::find(plan.unchanged.begin(), plan.unchanged.end(), fn) == plan.unchanged.end())
        plan.unchanged.push_back(fn);
      continue;
    }
    added.emplace(fn, std::move(w));
  }
  for (auto& [fn, w] : added) plan.to_add.push_back(std::move(w));
  std::sort(plan.unchanged.begin(), plan.unchanged.end());
  return {};
}

// Reads an existing file of an affected project; schedules its .metadata
// file when it is missing or differs from the wheel's METADATA.
util::Result<FileEntry> existing_entry(const std::string& fn, const IndexOptions& options, const Layout& layout,
                                       Plan& plan) {
  std::string path = layout.file(fn);
  WF_TRY(auto w, scan_wheel(path));
  std::string meta_path = path + ".metadata";
  auto current = util::read_text_file(meta_path);
  if (!current || *current != w.metadata) plan.metadata_writes[meta_path] = w.metadata;
  return entry_of(w, options.base_url);
}

}  // namespace

Layout::Layout(const std::string& out_dir)
    : out(out_dir), files(files_dir(out_dir)), simple(out_dir + "/simple") {}

util::Result<Plan> make_plan(const IndexOptions& options, const Layout& layout) {
  Plan plan;
  WF_TRY(auto inputs, collect_inputs(options.wheelhouses));
  WF_TRY(auto existing, existing_files(layout));
  WF_CHECK(scan_inputs(inputs, layout, existing, plan));

  std::map<std::string, std::vector<const ScannedWheel*>> new_by_project;
  for (const auto& w : plan.to_add) new_by_project[w.name.project].push_back(&w);
  for (const auto& [project, files] : existing) {
    plan.all_projects.insert(project);
    plan.total_files += files.size();
  }
  plan.total_files += plan.to_add.size();
  bool new_project = false;
  for (const auto& [project, files] : new_by_project) new_project |= plan.all_projects.insert(project).second;

  for (const auto& project : plan.all_projects) {
    if (!new_by_project.count(project) && !page_missing(layout, project)) continue;
    auto& entries = plan.pages[project];
    if (auto it = new_by_project.find(project); it != new_by_project.end())
      for (const auto* w : it->second) entries.push_back(entry_of(*w, options.base_url));
    if (auto it = existing.find(project); it != existing.end())
      for (const auto& fn : it->second) {
        WF_TRY(auto e, existing_entry(fn, options, layout, plan));
        entries.push_back(std::move(e));
      }
  }
  std::error_code ec;
  plan.write_root = new_project || !fs::is_regular_file(layout.simple + "/index.html", ec) ||
                    !fs::is_regular_file(layout.simple + "/index.json", ec);
  return plan;
}

}  // namespace wheelfix::index::detail

namespace wheelfix::index {

std::string files_dir(const std::string& out_dir) { return out_dir + "/files"; }

util::Result<std::vector<std::string>> collect_inputs(const std::vector<std::string>& wheelhouses) {
  std::vector<std::string> out;
  for (const auto& wh : wheelhouses) {
    std::error_code ec;
    auto st = fs::status(wh, ec);
    if (ec || !fs::exists(st)) return util::make_error(wh, ": no such file or folder");
    if (fs::is_directory(st)) {
      WF_TRY(auto wheels, detail::list_wheels(wh));
      if (wheels.empty()) return util::make_error(wh, ": folder contains no .whl files");
      out.insert(out.end(), wheels.begin(), wheels.end());
    } else if (fs::is_regular_file(st) && util::ends_with(wh, ".whl")) {
      out.push_back(wh);
    } else {
      return util::make_error(wh, ": not a folder or a .whl file");
    }
  }
  return out;
}

}  // namespace wheelfix::index
