// Helpers for the wheel module's tests (TempDir and file I/O come from
// tests/support/): running tools,
// and a byte-level zip builder whose every field can be set (also to wrong
// values) for testing the reader's validation.
#pragma once

#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/files.hpp"
#include "support/temp_dir.hpp"
#include "wheelfix/wheel/zip_reader.hpp"

namespace wheel_test {

using wf_test::read_file;
using wf_test::TempDir;
using wf_test::write_file;

// Runs a shell command, returns its exit status (-1 when it did not exit).
inline int run(const std::string& cmd) {
  int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

// Runs a shell command and returns its standard output.
inline std::string capture(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  return out;
}

// Runs a Python script in `dir` (written to a file there); returns its status.
inline int python(const TempDir& dir, const std::string& script) {
  write_file(dir / "script.py", script);
  return run("cd '" + dir.path() + "' && python3 script.py");
}

// Raw deflate (no zlib header) of `data` with zlib.
inline std::string deflate_raw(const std::string& data, int level = 9) {
  z_stream zs{};
  deflateInit2(&zs, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, data.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

inline std::uint32_t crc_of(const std::string& data) {
  return static_cast<std::uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())));
}

// One member for craft_zip(); unset overrides take the correct value.
struct CraftMember {
  std::string name;
  std::string data;
  std::uint16_t method = 8;
  std::uint16_t flags = 0;
  std::uint16_t made_by = 0x0314;  // Unix, 2.0
  std::uint32_t ext_attr = 0100644u << 16;
  std::optional<std::string> comp{};  // compressed bytes (default: from data)
  std::optional<std::uint32_t> crc{};
  std::optional<std::uint64_t> csize{}, usize{};  // both headers
  std::optional<std::string> local_name{};
  std::optional<std::uint16_t> local_method{}, local_flags{};
  std::optional<std::uint32_t> local_crc{};
  std::optional<std::uint64_t> local_usize{};
  std::optional<std::uint64_t> offset{};  // central directory's local offset
  std::uint16_t needed = 20;              // version needed to extract (both headers)
  std::string cextra{};                   // more central directory extra fields
};

struct CraftOptions {
  std::string prefix;  // junk before the first member
  std::string between;  // junk between the central directory and the end
  std::optional<std::uint32_t> cd_offset;
  std::optional<std::uint16_t> disk;
  std::string comment;
};

inline void put(std::string& s, std::uint64_t v, int n) {
  for (int i = 0; i < n; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

// Builds a zip archive; sizes of 4 GiB and more get ZIP64 extra fields.
inline std::string craft_zip(const std::vector<CraftMember>& members, const CraftOptions& opt = {}) {
  std::string out = opt.prefix, cd;
  for (const auto& m : members) {
    std::string comp = m.comp ? *m.comp : (m.method == 8 ? deflate_raw(m.data) : m.data);
    std::uint32_t crc = m.crc.value_or(crc_of(m.data));
    std::uint64_t cs = m.csize.value_or(comp.size()), us = m.usize.value_or(m.data.size());
    std::uint64_t offset = m.offset.value_or(out.size());
    auto sizes = [](std::string& h, std::string& extra, std::uint64_t c, std::uint64_t u) {
      bool big = c >= 0xFFFFFFFFu || u >= 0xFFFFFFFFu;
      put(h, big ? 0xFFFFFFFFu : c, 4);
      put(h, big ? 0xFFFFFFFFu : u, 4);
      if (big) {
        put(extra, 1, 2);
        put(extra, 16, 2);
        put(extra, u, 8);
        put(extra, c, 8);
      }
    };
    std::string local, lextra, lname = m.local_name.value_or(m.name);
    put(local, 0x04034b50, 4);
    put(local, m.needed, 2);
    put(local, m.local_flags.value_or(m.flags), 2);
    put(local, m.local_method.value_or(m.method), 2);
    put(local, 0, 4);
    put(local, m.local_crc.value_or(crc), 4);
    sizes(local, lextra, cs, m.local_usize.value_or(us));
    put(local, lname.size(), 2);
    put(local, lextra.size(), 2);
    out += local + lname + lextra + comp;
    std::string c, cextra;
    put(c, 0x02014b50, 4);
    put(c, m.made_by, 2);
    put(c, m.needed, 2);
    put(c, m.flags, 2);
    put(c, m.method, 2);
    put(c, 0, 4);
    put(c, crc, 4);
    sizes(c, cextra, cs, us);
    cextra += m.cextra;
    put(c, m.name.size(), 2);
    put(c, cextra.size(), 2);
    put(c, 0, 4);  // comment length, disk
    put(c, 0, 2);
    put(c, m.ext_attr, 4);
    put(c, offset, 4);
    cd += c + m.name + cextra;
  }
  std::uint64_t cd_offset = out.size();
  out += cd + opt.between;
  put(out, 0x06054b50, 4);
  put(out, opt.disk.value_or(0), 2);
  put(out, 0, 2);
  put(out, members.size(), 2);
  put(out, members.size(), 2);
  put(out, cd.size(), 4);
  put(out, opt.cd_offset.value_or(static_cast<std::uint32_t>(cd_offset)), 4);
  put(out, opt.comment.size(), 2);
  return out + opt.comment;
}

// A member for craft_zip() with this name and content, other fields default.
inline CraftMember craft_member(std::string name, std::string data) {
  CraftMember m;
  m.name = std::move(name);
  m.data = std::move(data);
  return m;
}

// Writes `bytes` to dir/t.zip and opens it with ZipReader; returns the
// error message, or "" when it opens.
inline std::string zip_open_error(const TempDir& dir, const std::string& bytes,
                                  const wheelfix::wheel::ZipLimits& limits = {}) {
  write_file(dir / "t.zip", bytes);
  auto r = wheelfix::wheel::ZipReader::open(dir / "t.zip", limits);
  return r.ok() ? std::string() : r.error().message;
}

}  // namespace wheel_test
