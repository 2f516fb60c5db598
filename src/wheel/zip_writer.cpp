// ZipWriter: member queue, deterministic header encoding and end records.
#include "wheelfix/wheel/zip_writer.hpp"

#include <algorithm>

#include <sys/stat.h>

namespace wheelfix::wheel {

using namespace zipfmt;
using util::make_error;

namespace {

constexpr std::uint16_t kVersion20 = 20;  // deflate
constexpr std::uint16_t kVersion45 = 45;  // ZIP64

// What the local and central headers of one member say.
struct HeaderFields {
  const std::string* name = nullptr;
  ZipMethod method = ZipMethod::stored;
  std::uint32_t crc = 0;
  std::uint64_t csize = 0;
  std::uint64_t usize = 0;
  std::uint64_t offset = 0;
  std::uint32_t mode = 0;
  DosDateTime when;
  bool force64 = false;
};

bool needs64(std::uint64_t v, bool force) { return force || v >= kMax32; }

std::uint16_t name_flags(const std::string& name) {
  for (unsigned char c : name) {
    if (c >= 0x80) return kFlagUtf8;
  }
  return 0;
}

// The fields local and central headers share, from "version needed" to the
// name length.
void put_common(std::vector<std::uint8_t>& out, const HeaderFields& h, bool zip64, std::uint32_t csize32,
                std::uint32_t usize32) {
  put16(out, zip64 ? kVersion45 : kVersion20);
  put16(out, name_flags(*h.name));
  put16(out, static_cast<std::uint16_t>(h.method));
  put16(out, h.when.time);
  put16(out, h.when.date);
  put32(out, h.crc);
  put32(out, csize32);
  put32(out, usize32);
  put16(out, static_cast<std::uint16_t>(h.name->size()));
}

std::vector<std::uint8_t> local_header(const HeaderFields& h) {
  bool zip64 = needs64(h.usize, h.force64) || needs64(h.csize, h.force64);
  std::vector<std::uint8_t> out;
  out.reserve(kLocalSize + h.name->size() + 20);
  put32(out, kLocalSig);
  put_common(out, h, zip64, zip64 ? kMax32 : static_cast<std::uint32_t>(h.csize),
             zip64 ? kMax32 : static_cast<std::uint32_t>(h.usize));
  put16(out, zip64 ? 20 : 0);
  out.insert(out.end(), h.name->begin(), h.name->end());
  if (zip64) {
    put16(out, kZip64ExtraId);
    put16(out, 16);
    put64(out, h.usize);
    put64(out, h.csize);
  }
  return out;
}

void append_central(std::vector<std::uint8_t>& out, const HeaderFields& h) {
  bool u64 = needs64(h.usize, h.force64), c64 = needs64(h.csize, h.force64), o64 = needs64(h.offset, h.force64);
  bool zip64 = u64 || c64 || o64;
  std::uint16_t extra = static_cast<std::uint16_t>((u64 + c64 + o64) * 8);
  put32(out, kCentralSig);
  put16(out, static_cast<std::uint16_t>((kHostUnix << 8) | (zip64 ? kVersion45 : kVersion20)));
  put_common(out, h, zip64, c64 ? kMax32 : static_cast<std::uint32_t>(h.csize),
             u64 ? kMax32 : static_cast<std::uint32_t>(h.usize));
  put16(out, zip64 ? static_cast<std::uint16_t>(extra + 4) : 0);
  put16(out, 0);  // comment
  put16(out, 0);  // disk
  put16(out, 0);  // internal attributes
  put32(out, (h.mode << 16) | (S_ISDIR(h.mode) ? 0x10u : 0u));
  put32(out, o64 ? kMax32 : static_cast<std::uint32_t>(h.offset));
  out.insert(out.end(), h.name->begin(), h.name->end());
  if (zip64) {
    put16(out, kZip64ExtraId);
    put16(out, extra);
    if (u64) put64(out, h.usize);
    if (c64) put64(out, h.csize);
    if (o64) put64(out, h.offset);
  }
}

std::vector<std::uint8_t> end_records(std::uint64_t count, std::uint64_t cd_size, std::uint64_t cd_offset,
                                      bool force) {
  std::vector<std::uint8_t> out;
  bool n64 = force || count >= kMax16, s64 = needs64(cd_size, force), o64 = needs64(cd_offset, force);
  if (n64 || s64 || o64) {
    std::uint64_t rec = cd_offset + cd_size;
    put32(out, kZip64EndSig);
    put64(out, kZip64EndSize - 12);
    put16(out, static_cast<std::uint16_t>((kHostUnix << 8) | kVersion45));
    put16(out, kVersion45);
    put32(out, 0);
    put32(out, 0);
    put64(out, count);
    put64(out, count);
    put64(out, cd_size);
    put64(out, cd_offset);
    put32(out, kZip64LocatorSig);
    put32(out, 0);
    put64(out, rec);
    put32(out, 1);
  }
  put32(out, kEndSig);
  put16(out, 0);
  put16(out, 0);
  put16(out, n64 ? kMax16 : static_cast<std::uint16_t>(count));
  put16(out, n64 ? kMax16 : static_cast<std::uint16_t>(count));
  put32(out, s64 ? kMax32 : static_cast<std::uint32_t>(cd_size));
  put32(out, o64 ? kMax32 : static_cast<std::uint32_t>(cd_offset));
  put16(out, 0);  // comment
  return out;
}

}  // namespace

util::Result<ZipWriter> ZipWriter::create(const std::string& path, const ZipWriterOptions& options) {
  if (options.level < 0 || options.level > 12) {
    return make_error(path, ": compression level ", std::to_string(options.level), " is not in 0..12");
  }
  if (options.chunk_size == 0 || options.chunk_size > (std::size_t{1} << 30)) {
    return make_error(path, ": chunk size ", std::to_string(options.chunk_size), " is not in 1..1073741824");
  }
  ZipWriter w;
  WF_TRY(w.out_, util::AtomicFile::create(path, 0644));
  w.path_ = path;
  w.options_ = options;
  return w;
}

util::Status ZipWriter::queue(Member m) {
  if (committed_) return make_error(path_, ": member added after commit");
  if (auto problem = member_name_problem(m.name)) return make_error(path_, ": ", printable_name(m.name), ": ", *problem);
  if (m.name.size() > kMax16) return make_error(path_, ": ", m.name.substr(0, 64), "...: name is longer than 65535 bytes");
  bool dir_name = m.name.back() == '/';
  if (dir_name != (m.source == Member::Source::directory)) {
    return make_error(path_, ": ", m.name, ": only directory members may end with '/'");
  }
  if (m.level < 0 || m.level > 12) {
    return make_error(path_, ": ", m.name, ": compression level ", std::to_string(m.level), " is not in 0..12");
  }
  if (!names_.insert(m.name).second) return make_error(path_, ": ", m.name, ": duplicate member name");
  members_.push_back(std::move(m));
  return {};
}

util::Status ZipWriter::add_raw(const ZipReader& reader, const ZipEntry& entry, std::string name) {
  Member m;
  m.name = name.empty() ? entry.name : std::move(name);
  m.source = entry.is_directory() ? Member::Source::directory : Member::Source::raw;
  m.view = reader.raw(entry);
  m.reader = &reader;
  m.raw_method = entry.method;
  m.raw_crc = entry.crc32;
  m.raw_size = entry.uncompressed_size;
  m.executable = entry.is_executable();
  return queue(std::move(m));
}

util::Status ZipWriter::add_bytes(std::string name, util::Bytes data, const NewMemberOptions& options) {
  Member m;
  m.name = std::move(name);
  m.source = Member::Source::view;
  m.view = data;
  m.executable = options.executable;
  m.level = options.level.value_or(options_.level);
  return queue(std::move(m));
}

util::Status ZipWriter::add_owned(std::string name, std::vector<std::uint8_t> data, const NewMemberOptions& options) {
  Member m;
  m.name = std::move(name);
  m.source = Member::Source::owned;
  m.owned = std::move(data);
  m.executable = options.executable;
  m.level = options.level.value_or(options_.level);
  return queue(std::move(m));
}

util::Status ZipWriter::add_file(std::string name, std::string path, const NewMemberOptions& options,
                                 std::optional<util::Sha256Digest> sha256) {
  Member m;
  m.name = std::move(name);
  m.source = Member::Source::file;
  m.file_path = std::move(path);
  m.sha256 = sha256;
  m.executable = options.executable;
  m.level = options.level.value_or(options_.level);
  return queue(std::move(m));
}

util::Status ZipWriter::add_directory(std::string name) {
  Member m;
  m.name = std::move(name);
  m.source = Member::Source::directory;
  return queue(std::move(m));
}

util::Status ZipWriter::commit() {
  if (committed_) return make_error(path_, ": already committed");
  committed_ = true;
  const DosDateTime when = dos_datetime_from_epoch(options_.source_date_epoch);
  std::vector<std::uint8_t> central;
  std::uint64_t bytes_done = 0;
  auto sink = [&](std::size_t i, PreparedMember& p) -> util::Status {
    const Member& m = members_[i];
    HeaderFields h;
    h.name = &m.name;
    h.method = p.method;
    h.crc = p.crc32;
    h.csize = p.stream ? p.stream_size : p.payload.size();
    h.usize = p.uncompressed_size;
    h.offset = out_.size();
    h.when = when;
    h.force64 = options_.force_zip64;
    if (m.source == Member::Source::directory) {
      h.mode = S_IFDIR | 0755;
      h.method = ZipMethod::stored;
      h.crc = 0;
      h.csize = h.usize = 0;
      p.payload = {};
    } else {
      h.mode = S_IFREG | (m.executable ? 0755 : 0644);
    }
    WF_CHECK(out_.write(util::Bytes(local_header(h))));
    if (p.stream && m.source != Member::Source::directory) {
      std::uint64_t start = out_.size();
      WF_CHECK(p.stream([&](util::Bytes b) { return out_.write(b); }));
      if (out_.size() - start != p.stream_size) return make_error(path_, ": ", m.name, ": payload size changed");
    } else if (m.reader || p.mapping) {  // mapped: in slices, each dropped from the resident set once written
      constexpr std::size_t kSlice = 8u << 20;
      for (std::size_t off = 0; off < p.payload.size(); off += kSlice) {
        auto slice = p.payload.subspan(off, std::min(kSlice, p.payload.size() - off));
        WF_CHECK(out_.write(slice));
        if (m.reader) m.reader->release(slice);
        if (p.mapping) p.mapping->release(slice);
      }
    } else {
      WF_CHECK(out_.write(p.payload));
    }
    append_central(central, h);
    bytes_done += h.usize;
    if (options_.progress) options_.progress(i + 1, members_.size(), bytes_done);
    return {};
  };
  WF_CHECK(prepare_members(members_, options_, path_, sink));
  std::uint64_t cd_offset = out_.size();
  WF_CHECK(out_.write(util::Bytes(central)));
  WF_CHECK(out_.write(util::Bytes(end_records(members_.size(), central.size(), cd_offset, options_.force_zip64))));
  return out_.commit();
}

}  // namespace wheelfix::wheel
