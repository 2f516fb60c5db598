// Public entry points of the rewriter: file and in-memory rewrites, the
// facts patchelf's --print-* flags show, OS ABI names.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "elf/rewrite_internal.hpp"
#include "elf/rewrite_place.hpp"
#include "wheelfix/util/atomic_file.hpp"
#include "wheelfix/util/temp_file.hpp"
#include "wheelfix/util/mapped_file.hpp"

namespace wheelfix::elf {

using util::make_error;

bool EditPlan::empty() const {
  return !soname && !remove_soname && replace_needed.empty() && add_needed.empty() &&
         remove_needed.empty() && rpath_op == RpathOp::none && !interpreter && !os_abi &&
         !no_default_lib && clear_symbol_version.empty() && !add_debug_tag && !execstack &&
         rename_dynamic_symbols.empty() && !resolution_note && reserve_phdr_slots == 0;
}

namespace {

bool unchanged(const rw::FileEdit& fe, std::uint64_t size) {
  return fe.patches.empty() && fe.tail.empty() && fe.keep == size;
}

// Copies [from, to) of `in_fd` to the same offsets of `out_fd` in the
// kernel (copy_file_range, falling back to pread/pwrite).
util::Status copy_range(int in_fd, int out_fd, std::uint64_t from, std::uint64_t to, const std::string& name) {
  loff_t in_off = static_cast<loff_t>(from), out_off = static_cast<loff_t>(from);
  while (static_cast<std::uint64_t>(in_off) < to) {
    std::size_t chunk = static_cast<std::size_t>(std::min<std::uint64_t>(to - in_off, 1ull << 30));
    ssize_t r = ::copy_file_range(in_fd, &in_off, out_fd, &out_off, chunk, 0);
    if (r > 0) continue;
    if (r == 0) return make_error(name, ": file shrank while being copied");
    if (errno == EINTR) continue;
    std::vector<char> buf(1 << 20);
    while (static_cast<std::uint64_t>(in_off) < to) {
      std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(to - in_off, buf.size()));
      ssize_t got = ::pread(in_fd, buf.data(), want, in_off);
      if (got <= 0) return make_error(name, ": read error: ", std::strerror(errno));
      ssize_t put = ::pwrite(out_fd, buf.data(), static_cast<std::size_t>(got), out_off);
      if (put != got) return make_error(name, ": write error: ", std::strerror(errno));
      in_off += got;
      out_off += got;
    }
  }
  return {};
}

// Copies [0, n) of `in_fd` to `out_fd`, skipping holes (sparse files stay
// sparse), then sets the output size to n.
util::Status copy_prefix(int in_fd, int out_fd, std::uint64_t n, const std::string& name) {
  std::uint64_t pos = 0;
  while (pos < n) {
    off_t data = ::lseek(in_fd, static_cast<off_t>(pos), SEEK_DATA);
    if (data < 0) {
      if (errno == ENXIO) break;  // only a hole is left
      WF_CHECK(copy_range(in_fd, out_fd, pos, n, name));  // no SEEK_DATA support
      break;
    }
    off_t hole = ::lseek(in_fd, data, SEEK_HOLE);
    std::uint64_t end = hole < 0 ? n : std::min<std::uint64_t>(static_cast<std::uint64_t>(hole), n);
    if (static_cast<std::uint64_t>(data) >= n) break;
    WF_CHECK(copy_range(in_fd, out_fd, static_cast<std::uint64_t>(data), end, name));
    pos = end;
  }
  if (::ftruncate(out_fd, static_cast<off_t>(n)) != 0) return make_error(name, ": ", std::strerror(errno));
  return {};
}

}  // namespace

// The most a rewrite for a wheel (rewrite_bytes, rewrite_to_fd) may grow a
// file: only an executable's moved program header table leaves a hole before
// the tail, and a hostile p_memsz could make it terabytes.
constexpr std::uint64_t kMaxGrowth = 1ull << 30;

util::Result<std::optional<std::vector<std::uint8_t>>> rewrite_bytes(util::Bytes data,
                                                                     const std::string& name,
                                                                     const EditPlan& plan) {
  WF_TRY(auto img, rw::parse_image(data, name));
  WF_TRY(auto fe, rw::plan_edits(img, plan));
  if (unchanged(fe, data.size())) return std::optional<std::vector<std::uint8_t>>{};
  // Only an executable's moved program header table leaves a hole before
  // the tail (its file offset follows its address); rewrite() keeps that
  // sparse, here it would be zeros in memory.
  if (fe.new_size() > data.size() && fe.new_size() - data.size() > kMaxGrowth)
    return make_error(name, ": the rewritten file would be ", std::to_string(fe.new_size()),
                      " bytes (a hole before the moved tables), too large to build in memory");
  std::vector<std::uint8_t> out;
  out.reserve(fe.new_size());  // one allocation, even with a hole before the tail
  out.assign(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(fe.keep));
  for (const auto& p : fe.patches) std::copy(p.bytes.begin(), p.bytes.end(), out.begin() + static_cast<std::ptrdiff_t>(p.offset));
  if (!fe.tail.empty()) {
    out.resize(fe.tail_offset, 0);
    out.insert(out.end(), fe.tail.begin(), fe.tail.end());
  }
  WF_CHECK(rw::verify_rewrite(data, util::Bytes(out.data(), out.size()), name, plan));
  return std::optional<std::vector<std::uint8_t>>{std::move(out)};
}

