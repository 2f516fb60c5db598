// Parallel, order-preserving member preparation (CRC-32 + deflate) for
// ZipWriter, with a bounded window of members in flight; large members are
// deflated in pieces (zip_chunked.hpp).
#include <libdeflate.h>

#include <algorithm>
#include <array>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>

#include "wheel/piece_cache.hpp"
#include "wheel/zip_chunked.hpp"
#include "wheelfix/wheel/zip_writer.hpp"

namespace wheelfix::wheel {

namespace {

using Member = ZipWriter::Member;

// One libdeflate compressor per level, owned by one worker thread.
class Compressors {
 public:
  Compressors() { slots_.fill(nullptr); }
  ~Compressors() {
    for (auto* c : slots_) {
      if (c) libdeflate_free_compressor(c);
    }
  }
  Compressors(const Compressors&) = delete;
  Compressors& operator=(const Compressors&) = delete;
  libdeflate_compressor* get(int level) {
    auto& slot = slots_[static_cast<std::size_t>(level)];
    if (!slot) slot = libdeflate_alloc_compressor(level);
    return slot;
  }

 private:
  std::array<libdeflate_compressor*, 13> slots_;
};

// How members are prepared in one run.
struct PrepareContext {
  const std::string& archive;
  std::size_t chunked_threshold;
  std::size_t chunk_size;
  unsigned chunk_threads;  // threads for one chunked member
  std::string scratch_dir;
  const PieceCache* cache;  // null = no cache
};

util::Error member_error(const PrepareContext& ctx, const Member& m, const std::string& why) {
  return util::make_error(ctx.archive, ": ", printable_name(m.name), ": ", why);
}

// CRC-32 of `input`, in slices dropped from the resident set once summed
// when `source` is the mapping it lies in (a stored member is written from
// the mapping later, in slices again).
std::uint32_t crc_released(util::Bytes input, const util::MappedFile* source) {
  constexpr std::size_t kSlice = 8u << 20;
  std::uint32_t crc = 0;
  for (std::size_t off = 0; off < input.size(); off += kSlice) {
    auto slice = input.subspan(off, std::min(kSlice, input.size() - off));
    crc = static_cast<std::uint32_t>(libdeflate_crc32(crc, slice.data(), slice.size()));
    if (source) source->release(slice);
  }
  return crc;
}

// Deflates a large input in pieces into a scratch file that becomes the
// payload; stores it when that does not save a byte.
util::Status prepare_chunked(const Member& m, const PrepareContext& ctx, util::Bytes input, PreparedMember& p) {
  const util::MappedFile* source = p.mapping ? &*p.mapping : nullptr;
  if (ctx.cache && m.sha256) {  // every piece cached: the sink writes them from the cache into the output
    auto cached = find_cached(input, m.level, ctx.chunk_size, *ctx.cache, *m.sha256);
    if (cached && cached->compressed < input.size()) {
      p.crc32 = crc_released(input, source);
      p.method = ZipMethod::deflate;
      p.stream_size = cached->compressed;
      // (no `source`: p, and the mapping in it, moves before the sink runs;
      // the input's pages were dropped by the CRC pass already)
      p.stream = [pieces = std::move(*cached), input, level = m.level, chunk = ctx.chunk_size,
                  cache = ctx.cache](const std::function<util::Status(util::Bytes)>& write) {
        return write_cached(pieces, input, nullptr, level, chunk, *cache, write);
      };
      return {};
    }
  }
  auto d = deflate_chunked(input, source, m.level, ctx.chunk_size, ctx.chunk_threads, ctx.scratch_dir,
                           ctx.cache, m.sha256 ? &*m.sha256 : nullptr);
  if (!d) return member_error(ctx, m, d.error().message);
  p.crc32 = d->crc32;
  if (d->compressed >= input.size()) return {};
  auto mapped = util::MappedFile::open(d->file.path());
  if (!mapped) return member_error(ctx, m, "scratch file: " + mapped.error().message);
  if (mapped->size() != d->compressed) return member_error(ctx, m, "scratch file has the wrong size");
  p.mapping = std::move(mapped).value();  // unmaps the input
  p.method = ZipMethod::deflate;
  p.payload = p.mapping->bytes();
  return {};
}

util::Result<PreparedMember> prepare_one(const Member& m, Compressors& compressors, const PrepareContext& ctx) {
  PreparedMember p;
  if (m.source == Member::Source::raw) {
    p.method = m.raw_method;
    p.crc32 = m.raw_crc;
    p.uncompressed_size = m.raw_size;
    p.payload = m.view;
    return p;
  }
  util::Bytes input;
  if (m.source == Member::Source::view) input = m.view;
  if (m.source == Member::Source::owned) input = util::Bytes(m.owned.data(), m.owned.size());
  if (m.source == Member::Source::file) {
    auto mapped = util::MappedFile::open(m.file_path);
    if (!mapped) return member_error(ctx, m, mapped.error().message);
    p.mapping = std::move(mapped).value();
    input = p.mapping->bytes();
  }
  p.uncompressed_size = input.size();
  p.payload = input;
  if (m.level > 0 && input.size() > ctx.chunked_threshold && input.size() >= 2) {
    WF_CHECK(prepare_chunked(m, ctx, input, p));
    return p;
  }
  if (m.level == 0 || input.size() < 2) {
    p.crc32 = crc_released(input, p.mapping ? &*p.mapping : nullptr);
    return p;
  }
  p.crc32 = libdeflate_crc32(0, input.data(), input.size());
  // Deflate only if it saves at least one byte; otherwise store.
  libdeflate_compressor* c = compressors.get(m.level);
  if (!c) return member_error(ctx, m, "out of memory for the compressor");
  auto buf = std::make_unique_for_overwrite<std::uint8_t[]>(input.size() - 1);
  std::size_t n = libdeflate_deflate_compress(c, input.data(), input.size(), buf.get(), input.size() - 1);
  if (n == 0) return p;
  p.method = ZipMethod::deflate;
  p.compressed = std::move(buf);
  p.payload = util::Bytes(p.compressed.get(), n);
  return p;
}

// Shared state of one prepare_members() run.
struct Pipeline {
  Pipeline(const std::vector<Member>& m, std::size_t w, const PrepareContext& c)
      : members(m), window(w), ctx(c), results(m.size()) {}
  const std::vector<Member>& members;
  std::size_t window;
  const PrepareContext& ctx;
  std::mutex mu;
  std::condition_variable work_cv, done_cv;
  std::size_t next = 0;     // next member index a worker may claim
  std::size_t written = 0;  // members handed to the sink so far
  bool abort = false;
  std::vector<std::unique_ptr<util::Result<PreparedMember>>> results;

