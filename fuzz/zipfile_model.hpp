// A model of how CPython 3.11's zipfile module (what pip and installer use)
// finds the members of an archive and where it reads their data, for the
// zip fuzz target's differential oracle: when ZipReader accepts an archive,
// zipfile must see the same members, in the same order, with the same
// names, data offsets, sizes, methods, CRCs and modes (so the same content
// and the same executable bits). Written from the behaviour of
// Lib/zipfile.py (_EndRecData, _EndRecData64, _RealGetContents,
// ZipInfo._decodeExtra, ZipFile.open); tests/zipdiff/ checks the real
// module the same way.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "wheelfix/util/bytes.hpp"
#include "wheelfix/wheel/zip_format.hpp"

namespace wheelfix::fuzz {

// One member as zipfile would extract it.
struct ModelEntry {
  std::string name;  // UTF-8 bytes; "cp437:" + raw bytes for a cp437 name
  std::uint64_t data_offset = 0;
  std::uint64_t compressed_size = 0;
  std::uint64_t uncompressed_size = 0;
  std::uint16_t method = 0;
  std::uint32_t crc32 = 0;
  std::uint32_t external_attrs = 0;
};

namespace model_detail {

using namespace wheel::zipfmt;

// Where zipfile finds the end record, or nullopt (BadZipFile).
inline std::optional<std::uint64_t> end_record(util::Bytes d) {
  if (d.size() < kEndSize) return std::nullopt;
  std::size_t tail = d.size() - kEndSize;
  if (le32(d.data() + tail) == kEndSig && le16(d.data() + tail + 20) == 0) return tail;
  std::size_t lowest = d.size() > kEndSize + 65536 ? d.size() - kEndSize - 65536 : 0;
  for (std::size_t pos = d.size() - 3; pos-- > lowest;) {
    if (le32(d.data() + pos) != kEndSig) continue;
    if (d.size() - pos < kEndSize) return std::nullopt;
    return pos;
  }
  return std::nullopt;
}

// ZipInfo._decodeExtra: false when zipfile raises.
inline bool decode_extra(util::Bytes extra, std::uint64_t& usize, std::uint64_t& csize, std::uint64_t& offset) {
  while (extra.size() >= 4) {
    std::uint16_t id = le16(extra.data()), len = le16(extra.data() + 2);
    if (len + 4u > extra.size()) return false;
    util::Bytes body = extra.subspan(4, len);
    if (id == kZip64ExtraId) {
      for (std::uint64_t* field : {&usize, &csize, &offset}) {
        bool wide = *field == kMax32 || (field == &usize && *field == ~std::uint64_t{0});
        if (!wide) continue;
        if (body.size() < 8) return false;
        *field = le64(body.data());
        body = body.subspan(8);
      }
    }
    extra = extra.subspan(4 + len);
  }
  return true;
}

inline bool is_ascii(util::Bytes b) {
  for (auto c : b)
    if (c >= 0x80) return false;
  return true;
}

// The name as zipfile decodes it; nullopt when UTF-8 decoding fails.
inline std::optional<std::string> decode_name(util::Bytes raw, bool utf8) {
  std::string s(reinterpret_cast<const char*>(raw.data()), raw.size());
  if (utf8) {
    if (!wheel::is_valid_utf8(s)) return std::nullopt;
    return s;
  }
  return is_ascii(raw) ? s : "cp437:" + s;
}

}  // namespace model_detail

// The members zipfile reads from `d` (ZipFile(...).infolist() then open()
// of each one), or nullopt when it raises on the archive or any member.
inline std::optional<std::vector<ModelEntry>> zipfile_members(util::Bytes d) {
  using namespace model_detail;
  auto end = end_record(d);
  if (!end) return std::nullopt;
  const std::uint8_t* p = d.data();
  std::int64_t cd_size = le32(p + *end + 12), cd_offset = le32(p + *end + 16);
  std::int64_t records = static_cast<std::int64_t>(*end);
  if (*end >= kZip64LocatorSize && le32(p + *end - kZip64LocatorSize) == kZip64LocatorSig) {
    if (le32(p + *end - 16) != 0 || le32(p + *end - 4) > 1) return std::nullopt;
    if (*end < kZip64LocatorSize + kZip64EndSize) return std::nullopt;  // the seek raises
    std::uint64_t rec = *end - kZip64LocatorSize - kZip64EndSize;
    if (le32(p + rec) == kZip64EndSig) {
      if (le64(p + rec + 40) > (1ull << 62) || le64(p + rec + 48) > (1ull << 62)) return std::nullopt;
      cd_size = static_cast<std::int64_t>(le64(p + rec + 40));
      cd_offset = static_cast<std::int64_t>(le64(p + rec + 48));
      records = static_cast<std::int64_t>(rec);
    }
  }
  std::int64_t concat = records - cd_size - cd_offset;
  std::int64_t start_dir = cd_offset + concat;
  if (start_dir < 0) return std::nullopt;
  util::Bytes cd = d.subspan(static_cast<std::size_t>(start_dir),
                             std::min<std::size_t>(static_cast<std::size_t>(cd_size), d.size() - start_dir));
  std::vector<ModelEntry> out;
  std::size_t pos = 0;
  while (static_cast<std::int64_t>(pos) < cd_size) {
    if (cd.size() < pos || cd.size() - pos < kCentralSize || le32(cd.data() + pos) != kCentralSig) return std::nullopt;
    const std::uint8_t* h = cd.data() + pos;
    std::size_t nlen = le16(h + 28), xlen = le16(h + 30), clen = le16(h + 32);
    auto part = [&](std::size_t at, std::size_t len) {
      at = std::min(at, cd.size());
      return cd.subspan(at, std::min(len, cd.size() - at));
    };
    util::Bytes raw_name = part(pos + kCentralSize, nlen), extra = part(pos + kCentralSize + nlen, xlen);
    std::uint16_t flags = le16(h + 8);
    auto name = decode_name(raw_name, flags & kFlagUtf8);
    if (!name || h[6] > kMaxVersionNeeded) return std::nullopt;
    ModelEntry e;
    e.method = le16(h + 10);
    e.crc32 = le32(h + 16);
    e.compressed_size = le32(h + 20);
    e.uncompressed_size = le32(h + 24);
    e.external_attrs = le32(h + 38);
    std::uint64_t offset = le32(h + 42);
    if (!decode_extra(extra, e.uncompressed_size, e.compressed_size, offset)) return std::nullopt;
    std::int64_t header = static_cast<std::int64_t>(offset) + concat;
    // ZipFile.open(): the local header, its name, the flags zipfile checks.
    if (header < 0 || !util::in_bounds(static_cast<std::uint64_t>(header), kLocalSize, d.size())) return std::nullopt;
    const std::uint8_t* l = p + header;
    if (le32(l) != kLocalSig || (flags & (kFlagPatchData | kFlagStrongEncryption | kFlagEncrypted))) return std::nullopt;
    // Stored, deflate, bzip2 and lzma; any other method raises.
    if (e.method != 0 && e.method != 8 && e.method != 12 && e.method != 14) return std::nullopt;
    std::uint64_t data_at = static_cast<std::uint64_t>(header) + kLocalSize + le16(l + 26) + le16(l + 28);
    if (data_at > d.size()) return std::nullopt;
    auto local_name = decode_name(d.subspan(header + kLocalSize, le16(l + 26)), le16(l + 6) & kFlagUtf8);
    if (!local_name || *local_name != *name) return std::nullopt;
    e.name = name->substr(0, name->find('\0'));  // _sanitize_filename
    e.data_offset = data_at;
    out.push_back(std::move(e));
    pos += kCentralSize + nlen + xlen + clen;
  }
  return out;
}

}  // namespace wheelfix::fuzz
