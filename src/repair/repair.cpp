// repair_wheel: applies a RepairPlan and writes the repaired wheel.
#include "wheelfix/repair/repair.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <deque>
#include <map>
#include <optional>
#include <string_view>

#include "wheelfix/repair/plan.hpp"
#include "repair/sbom.hpp"
#include "wheelfix/elf/rewriter.hpp"
#include "wheelfix/util/hash.hpp"
#include "wheelfix/util/mapped_file.hpp"
#include "wheelfix/util/parallel.hpp"
#include "wheelfix/util/process.hpp"
#include "wheelfix/util/strings.hpp"
#include "wheelfix/util/temp_file.hpp"
#include "wheelfix/wheel/record.hpp"
#include "wheelfix/wheel/zip_writer.hpp"

namespace wheelfix::repair {

namespace fs = std::filesystem;

namespace {

// Rewrites the ELF file at `src` (named `name` in errors) per `plan` into
// an anonymous file in `dir`, and has binutils' strip write the stripped
// copy into a second one (`strip -o`, both passed as /proc/<pid>/fd links).
// No file ever has a name, so nothing is left behind even after SIGKILL.
// File to file: never whole in memory.
util::Result<util::TempFile> write_stripped(const std::string& src, const std::string& name,
                                            const elf::EditPlan& plan, const std::string& dir) {
  WF_TRY(auto edited, util::TempFile::create(dir, {}));
  WF_CHECK(elf::rewrite_to_fd(src, name, plan, edited.fd()));
  WF_TRY(auto out, util::TempFile::create(dir, {}));
  auto r = util::run_process({"strip", "-s", "-o", out.shared_path(), edited.shared_path()});
  if (!r.ok() || r->exit_code != 0) return util::make_error(name, ": strip failed");
  return out;
}

// Rewrites the ELF file at `src` per `plan` (and strips it when asked) into
// an anonymous file in `dir`: unchanged bytes are copied file to file, so
// not even one whole copy of a large library is held in memory.
util::Result<util::TempFile> write_edited(const std::string& src, const std::string& name, const elf::EditPlan& plan,
                                          bool strip, const std::string& dir) {
  if (strip) return write_stripped(src, name, plan, dir);
  WF_TRY(auto out, util::TempFile::create(dir, {}));
  WF_CHECK(elf::rewrite_to_fd(src, name, plan, out.fd()));
  return out;
}

// Inflates member `e` of `zip` into an anonymous file in `dir`, piece by
// piece (the reader drops the archive pages it has consumed).
util::Result<util::TempFile> inflate_to_file(const wheel::ZipReader& zip, const wheel::ZipEntry& e,
                                             const std::string& dir) {
  WF_TRY(auto file, util::TempFile::create(dir, {}));
  util::Status written;
  WF_CHECK(zip.stream(e, [&](util::Bytes piece) {
    if (written) written = file.append(piece);
  }));
  if (!written) return util::make_error(dir, ": ", e.name, ": ", written.error().message);
  return file;
}

std::string record_hash_of(const util::Sha256Digest& digest) {
  return "sha256=" + util::to_urlsafe_b64_nopad(util::as_bytes(digest));
}

// RECORD hash and size of a file, read through a mapping in slices that
// are dropped from the resident set once hashed; the digest goes to
// `digest`. Empty on error.
std::string hash_file(const std::string& path, std::uint64_t* size, std::optional<util::Sha256Digest>* digest) {
  auto m = util::MappedFile::open(path);
  if (!m) return {};
  *size = m->size();
  constexpr std::size_t kSlice = 8u << 20;
  util::Sha256 sha;
  util::Bytes all = m->bytes();
  for (std::size_t off = 0; off < all.size(); off += kSlice) {
    util::Bytes slice = all.subspan(off, std::min(kSlice, all.size() - off));
    sha.update(slice);
    m->release(slice);
  }
  *digest = sha.finish();
  return record_hash_of(**digest);
}

// The digests the analysis took of `zip`'s members, by name; only those
// that still describe the same entry (same CRC-32 and sizes).
std::map<std::string_view, const MemberDigest*> analysis_digests(const wheel::ZipReader& zip, const Analysis& a) {
  std::map<std::string_view, const MemberDigest*> out;
  if (a.wheel_path != zip.path()) return out;
  for (const auto& e : a.elves) {
    const wheel::ZipEntry* entry = zip.find(e.member);
    if (entry && entry->crc32 == e.digest.crc32 && entry->compressed_size == e.digest.compressed_size &&
        entry->uncompressed_size == e.digest.size)
      out.emplace(e.member, &e.digest);
  }
  return out;
}

// Fills the RECORD hash of every member copied unchanged (`entries`, whose
// rows are rows[row_of[i]]): from the analysis' digest when it took one
// while inflating the member, else by inflating it now (on `threads`
// threads, largest first; they are not recompressed).
util::Status hash_raw_members(const wheel::ZipReader& zip, const Analysis& a,
                              const std::vector<const wheel::ZipEntry*>& entries,
                              const std::vector<std::size_t>& row_of, std::vector<wheel::RecordRow>& rows,
                              unsigned threads) {
  auto known = analysis_digests(zip, a);
  std::vector<std::size_t> todo;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    auto it = known.find(entries[i]->name);
    if (it == known.end()) {
      todo.push_back(i);
      continue;
    }
    rows[row_of[i]].hash = record_hash_of(it->second->sha256);
    rows[row_of[i]].size = it->second->size;
  }
  std::stable_sort(todo.begin(), todo.end(), [&](std::size_t x, std::size_t y) {
    return entries[x]->uncompressed_size > entries[y]->uncompressed_size;
  });
  std::vector<std::optional<util::Error>> errors(entries.size());
  util::parallel_for(todo.size(), threads, [&](std::size_t k) {
    std::size_t i = todo[k];
    util::Sha256 sha;
    auto st = zip.stream(*entries[i], [&](util::Bytes piece) { sha.update(piece); });
    if (!st) {
      errors[i] = st.error();
      return;
    }
    rows[row_of[i]].hash = record_hash_of(sha.finish());
  });
  for (auto& err : errors)  // the first in archive order, whatever the thread count
    if (err) return *err;
  return {};
}

}  // namespace

