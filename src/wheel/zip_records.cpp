#include "wheel/zip_records.hpp"

namespace wheelfix::wheel::zipfmt {

namespace {

// Takes a record of exactly `Size` bytes from `c` into `fields`, in order
// (the fields' widths must add up to the record's size).
template <std::size_t Size, typename... T>
util::Status read_record(util::ByteCursor& c, T&... fields) {
  static_assert((sizeof(T) + ... + 0) == Size, "the fields must cover the record exactly");
  return c.read_le(fields...);
}

}  // namespace

util::Result<LocalHeader> LocalHeader::read(util::ByteCursor& c) {
  LocalHeader h;
  WF_CHECK(read_record<kLocalSize>(c, h.signature, h.version_needed, h.flags, h.method, h.mod_time,
                                   h.mod_date, h.crc32, h.compressed_size, h.uncompressed_size,
                                   h.name_length, h.extra_length));
  return h;
}

util::Result<CentralHeader> CentralHeader::read(util::ByteCursor& c) {
  CentralHeader h;
  WF_CHECK(read_record<kCentralSize>(c, h.signature, h.version_made_by, h.version_needed, h.flags, h.method,
                                     h.mod_time, h.mod_date, h.crc32, h.compressed_size, h.uncompressed_size,
                                     h.name_length, h.extra_length, h.comment_length, h.disk_start,
                                     h.internal_attrs, h.external_attrs, h.local_header_offset));
  return h;
}

util::Result<EndRecord> EndRecord::read(util::ByteCursor& c) {
  EndRecord e;
  WF_CHECK(read_record<kEndSize>(c, e.signature, e.disk, e.cd_disk, e.disk_entries, e.entries, e.cd_size,
                                 e.cd_offset, e.comment_length));
  return e;
}

util::Result<Zip64Locator> Zip64Locator::read(util::ByteCursor& c) {
  Zip64Locator l;
  WF_CHECK(read_record<kZip64LocatorSize>(c, l.signature, l.end_disk, l.end_offset, l.total_disks));
  return l;
}

util::Result<Zip64EndRecord> Zip64EndRecord::read(util::ByteCursor& c) {
  Zip64EndRecord e;
  WF_CHECK(read_record<kZip64EndSize>(c, e.signature, e.record_size, e.version_made_by, e.version_needed,
                                      e.disk, e.cd_disk, e.disk_entries, e.entries, e.cd_size, e.cd_offset));
  return e;
}

}  // namespace wheelfix::wheel::zipfmt
