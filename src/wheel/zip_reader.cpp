// ZipReader::open: central directory parsing and the strict checks that make
// an archive safe to extract.
#include "wheelfix/wheel/zip_reader.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <string>

#include "wheel/zip_records.hpp"
#include "wheelfix/util/byte_cursor.hpp"

namespace wheelfix::wheel {

using namespace zipfmt;
using util::make_error;

namespace {

template <typename... Parts>
util::Error member_error(const std::string& archive, std::string_view name, Parts&&... parts) {
  return make_error(archive, ": ", printable_name(name), ": ", std::forward<Parts>(parts)...);
}

// The extra records (id, payload) of an extra block, nullopt when it does
// not split into whole (id, size, data) records.
std::optional<std::vector<std::pair<std::uint16_t, util::Bytes>>> extra_records(util::Bytes extra) {
  std::vector<std::pair<std::uint16_t, util::Bytes>> out;
  util::ByteCursor c(extra);
  while (!c.at_end()) {
    auto id = c.le16();
    auto len = c.le16();
    if (!id || !len) return std::nullopt;
    auto body = c.bytes(*len);
    if (!body) return std::nullopt;
    out.emplace_back(*id, *body);
  }
  return out;
}

// The payload of the ZIP64 extra field (empty when absent), or why the
// extra block is refused: malformed, or two ZIP64 fields (readers differ
// on which one they use).
util::Result<util::Bytes> zip64_extra(util::Bytes extra, std::string_view where) {
  auto records = extra_records(extra);
  if (!records) return make_error("malformed extra field in the ", where);
  util::Bytes found;
  int count = 0;
  for (const auto& [id, body] : *records) {
    if (id != kZip64ExtraId) continue;
    found = body;
    ++count;
  }
  if (count > 1) return make_error("two ZIP64 extra fields in the ", where);
  return found;
}

// Why the Info-ZIP Unicode Path field (0x7075) of `extra` names something
// other than `name`, or nullopt (absent or the same name). Some readers
// prefer that field to the header's name.
std::optional<std::string> unicode_path_problem(util::Bytes extra, const std::string& name) {
  auto records = extra_records(extra);
  if (!records) return std::nullopt;  // reported by zip64_extra
  for (const auto& [id, body] : *records) {
    if (id != kUnicodePathExtraId) continue;
    std::string_view path(reinterpret_cast<const char*>(body.data()), body.size());
    if (body.size() < 5 || path.substr(5) != name) {
      return "Unicode Path extra field names '" + printable_name(body.size() < 5 ? "" : path.substr(5)) +
             "' instead";
    }
  }
  return std::nullopt;
}

bool is_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// Replaces a saturated 32-bit value by the next 64-bit field of `z`.
void widen(std::uint64_t& value, util::ByteCursor& z, bool& ok) {
  if (value != kMax32) return;
  auto wide = z.le64();
  if (!wide) {
    ok = false;
    return;
  }
  value = *wide;
}

const char* method_name(std::uint16_t m) {
  switch (m) {
    case 1: return " (shrink)";
    case 6: return " (implode)";
    case 9: return " (deflate64)";
    case 12: return " (bzip2)";
    case 14: return " (lzma)";
    case 93: return " (zstd)";
    case 95: return " (xz)";
    default: return "";
  }
}

}  // namespace

util::Result<ZipReader> ZipReader::open(const std::string& path, const ZipLimits& limits) {
  ZipReader r;
  WF_TRY(r.file_, util::MappedFile::open(path));
  r.path_ = path;
  r.limits_ = limits;
  WF_CHECK(r.parse());
  return r;
}

util::Status ZipReader::parse() {
  util::Bytes data = file_.bytes();
  WF_TRY(ZipEnd end, find_zip_end(data, path_));
  if (end.entries > limits_.max_entries) {
    return make_error(path_, ": ", std::to_string(end.entries), " members is over the limit of ",
                      std::to_string(limits_.max_entries));
  }
  if (end.entries > end.cd_size / kCentralSize) {
    return make_error(path_, ": central directory of ", std::to_string(end.cd_size),
                      " bytes is too small for ", std::to_string(end.entries), " members");
  }
  util::Bytes cd = *util::slice(data, end.cd_offset, end.cd_size);
  WF_CHECK(parse_central(cd, end.entries, end.cd_offset));
  return check_layout(end.cd_offset);
}

util::Status ZipReader::parse_central(util::Bytes cd, std::uint64_t count, std::uint64_t cd_offset) {
  entries_.reserve(static_cast<std::size_t>(count));
  util::ByteCursor c(cd);
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::string at = " at central directory offset " + std::to_string(cd_offset + c.offset());
    auto h = CentralHeader::read(c);
    if (!h || h->signature != kCentralSig) return make_error(path_, ": bad central directory header", at);
    auto name = c.bytes(h->name_length);
    auto extra = c.bytes(h->extra_length);  // meaningless when `name` failed, and then not used
    if (!name || !extra || !c.skip(h->comment_length).ok()) {
      return make_error(path_, ": central directory header runs past the directory", at);
    }
    ZipEntry e;
    e.name.assign(reinterpret_cast<const char*>(name->data()), name->size());
    e.version_made_by = h->version_made_by;
    e.flags = h->flags;
    e.method = static_cast<ZipMethod>(h->method);
    e.modified = DosDateTime{h->mod_date, h->mod_time};
    e.crc32 = h->crc32;
    e.compressed_size = h->compressed_size;
    e.uncompressed_size = h->uncompressed_size;
    e.external_attrs = h->external_attrs;
    e.local_header_offset = h->local_header_offset;
    std::uint64_t disk = h->disk_start;
    bool ok = true;
    auto z_bytes = zip64_extra(*extra, "central directory");
    if (!z_bytes) return member_error(path_, e.name, z_bytes.error().message);
    if (auto problem = unicode_path_problem(*extra, e.name)) return member_error(path_, e.name, *problem);
    // The low byte is the version (some writers put a host in the high
    // byte, which zipfile ignores too).
    unsigned needed = h->version_needed & 0xFFu;
    if (needed > kMaxVersionNeeded) {
      return member_error(path_, e.name, "needs zip version ", std::to_string(needed / 10), ".",
                          std::to_string(needed % 10), " to extract (readers stop at 6.3)");
    }
    util::ByteCursor z(*z_bytes);
    widen(e.uncompressed_size, z, ok);
    widen(e.compressed_size, z, ok);
    widen(e.local_header_offset, z, ok);
    if (auto disk32 = z.le32(); disk == kMax16 && disk32) disk = *disk32;
    if (!ok) return member_error(path_, e.name, "ZIP64 extra field is missing or too short");
    if (disk != 0 && disk != kMax16) return member_error(path_, e.name, "multi-disk archives are not supported");
    WF_CHECK(check_entry(e));
    WF_CHECK(check_local(e, cd_offset));
    index_.emplace(e.name, entries_.size());
    entries_.push_back(std::move(e));
  }
  if (!c.at_end()) {
    return make_error(path_, ": ", std::to_string(c.remaining()), " unexpected bytes after the last central directory header");
  }
  return {};
}

