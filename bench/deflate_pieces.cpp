// Big-member deflate: zlib pieces primed with the 32 KiB before them (the
// writer's path before libdeflate pieces) against deflate_chunked()
// (libdeflate pieces joined into one stream), one thread, same input, same
// level, same piece size; the joined stream is checked with zlib.
//
// Build (from the source tree, after a build in build/):
//   g++ -O2 -std=c++20 -Iinclude -Isrc bench/deflate_pieces.cpp build/libwheelfix_wheel.a
//       build/libwheelfix_util.a -ldeflate -lz -lcrypto -lpthread -o /tmp/deflate_pieces
// Run: /tmp/deflate_pieces FILE [LEVEL=6] [PIECE_MIB=4] [THREADS=1]
#include <libdeflate.h>
#include <zlib.h>

#include <ctime>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "wheel/zip_chunked.hpp"
#include "wheelfix/util/mapped_file.hpp"

using namespace wheelfix;
using Clock = std::chrono::steady_clock;

namespace {

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// CPU seconds of the whole process so far (all threads): on a shared
// machine a fairer figure than wall time.
double cpu_now() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// libdeflate on the pieces alone, not joined (what the join costs on top).
std::uint64_t libdeflate_only(util::Bytes in, int level, std::size_t piece) {
  auto* c = libdeflate_alloc_compressor(level);
  std::vector<std::uint8_t> out(libdeflate_deflate_compress_bound(c, piece));
  std::uint64_t total = 0;
  for (std::size_t b = 0; b < in.size(); b += piece) {
    std::size_t e = std::min(in.size(), b + piece);
    total += libdeflate_deflate_compress(c, in.data() + b, e - b, out.data(), out.size());
  }
  libdeflate_free_compressor(c);
  return total;
}

// The old path: zlib per piece, dictionary = the 32 KiB before it, sync flush.
std::uint64_t zlib_pieces(util::Bytes in, int level, std::size_t piece) {
  std::vector<std::uint8_t> out(piece + piece / 8 + 1024);
  std::uint64_t total = 0;
  for (std::size_t b = 0; b < in.size(); b += piece) {
    std::size_t e = std::min(in.size(), b + piece);
    z_stream zs{};
    deflateInit2(&zs, std::min(level, 9), Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
    std::size_t d = std::min<std::size_t>(b, 32768);
    if (d) deflateSetDictionary(&zs, in.data() + b - d, static_cast<uInt>(d));
    zs.next_in = const_cast<Bytef*>(in.data() + b);
    zs.avail_in = static_cast<uInt>(e - b);
    zs.next_out = out.data();
    zs.avail_out = static_cast<uInt>(out.size());
    deflate(&zs, e == in.size() ? Z_FINISH : Z_SYNC_FLUSH);
    total += out.size() - zs.avail_out;
    deflateEnd(&zs);
  }
  return total;
}

// Inflates the stream in `fd_path` with zlib and compares with `in`.
bool inflates_to(const std::string& path, util::Bytes in) {
  auto m = util::MappedFile::open(path);
  if (!m) return false;
  z_stream zs{};
  inflateInit2(&zs, -15);
  std::vector<std::uint8_t> out(1u << 20);
  zs.next_in = const_cast<Bytef*>(m->bytes().data());
  zs.avail_in = static_cast<uInt>(m->size());
  std::size_t at = 0;
  int rc = Z_OK;
  while (rc == Z_OK) {
    zs.next_out = out.data();
    zs.avail_out = static_cast<uInt>(out.size());
    rc = inflate(&zs, Z_NO_FLUSH);
    std::size_t n = out.size() - zs.avail_out;
    if (at + n > in.size() || !std::equal(out.begin(), out.begin() + static_cast<long>(n), in.begin() + static_cast<long>(at))) return false;
    at += n;
  }
  inflateEnd(&zs);
  return rc == Z_STREAM_END && at == in.size() && zs.avail_in == 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FILE [LEVEL] [PIECE_MIB] [THREADS]\n", argv[0]);
    return 2;
  }
  int level = argc > 2 ? std::atoi(argv[2]) : 6;
  std::size_t piece = (argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 4) << 20;
  unsigned threads = argc > 4 ? static_cast<unsigned>(std::atoi(argv[4])) : 1;
  auto m = util::MappedFile::open(argv[1]);
  if (!m) {
    std::fprintf(stderr, "%s\n", m.error().message.c_str());
    return 1;
  }
  util::Bytes in = m->bytes();
  unsigned touch = 0;
  for (std::size_t i = 0; i < in.size(); i += 4096) touch += in[i];  // page it in first
  if (touch == 1) std::printf(" ");
  auto t = Clock::now();
  double c0 = cpu_now();
  std::uint64_t zsize = zlib_pieces(in, level, piece);
  double zt = since(t), zc = cpu_now() - c0;
  t = Clock::now();
  c0 = cpu_now();
  std::uint64_t lsize = libdeflate_only(in, level, piece);
  double ot = since(t), oc = cpu_now() - c0;
  t = Clock::now();
  c0 = cpu_now();
  auto d = wheel::deflate_chunked(in, nullptr, level, piece, threads, "/tmp");
  double lt = since(t), lc = cpu_now() - c0;
  if (!d) {
    std::fprintf(stderr, "%s\n", d.error().message.c_str());
    return 1;
  }
  bool ok = inflates_to(d->file.path(), in);
  std::printf("%s: %.1f MB, level %d, %zu MiB pieces, %u thread(s)\n", argv[1], in.size() / 1e6, level,
              piece >> 20, threads);
  std::printf("| path | wall s | CPU s | MB/s (CPU) | compressed MB | size vs zlib |\n|---|---:|---:|---:|---:|---:|\n");
  auto row = [&](const char* name, double wall, double cpu, std::uint64_t size) {
    std::printf("| %s | %.2f | %.2f | %.0f | %.2f | %.4f |\n", name, wall, cpu, in.size() / 1e6 / cpu, size / 1e6,
                static_cast<double>(size) / static_cast<double>(zsize));
  };
  row("zlib pieces + 32 KiB dictionary (before)", zt, zc, zsize);
  row("libdeflate pieces, not joined (no walk)", ot, oc, lsize);
  row("deflate_chunked: libdeflate pieces joined (now)", lt, lc, d->compressed);
  std::printf("speed-up (CPU) %.2fx, wall %.2fx; joined stream inflates to the input with zlib: %s\n", zc / lc,
              zt / lt, ok ? "yes" : "NO");
  return ok ? 0 : 1;
}
