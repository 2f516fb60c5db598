// libFuzzer target: the zip reader and wheel opening.  The input bytes are
// the archive: ZipReader::open() maps a path, so they are written to a
// memfd and opened through /proc/self/fd.  Every member is read (CRC and
// size checks), then the same bytes are opened as a wheel under a file name
// matching the .dist-info folder found in them, and RECORD is verified.
// Limits are small so a declared bomb cannot exhaust the fuzzer's memory.
// Properties: no crash, no sanitizer report, no allocation beyond limits;
// a member that reads successfully has its declared size; an archive whose
// members all read successfully is read the same way by Python's zipfile
// (zipfile_model.hpp: same members in the same order, same names, data
// offsets, sizes, methods, CRCs and modes).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "zipfile_model.hpp"
#include "wheelfix/wheel/wheel.hpp"
#include "wheelfix/wheel/zip_reader.hpp"

using namespace wheelfix;

namespace {

wheel::ZipLimits small_limits() {
  wheel::ZipLimits l;
  l.max_member_size = 16u << 20;
  l.max_total_size = 64u << 20;
  l.max_entries = 4096;
  l.max_ratio = 200;
  l.ratio_min_size = 64u << 10;
  return l;
}

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-' || c == '+' || c == '!';
}

// "<stem>-py3-none-any.whl" where <stem> is the "dist-version" before the
// first ".dist-info/" in the bytes, so Wheel::open gets past the name check.
std::string wheel_name_for(std::string_view bytes) {
  auto pos = bytes.find(".dist-info/");
  std::size_t begin = pos;
  while (begin != std::string_view::npos && begin > 0 && name_char(bytes[begin - 1])) --begin;
  if (pos == std::string_view::npos || begin == pos || pos - begin > 100) return "fuzzpkg-1.0-py3-none-any.whl";
  return std::string(bytes.substr(begin, pos - begin)) + "-py3-none-any.whl";
}

// Reads every member; true when all of them read without error.
bool read_all(const wheel::ZipReader& zip) {
  for (const auto& e : zip.entries()) {
    auto data = zip.read(e);
    if (data && data->size() != e.uncompressed_size) fuzz::violated(e.name + ": read size differs from the declared size");
    (void)zip.raw(e);
    (void)e.is_executable();
  }
  return zip.verify_all().ok();
}

// The differential oracle: what ZipReader lists is what zipfile extracts.
void same_as_zipfile(const wheel::ZipReader& zip) {
  auto theirs = fuzz::zipfile_members(zip.bytes());
  if (!theirs) fuzz::violated("ZipReader accepts an archive Python's zipfile refuses");
  const auto& mine = zip.entries();
  if (theirs->size() != mine.size())
    fuzz::violated("ZipReader lists " + std::to_string(mine.size()) + " members, zipfile " +
                   std::to_string(theirs->size()));
  for (std::size_t i = 0; i < mine.size(); ++i) {
    const auto& a = mine[i];
    const auto& b = (*theirs)[i];
    if (a.name != b.name || a.data_offset != b.data_offset || a.compressed_size != b.compressed_size ||
        a.uncompressed_size != b.uncompressed_size || static_cast<std::uint16_t>(a.method) != b.method ||
        a.crc32 != b.crc32 || a.external_attrs != b.external_attrs)
      fuzz::violated("member " + std::to_string(i) + " ('" + a.name + "') differs from zipfile's ('" + b.name + "')");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static fuzz::MemFile file;
  const std::string& path = file.write(data, size);
  const auto limits = small_limits();
  auto zip = wheel::ZipReader::open(path, limits);
  if (zip) {
    if (read_all(*zip)) same_as_zipfile(*zip);
    for (const auto& e : zip->entries())
      if (zip->find(e.name) != &e) fuzz::violated(e.name + ": find() does not return its own entry");
  }
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto whl = wheel::Wheel::open(file.link_as(wheel_name_for(text)), limits);
  if (whl) {
    if (!zip) fuzz::violated("Wheel::open accepted an archive ZipReader::open refused");
    (void)whl->verify_record();
  }
  return 0;
}