  void worker() {
    Compressors compressors;
    for (;;) {
      std::size_t i;
      {
        std::unique_lock lock(mu);
        work_cv.wait(lock, [&] { return abort || next >= members.size() || next < written + window; });
        if (abort || next >= members.size()) return;
        i = next++;
      }
      auto r = std::make_unique<util::Result<PreparedMember>>(prepare_one(members[i], compressors, ctx));
      std::lock_guard lock(mu);
      results[i] = std::move(r);
      done_cv.notify_all();
    }
  }
};

// How many of `members` prepare_one() deflates in pieces (level > 0, input
// over `threshold`).
std::size_t count_chunked(const std::vector<Member>& members, std::uint64_t threshold) {
  std::size_t n = 0;
  for (const Member& m : members) {
    if (m.level == 0) continue;
    std::uint64_t size = 0;
    if (m.source == Member::Source::view) size = m.view.size();
    if (m.source == Member::Source::owned) size = m.owned.size();
    if (m.source == Member::Source::file) {
      std::error_code ec;
      size = std::filesystem::file_size(m.file_path, ec);
      if (ec) size = 0;
    }
    if (size > threshold) ++n;
  }
  return n;
}

}  // namespace

util::Status prepare_members(const std::vector<Member>& members, const ZipWriterOptions& options,
                             const std::string& archive,
                             const std::function<util::Status(std::size_t, PreparedMember&)>& sink) {
  unsigned threads = options.threads;
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  std::string dir = options.scratch_dir.empty() ? std::filesystem::path(archive).parent_path().string()
                                               : options.scratch_dir;
  // One thread budget: members deflated in pieces at the same time (at most
  // one per worker) share it, so threads and pieces in memory stay O(threads)
  // however many large members there are. Bytes do not depend on it.
  std::size_t chunked = std::min<std::size_t>(count_chunked(members, options.chunked_threshold), threads);
  unsigned chunk_threads = std::max(1u, threads / static_cast<unsigned>(std::max<std::size_t>(chunked, 1)));
  std::optional<PieceCache> cache;
  if (chunked > 0 && !options.cache.dir.empty()) cache.emplace(options.cache);
  const PrepareContext ctx{archive, options.chunked_threshold, options.chunk_size, chunk_threads,
                           dir.empty() ? "." : dir, cache ? &*cache : nullptr};
  if (threads > members.size()) threads = static_cast<unsigned>(std::max<std::size_t>(members.size(), 1));
  Pipeline pipe(members, threads, ctx);
  std::vector<std::thread> workers;
  for (unsigned t = 0; t < threads; ++t) workers.emplace_back([&pipe] { pipe.worker(); });
  util::Status status;
  for (std::size_t i = 0; i < members.size() && status.ok(); ++i) {
    std::unique_ptr<util::Result<PreparedMember>> r;
    {
      std::unique_lock lock(pipe.mu);
      pipe.done_cv.wait(lock, [&] { return pipe.results[i] != nullptr; });
      r = std::move(pipe.results[i]);
    }
    if (!r->ok()) {
      status = r->error();
    } else {
      status = sink(i, r->value());
    }
    r.reset();  // release the compressed buffer before admitting more work
    std::lock_guard lock(pipe.mu);
    pipe.written = i + 1;
    if (!status.ok()) pipe.abort = true;
    pipe.work_cv.notify_all();
  }
  {
    std::lock_guard lock(pipe.mu);
    pipe.abort = true;
    pipe.work_cv.notify_all();
  }
  for (auto& w : workers) w.join();
  if (cache) cache->trim();
  return status;
}

}  // namespace wheelfix::wheel