namespace {

// Writes all of `data` at `offset` of `fd`. Fails with "<name>: <strerror>".
util::Status pwrite_all(int fd, util::Bytes data, std::uint64_t offset, const std::string& name) {
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::pwrite(fd, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return make_error(name, ": write error: ", std::strerror(errno));
    done += static_cast<std::size_t>(n);
  }
  return {};
}

// Writes `fe` applied to the file open as `in_fd` (named `in_name`) into
// the empty file `out_fd` (named `out_name`): the kept prefix copied in the
// kernel (holes stay holes), zeros up to the tail, the tail, the patches.
util::Status write_edit(int in_fd, const rw::FileEdit& fe, int out_fd, const std::string& in_name,
                        const std::string& out_name) {
  WF_CHECK(copy_prefix(in_fd, out_fd, fe.keep, in_name));
  if (!fe.tail.empty()) {
    if (::ftruncate(out_fd, static_cast<off_t>(fe.tail_offset)) != 0)
      return make_error(out_name, ": ", std::strerror(errno));
    WF_CHECK(pwrite_all(out_fd, util::Bytes(fe.tail.data(), fe.tail.size()), fe.tail_offset, out_name));
  }
  for (const auto& p : fe.patches)
    WF_CHECK(pwrite_all(out_fd, util::Bytes(p.bytes.data(), p.bytes.size()), p.offset, out_name));
  return {};
}

// Reads the written file (open as `out_fd`, readable) back against the
// input (mapped as `in`) before the caller keeps it.
util::Status verify_written(const util::MappedFile& in, int out_fd, const std::string& name, const EditPlan& plan) {
  WF_TRY(auto out, util::MappedFile::open_fd(out_fd, name));
  return rw::verify_rewrite(in.bytes(), out.bytes(), name, plan);
}

// The input of a file rewrite: mapped (for the parser), open (for the
// copy) and planned.
struct PlannedFile {
  util::MappedFile map;
  rw::FileEdit edit;
  RewriteOutcome outcome;
};

util::Result<PlannedFile> plan_file(const std::string& path, const std::string& name, const EditPlan& plan) {
  PlannedFile f;
  auto map = util::MappedFile::open(path);
  if (!map) return name == path ? map.error() : make_error(name, ": ", map.error().message);
  f.map = std::move(map).value();
  WF_TRY(auto img, rw::parse_image(f.map.bytes(), name));
  WF_TRY(f.edit, rw::plan_edits(img, plan));
  f.outcome.old_size = f.map.size();
  f.outcome.new_size = f.edit.new_size();
  f.outcome.changed = !unchanged(f.edit, f.map.size());
  f.outcome.layout_changed = f.edit.layout_changed;
  f.outcome.warnings = img.warnings;
  return f;
}

// open(2) for reading, fstat'ed. Fails with "<path>: <strerror>".
util::Result<int> open_input(const std::string& path, const std::string& name, struct stat* st) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fstat(fd, st) != 0) {
    int err = errno;
    if (fd >= 0) ::close(fd);
    return make_error(name, ": ", std::strerror(err));
  }
  return fd;
}

}  // namespace

util::Result<RewriteOutcome> rewrite(const std::string& path, const EditPlan& plan,
                                     const RewriteOptions& options) {
  WF_TRY(auto f, plan_file(path, path, plan));
  bool in_place = options.output.empty() || options.output == path;
  if (!f.outcome.changed && in_place) return f.outcome;

  const std::string& target = in_place ? path : options.output;
  WF_TRY(auto place, rw::choose_placement(target));
  struct stat st {};
  WF_TRY(int in_fd, open_input(path, path, &st));
  if (place.kind == rw::PlaceKind::copy_into) {
    // Verified in a scratch copy first, so a failed edit leaves the target
    // as it was; only a crash during the final copy can leave it partial.
    auto scratch = util::TempFile::create(rw::scratch_dir(place), {});
    util::Status done = scratch ? write_edit(in_fd, f.edit, scratch->fd(), path, target) : scratch.error();
    ::close(in_fd);
    if (done) done = verify_written(f.map, scratch->fd(), path, plan);
    if (done) done = rw::copy_into(scratch->fd(), place, target);
    if (!done) return done.error();
    return f.outcome;
  }
  bool keep = place.kind == rw::PlaceKind::rename_over;
  auto af = util::AtomicFile::create(place.path, (keep ? place.st.st_mode : st.st_mode) & 07777);
  util::Status done = af ? write_edit(in_fd, f.edit, af->fd(), path, target) : af.error();
  ::close(in_fd);
  if (done && keep && ::fchown(af->fd(), place.st.st_uid, place.st.st_gid) != 0)
    done = make_error(target, ": cannot keep the owner: ", std::strerror(errno));
  if (done) done = verify_written(f.map, af->fd(), path, plan);
  if (done) done = af->commit();
  if (!done) return done.error();
  return f.outcome;
}