util::Result<RepairReport> repair_wheel(const wheel::Wheel& whl, const Analysis& a, const policy::PolicySet& policies,
                                        const RepairOptions& o) {
  WF_TRY(RepairPlan plan, make_repair_plan(whl, a, policies, o));
  return apply_repair_plan(whl, a, plan, o);
}

util::Result<RepairReport> apply_repair_plan(const wheel::Wheel& whl, const Analysis& a, const RepairPlan& plan,
                                             const RepairOptions& o) {
  const auto& zip = whl.zip();
  RepairReport report;
  report.input = whl.path();
  report.policy = plan.target->name;
  report.warnings = plan.warnings;
  wheel::WheelFilename name = whl.filename();
  name.platform_tags = plan.platform_tags;
  if (!plan.python_tags.empty()) name.python_tags = plan.python_tags;
  report.platform_tag = util::join(plan.platform_tags, ".");
  report.python_tag = util::join(name.python_tags, ".");
  report.output = output_path(whl, plan, o);
  std::error_code ec;
  if (fs::exists(report.output, ec) && fs::equivalent(report.output, whl.path(), ec))
    return util::make_error(whl.path(), ": the output would replace the input wheel; choose another -w folder");

  std::string scratch = o.temp_dir.empty() ? o.output_dir : o.temp_dir;
  std::deque<util::TempFile> edited;  // alive until the writer has read them
  wheel::ZipWriterOptions wopts;
  wopts.level = o.level;
  wopts.threads = o.threads;
  wopts.scratch_dir = scratch;
  wopts.cache = o.cache;
  wopts.source_date_epoch = o.source_date_epoch;
  if (o.progress)
    wopts.progress = [&](std::size_t done, std::size_t total, std::uint64_t bytes) {
      o.progress("writing", done, total, bytes);
    };
  WF_TRY(auto writer, wheel::ZipWriter::create(report.output, wopts));

  std::vector<wheel::RecordRow> rows;
  std::vector<const wheel::ZipEntry*> raw_entries;  // hashed below, in parallel
  std::vector<std::size_t> raw_rows;
  std::string record_path = whl.dist_info_file("RECORD");
  std::string wheel_path = whl.dist_info_file("WHEEL");
  std::string sbom_path = whl.dist_info_file("sboms/wheelfix.cdx.json");
  auto add_new_file = [&](const std::string& member, const std::string& file, bool exec) -> util::Status {
    std::uint64_t size = 0;
    std::optional<util::Sha256Digest> digest;  // also keys the member's pieces in the cache
    std::string hash = hash_file(file, &size, &digest);
    rows.push_back({member, hash, size});
    return writer.add_file(member, file, {.executable = exec, .level = std::nullopt}, digest);
  };

  // 1. Members outside .dist-info, edited where the plan says so.
  std::vector<const wheel::ZipEntry*> dist_info;
  for (const auto& e : zip.entries()) {
    if (e.is_directory()) continue;
    if (e.name.starts_with(whl.dist_info() + "/")) {
      dist_info.push_back(&e);
      continue;
    }
    if (auto it = plan.launchers.find(e.name); it != plan.launchers.end()) {
      rows.push_back(wheel::record_row(e.name, util::as_bytes(it->second)));
      WF_CHECK(writer.add_owned(e.name, std::vector<std::uint8_t>(it->second.begin(), it->second.end()),
                                {.executable = true, .level = std::nullopt}));
    }
    auto fit = plan.files.find(e.name);
    bool edit = fit != plan.files.end() || (o.strip && member_is_elf(zip, e));
    if (!edit) {
      raw_entries.push_back(&e);
      raw_rows.push_back(rows.size());
      rows.push_back({e.name, "", e.uncompressed_size});
      WF_CHECK(writer.add_raw(zip, e));
      continue;
    }
    elf::EditPlan edits = fit != plan.files.end() ? fit->second.edits : elf::EditPlan{};
    std::string member = fit != plan.files.end() ? fit->second.member : e.name;
    WF_TRY(auto inflated, inflate_to_file(zip, e, scratch));
    auto file = write_edited(inflated.path(), e.name, edits, o.strip, scratch);
    if (!file) return util::make_error(whl.path(), ": ", file.error().message);
    edited.push_back(std::move(file).value());
    WF_CHECK(add_new_file(member, edited.back().path(), e.is_executable() || member != e.name));
  }

  // 2. The grafted libraries, renamed and edited.
  for (const auto& g : plan.grafts) {
    if (o.progress) o.progress("vendoring", report.vendored.size(), plan.grafts.size(), 0);
    auto file = write_edited(g.lib.source_path, g.lib.source_path, g.edits, o.strip, scratch);
    if (!file) return util::make_error(whl.path(), ": ", file.error().message);
    edited.push_back(std::move(file).value());
    WF_CHECK(add_new_file(g.lib.member, edited.back().path(), g.executable));
    report.vendored.push_back(g.lib);
  }

  // 3. .dist-info: WHEEL retagged, signatures dropped, SBOM, RECORD last.
  for (const auto* e : dist_info) {
    if (e->name == record_path || wheel::is_record_signature(e->name, record_path)) continue;
    if (e->name == sbom_path && !plan.grafts.empty()) continue;  // replaced below
    if (e->name == wheel_path && (o.update_tags || name.python_tags != whl.filename().python_tags)) {
      wheel::WheelInfo info = whl.wheel_info();
      wheel::WheelFilename tags = name;
      std::vector<std::string> lines;
      for (const auto& t : tags.tags()) lines.push_back(t.to_string());
      std::sort(lines.begin(), lines.end());
      info.set_tags(lines);
      std::string text = info.to_string();
      rows.push_back(wheel::record_row(e->name, util::as_bytes(text)));
      WF_CHECK(writer.add_owned(e->name, std::vector<std::uint8_t>(text.begin(), text.end())));
      continue;
    }
    raw_entries.push_back(e);
    raw_rows.push_back(rows.size());
    rows.push_back({e->name, "", e->uncompressed_size});
    WF_CHECK(writer.add_raw(zip, *e));
  }
  if (!plan.grafts.empty()) {
    std::vector<std::string> sources;
    for (const auto& g : plan.grafts) sources.push_back(g.lib.source_path);
    auto owners = o.package_owners ? o.package_owners->find(sources) : find_package_owners(sources);
    std::string sbom = make_sbom(whl.metadata().name, whl.metadata().version, report.vendored, owners);
    rows.push_back(wheel::record_row(sbom_path, util::as_bytes(sbom)));
    WF_CHECK(writer.add_owned(sbom_path, std::vector<std::uint8_t>(sbom.begin(), sbom.end())));
  }

  WF_CHECK(hash_raw_members(zip, a, raw_entries, raw_rows, rows, o.threads));
  std::map<std::string, const std::string*> new_hash;
  for (std::size_t i = 0; i < raw_entries.size(); ++i) new_hash[raw_entries[i]->name] = &rows[raw_rows[i]].hash;
  for (const auto& row : whl.record()) {
    auto it = new_hash.find(row.path);
    if (it != new_hash.end() && !row.hash.empty() && *it->second != row.hash)
      report.warnings.push_back("RECORD of the input disagrees with " + row.path + " (regenerated)");
  }
  rows.push_back({record_path, "", std::nullopt});
  std::string record = wheel::format_record(rows);
  WF_CHECK(writer.add_owned(record_path, std::vector<std::uint8_t>(record.begin(), record.end())));
  WF_CHECK(writer.commit());
  return report;
}

}  // namespace wheelfix::repair