util::Status ZipReader::check_entry(const ZipEntry& e) {
  if (auto problem = member_name_problem(e.name)) return member_error(path_, e.name, *problem);
  if (index_.count(e.name)) return member_error(path_, e.name, "duplicate member name");
  if (e.flags & (kFlagEncrypted | kFlagStrongEncryption)) {
    return member_error(path_, e.name, "encrypted members are not supported");
  }
  if (e.flags & kFlagPatchData) return member_error(path_, e.name, "compressed patched data is not supported");
  if (!(e.flags & kFlagUtf8) && !is_ascii(e.name)) {
    return member_error(path_, e.name, "name is not ASCII and its UTF-8 flag is not set "
                                       "(readers would decode it as UTF-8 or as code page 437)");
  }
  auto m = static_cast<std::uint16_t>(e.method);
  if (e.method != ZipMethod::stored && e.method != ZipMethod::deflate) {
    return member_error(path_, e.name, "unsupported compression method ", std::to_string(m), method_name(m));
  }
  std::uint32_t type = e.unix_mode() & S_IFMT;
  if (type == S_IFLNK) return member_error(path_, e.name, "symlink members are not allowed in a wheel");
  if (type != 0 && type != S_IFREG && type != S_IFDIR) {
    return member_error(path_, e.name, "special file (mode ", std::to_string(e.unix_mode()), ") is not allowed");
  }
  if (e.is_directory() && e.uncompressed_size != 0) return member_error(path_, e.name, "directory member has data");
  if (e.method == ZipMethod::stored && e.compressed_size != e.uncompressed_size) {
    return member_error(path_, e.name, "stored member has compressed size ", std::to_string(e.compressed_size),
                        " but size ", std::to_string(e.uncompressed_size));
  }
  if (e.uncompressed_size > limits_.max_member_size) {
    return member_error(path_, e.name, "declared size of ", std::to_string(e.uncompressed_size),
                        " bytes is over the limit of ", std::to_string(limits_.max_member_size));
  }
  auto total = util::checked_add(total_size_, e.uncompressed_size);
  if (!total || *total > limits_.max_total_size) {
    return member_error(path_, e.name, "total uncompressed size is over the limit of ",
                        std::to_string(limits_.max_total_size), " bytes");
  }
  total_size_ = *total;
  auto allowed = util::checked_mul(e.compressed_size, limits_.max_ratio);
  if (e.uncompressed_size > limits_.ratio_min_size && allowed && e.uncompressed_size > *allowed) {
    return member_error(path_, e.name, "declared compression ratio ",
                        std::to_string(e.uncompressed_size / std::max<std::uint64_t>(e.compressed_size, 1)),
                        ":1 is over the limit of ", std::to_string(limits_.max_ratio), ":1 (zip bomb?)");
  }
  return {};
}

