// Write phase of update_index(): every file goes to a temporary name in its
// folder and is renamed into place, so readers never see a partial file.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "plan.hpp"
#include "wheelfix/util/atomic_file.hpp"
#include "wheelfix/util/hash.hpp"
#include "wheelfix/util/mapped_file.hpp"

namespace fs = std::filesystem;

namespace wheelfix::index::detail {

namespace {

util::Status make_dirs(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return util::make_error(dir, ": cannot create the folder: ", ec.message());
  return {};
}

util::Status write_text(const std::string& path, const std::string& text) {
  return util::write_file_atomic(path, util::as_bytes(text));
}

// Copies `w` to `target`, checking that the bytes still hash as scanned.
util::Status copy_wheel(const ScannedWheel& w, const std::string& target) {
  WF_TRY(auto src, util::MappedFile::open(w.path));
  if (util::to_hex(util::as_bytes(util::sha256(src.bytes()))) != w.sha256)
    return util::make_error(w.path, ": changed while it was being indexed");
  WF_TRY(auto out, util::AtomicFile::create(target, 0644));
  WF_CHECK(out.write(src.bytes()));
  return out.commit();
}

// Hard-links `w` to `target` through a temporary name; false when the file
// system refuses (other device, no permission), so the caller copies.
util::Result<bool> link_wheel(const ScannedWheel& w, const std::string& target) {
  std::string tmp = fs::path(target).parent_path().string() + "/." + w.name.filename + ".link-" +
                    std::to_string(::getpid());
  ::unlink(tmp.c_str());
  // AT_SYMLINK_FOLLOW: link the wheel a symlink points to, not the symlink.
  if (::linkat(AT_FDCWD, w.path.c_str(), AT_FDCWD, tmp.c_str(), AT_SYMLINK_FOLLOW) != 0) return false;
  if (::rename(tmp.c_str(), target.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return util::make_error(target, ": ", std::strerror(err));
  }
  return true;
}

util::Status place_wheel(const ScannedWheel& w, const std::string& target, bool link) {
  if (link) {
    WF_TRY(bool linked, link_wheel(w, target));
    if (linked) return {};
  }
  return copy_wheel(w, target);
}

}  // namespace

util::Status write_plan(const Plan& plan, const IndexOptions& options, const Layout& layout) {
  WF_CHECK(make_dirs(layout.files));
  for (const auto& w : plan.to_add) {
    std::string target = layout.file(w.name.filename);
    WF_CHECK(place_wheel(w, target, options.link));
    WF_CHECK(write_text(target + ".metadata", w.metadata));
  }
  for (const auto& [path, text] : plan.metadata_writes) WF_CHECK(write_text(path, text));
  for (const auto& [project, files] : plan.pages) {
    std::string dir = layout.project_dir(project);
    WF_CHECK(make_dirs(dir));
    WF_CHECK(write_text(dir + "/index.html", render_project_html(project, files)));
    WF_CHECK(write_text(dir + "/index.json", render_project_json(project, files)));
  }
  if (plan.write_root) {
    std::vector<std::string> projects(plan.all_projects.begin(), plan.all_projects.end());
    WF_CHECK(make_dirs(layout.simple));
    WF_CHECK(write_text(layout.simple + "/index.html", render_root_html(projects)));
    WF_CHECK(write_text(layout.simple + "/index.json", render_root_json(projects)));
  }
  return {};
}

}  // namespace wheelfix::index::detail

namespace wheelfix::index {

util::Result<IndexSummary> update_index(const IndexOptions& options) {
  if (options.out_dir.empty()) return util::make_error("index: no output folder given");
  if (options.base_url && options.base_url->empty()) return util::make_error("index: --base-url is empty");
  detail::Layout layout(options.out_dir);
  WF_TRY(auto lock, detail::RepoLock::acquire(options.out_dir));
  auto plan = detail::make_plan(options, layout);
  if (!plan) {
    lock.abandon();
    return plan.error();
  }
  WF_CHECK(detail::write_plan(*plan, options, layout));

  IndexSummary summary;
  for (const auto& w : plan->to_add) summary.added_files.push_back(w.name.filename);
  summary.unchanged_files = plan->unchanged;
  for (const auto& [project, files] : plan->pages) summary.updated_projects.push_back(project);
  summary.root_written = plan->write_root;
  summary.total_projects = plan->all_projects.size();
  summary.total_files = plan->total_files;
  return summary;
}

util::Status build_index(const IndexOptions& options) {
  auto r = update_index(options);
  if (!r) return r.error();
  return {};
}

}  // namespace wheelfix::index