util::Result<RewriteOutcome> rewrite_to_fd(const std::string& path, const std::string& name, const EditPlan& plan,
                                           int out_fd) {
  WF_TRY(auto f, plan_file(path, name, plan));
  if (f.outcome.new_size > f.outcome.old_size && f.outcome.new_size - f.outcome.old_size > kMaxGrowth)
    return make_error(name, ": the rewritten file would be ", std::to_string(f.outcome.new_size),
                      " bytes (a hole before the moved tables), too large to put in a wheel");
  struct stat st {};
  WF_TRY(int in_fd, open_input(path, name, &st));
  auto written = write_edit(in_fd, f.edit, out_fd, name, name);
  ::close(in_fd);
  if (!written) return written.error();
  WF_CHECK(verify_written(f.map, out_fd, name, plan));
  return f.outcome;
}

util::Result<DynamicFacts> read_dynamic_facts(util::Bytes data, const std::string& name) {
  WF_TRY(auto img, rw::parse_image(data, name));
  DynamicFacts f;
  f.os_abi = img.eh.ident[EI_OSABI];
  for (const auto& p : img.ph) {
    if (p.type == PT_INTERP) {
      auto s = util::c_string_at(data.subspan(p.offset, p.filesz), 0);
      if (!s) return make_error(name, ": PT_INTERP is not a terminated string");
      f.interpreter = std::string(*s);
    }
    if (p.type == PT_GNU_STACK) f.execstack = (p.flags & PF_X) ? ExecStack::yes : ExecStack::no;
  }
  for (const auto& d : img.dyn) {
    if (!rw::is_string_tag(d.tag)) continue;
    auto s = img.str(d.val);
    if (!s) return make_error(name, ": a dynamic entry's string table index out of bounds (it names a string past the end of .dynstr)");
    if (d.tag == DT_NEEDED) f.needed.emplace_back(*s);
    if (d.tag == DT_SONAME) f.soname = std::string(*s);
    if (d.tag == DT_RPATH) f.rpath = std::string(*s);
    if (d.tag == DT_RUNPATH) f.runpath = std::string(*s);
  }
  if (int k = rw::find_section(img, rw::kResolutionNoteSection); k >= 0)
    f.resolution_note = rw::note_descriptor(img, img.sh[k]);
  return f;
}

namespace {

struct AbiName {
  std::uint8_t value;
  const char* name;
  const char* alias;
};

constexpr AbiName kAbis[] = {
    {ELFOSABI_SYSV, "System V", "sysv"},     {ELFOSABI_HPUX, "HP-UX", "hpux"},
    {ELFOSABI_NETBSD, "NetBSD", "netbsd"},   {ELFOSABI_LINUX, "Linux", "gnu"},
    {4, "GNU Hurd", "hurd"},                 {ELFOSABI_SOLARIS, "Solaris", "solaris"},
    {ELFOSABI_AIX, "AIX", "aix"},            {ELFOSABI_IRIX, "IRIX", "irix"},
    {ELFOSABI_FREEBSD, "FreeBSD", "freebsd"}, {ELFOSABI_TRU64, "Tru64", "tru64"},
    {ELFOSABI_OPENBSD, "OpenBSD", "openbsd"}, {13, "OpenVMS", "openvms"},
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

}  // namespace

std::string os_abi_name(std::uint8_t abi) {
  for (const auto& a : kAbis)
    if (a.value == abi) return a.name;
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", abi);
  return buf;
}

std::optional<std::uint8_t> parse_os_abi(std::string_view name) {
  std::string l = lower(name);
  for (const auto& a : kAbis)
    if (l == lower(a.name) || l == a.alias) return a.value;
  if (l == "none") return ELFOSABI_NONE;
  if (l == "linux") return ELFOSABI_LINUX;
  return std::nullopt;
}

}  // namespace wheelfix::elf