util::Status ZipReader::check_local(ZipEntry& e, std::uint64_t cd_offset) const {
  // Everything of a member lies before the central directory.
  util::ByteCursor c(file_.bytes().first(static_cast<std::size_t>(cd_offset)));
  util::Result<LocalHeader> h = util::Error{};
  if (c.seek(e.local_header_offset).ok()) h = LocalHeader::read(c);
  if (!h || h->signature != kLocalSig) {
    return member_error(path_, e.name, "no local header at offset ", std::to_string(e.local_header_offset));
  }
  auto name = c.bytes(h->name_length);
  auto extra = c.bytes(h->extra_length);  // meaningless when `name` failed, and then not used
  if (!name || !extra) return member_error(path_, e.name, "local header runs into the central directory");
  std::string_view local_name(reinterpret_cast<const char*>(name->data()), name->size());
  if (local_name != e.name) {
    return member_error(path_, e.name, "local header names '", printable_name(local_name), "' instead");
  }
  if (h->method != static_cast<std::uint16_t>(e.method)) {
    return member_error(path_, e.name, "local header says compression method ", std::to_string(h->method),
                        ", central directory says ", std::to_string(static_cast<unsigned>(e.method)));
  }
  std::uint16_t local_flags = h->flags;
  // The local header's UTF-8 flag decides how Python's zipfile decodes the
  // local name it compares.
  std::uint16_t must_agree = kFlagDataDescriptor | kFlagEncrypted | (is_ascii(e.name) ? 0 : kFlagUtf8);
  if ((local_flags ^ e.flags) & must_agree) {
    return member_error(path_, e.name, "local header flags ", std::to_string(local_flags),
                        " disagree with the central directory (", std::to_string(e.flags), ")");
  }
  std::uint32_t crc = h->crc32;
  std::uint64_t csize = h->compressed_size, usize = h->uncompressed_size;
  bool ok = true;
  auto z_bytes = zip64_extra(*extra, "local header");
  if (!z_bytes) return member_error(path_, e.name, z_bytes.error().message);
  util::ByteCursor z(*z_bytes);
  widen(usize, z, ok);
  widen(csize, z, ok);
  if (!ok) return member_error(path_, e.name, "local ZIP64 extra field is missing or too short");
  // With a data descriptor the local values may be left zero; any other
  // value must be the central directory's (a streaming reader uses them).
  bool dd = e.has_data_descriptor();
  if ((crc != e.crc32 && !(dd && crc == 0)) || (csize != e.compressed_size && !(dd && csize == 0)) ||
      (usize != e.uncompressed_size && !(dd && usize == 0))) {
    return member_error(path_, e.name, "local header CRC/sizes (", std::to_string(crc), ", ", std::to_string(csize),
                        ", ", std::to_string(usize), ") disagree with the central directory (",
                        std::to_string(e.crc32), ", ", std::to_string(e.compressed_size), ", ",
                        std::to_string(e.uncompressed_size), ")");
  }
  e.data_offset = c.offset();
  if (!c.skip(e.compressed_size).ok()) {
    return member_error(path_, e.name, "data (", std::to_string(e.compressed_size),
                        " bytes) runs past the start of the central directory");
  }
  return {};
}

const ZipEntry* ZipReader::find(std::string_view name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &entries_[it->second];
}

util::Bytes ZipReader::raw(const ZipEntry& entry) const {
  // Bounds were checked at open for every entry this reader produced.
  return file_.bytes().subspan(static_cast<std::size_t>(entry.data_offset),
                               static_cast<std::size_t>(entry.compressed_size));
}

}  // namespace wheelfix::wheel
