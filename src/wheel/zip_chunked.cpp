// deflate_chunked(): fixed-size pieces deflated in parallel with libdeflate,
// each on its own, joined into one raw deflate stream (deflate_piece.hpp).
#include "wheel/zip_chunked.hpp"

#include "wheel/deflate_piece.hpp"
#include "wheel/piece_cache.hpp"

#include <libdeflate.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <climits>
#include <condition_variable>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace wheelfix::wheel {

namespace {

// One compressed piece.
struct Piece {
  std::vector<std::uint8_t> out;
  std::uint32_t crc = 0;
  util::Sha256Digest key{};  // its cache key (when there is a cache)
  std::string error;  // non-empty when compression failed
};

// Compresses input[begin, end) on its own (joinable unless it ends the
// input), from the cache when it holds the piece. `known` is the piece's key
// when a member entry gave it (null: hash the piece).
Piece deflate_piece(libdeflate_compressor* compressor, const PieceCache* cache, const util::Sha256Digest* known,
                    util::Bytes input, std::size_t begin, std::size_t end, int level) {
  Piece p;
  util::Bytes in = input.subspan(begin, end - begin);
  bool last = end == input.size();
  p.crc = static_cast<std::uint32_t>(libdeflate_crc32(0, in.data(), in.size()));
  util::Sha256Digest& key = p.key;
  if (cache) {
    key = known ? *known : piece_key(piece_compressor_id(), level, last, {}, in);
    if (auto hit = cache->get(key)) {
      p.out = std::move(*hit);
      return p;
    }
  }
  if (!compressor) {
    p.error = "out of memory for the compressor";
    return p;
  }
  auto r = deflate_piece_libdeflate(compressor, in, last);
  if (!r) {
    p.error = r.error().message;
    return p;
  }
  p.out = std::move(r).value();
  if (cache) cache->put(key, util::Bytes(p.out));
  return p;
}

// Pieces compressed by worker threads and taken in order by one collector;
// at most `window` pieces past the last one taken are started.
class PiecePool {
 public:
  // `keys`: the pieces' cache keys from a member entry, or empty.
  PiecePool(util::Bytes input, int level, std::size_t chunk, std::size_t window, const PieceCache* cache,
            std::vector<util::Sha256Digest> keys)
      : input_(input), level_(level), chunk_(chunk), window_(window), cache_(cache), keys_(std::move(keys)),
        slots_((input.size() + chunk - 1) / chunk) {}

  std::size_t count() const { return slots_.size(); }
  std::size_t end_of(std::size_t k) const { return std::min(input_.size(), (k + 1) * chunk_); }

  // Worker loop: claims and compresses pieces until all are claimed or stop().
  void work() {
    std::unique_ptr<libdeflate_compressor, decltype(&libdeflate_free_compressor)> compressor(
        libdeflate_alloc_compressor(level_), &libdeflate_free_compressor);
    for (;;) {
      std::size_t k;
      {
        std::unique_lock lock(mu_);
        work_cv_.wait(lock, [&] { return stop_ || next_ >= count() || next_ < taken_ + window_; });
        if (stop_ || next_ >= count()) return;
        k = next_++;
      }
      auto piece = std::make_unique<Piece>(deflate_piece(compressor.get(), cache_, keys_.empty() ? nullptr : &keys_[k], input_, k * chunk_, end_of(k), level_));
      std::lock_guard lock(mu_);
      slots_[k] = std::move(piece);
      done_cv_.notify_all();
    }
  }

  // Waits for piece k (taken in order 0, 1, ...) and admits one more.
  std::unique_ptr<Piece> take(std::size_t k) {
    std::unique_lock lock(mu_);
    done_cv_.wait(lock, [&] { return slots_[k] != nullptr; });
    taken_ = k + 1;
    work_cv_.notify_all();
    return std::move(slots_[k]);
  }

  void stop() {
    std::lock_guard lock(mu_);
    stop_ = true;
    work_cv_.notify_all();
  }

 private:
  util::Bytes input_;
  int level_;
  std::size_t chunk_, window_;
  const PieceCache* cache_;
  std::vector<util::Sha256Digest> keys_;
  std::mutex mu_;
  std::condition_variable work_cv_, done_cv_;
  std::size_t next_ = 0, taken_ = 0;
  bool stop_ = false;
  std::vector<std::unique_ptr<Piece>> slots_;
};

// Runs `threads` workers on a pool; stops and joins them when destroyed.
class Workers {
 public:
  Workers(PiecePool& pool, unsigned threads) : pool_(pool) {
    for (unsigned t = 0; t < threads; ++t) threads_.emplace_back([&pool] { pool.work(); });
  }
  ~Workers() {
    pool_.stop();
    for (auto& t : threads_) t.join();
  }
  Workers(const Workers&) = delete;
  Workers& operator=(const Workers&) = delete;

 private:
  PiecePool& pool_;
  std::vector<std::thread> threads_;
};

util::Result<util::TempFile> scratch_file(const std::string& dir) {
  auto f = util::TempFile::create(dir, {});
  if (f.ok()) return f;
  const char* tmp = std::getenv("TMPDIR");
  auto g = util::TempFile::create(tmp && *tmp ? tmp : "/tmp", {});
  if (g.ok()) return g;
  return f.error();
}

// Drops the pages of `source` in input[0, upto) not dropped yet (`done`
// bytes are), whole pages only.
void release_upto(const util::MappedFile& source, util::Bytes input, std::size_t upto, std::size_t& done) {
  static const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  auto base = reinterpret_cast<std::uintptr_t>(input.data());
  std::size_t hi = static_cast<std::size_t>((base + upto) / page * page - base);
  if (hi > upto || hi <= done) return;  // (hi > upto: the first page is not whole)
  source.release(input.subspan(done, hi - done));
  done = hi;
}

// The piece keys the member entry `mkey` lists, when it holds `count` of
// them; empty otherwise.
std::vector<util::Sha256Digest> member_pieces(const PieceCache& cache, const util::Sha256Digest& mkey,
                                              std::size_t count) {
  std::vector<util::Sha256Digest> keys;
  auto hit = cache.get(mkey);
  if (!hit || hit->size() != count * sizeof(util::Sha256Digest)) return keys;
  keys.resize(count);
  for (std::size_t k = 0; k < count; ++k) std::copy_n(hit->data() + 32 * k, 32, keys[k].begin());
  return keys;
}

}  // namespace

util::Result<ChunkedDeflate> deflate_chunked(util::Bytes input, const util::MappedFile* source, int level,
                                             std::size_t chunk, unsigned threads, const std::string& dir,
                                             const PieceCache* cache, const util::Sha256Digest* input_sha256) {
  ChunkedDeflate r;
  WF_TRY(r.file, scratch_file(dir));
  threads = std::max(threads, 1u);
  chunk = std::max<std::size_t>(chunk, 1);
  std::size_t count = (input.size() + chunk - 1) / chunk;
  const bool by_member = cache && input_sha256;
  util::Sha256Digest mkey{};
  std::vector<util::Sha256Digest> keys;
  if (by_member) {
    mkey = member_key(piece_compressor_id(), level, chunk, input.size(), *input_sha256);
    keys = member_pieces(*cache, mkey, count);
  }
  const bool write_member = by_member && keys.empty();
  std::vector<std::uint8_t> listed;  // the member entry to write
  PiecePool pool(input, level, chunk, 2 * std::size_t{threads}, cache, std::move(keys));
  Workers workers(pool, threads);
  std::size_t released = 0;
  for (std::size_t k = 0; k < pool.count(); ++k) {
    auto piece = pool.take(k);
    if (!piece->error.empty()) return util::make_error("deflate: ", piece->error);
    if (write_member) listed.insert(listed.end(), piece->key.begin(), piece->key.end());
    if (auto st = r.file.append(util::Bytes(piece->out)); !st) {
      return util::make_error(dir, ": scratch file: ", st.error().message);
    }
    std::size_t begin = k == 0 ? 0 : pool.end_of(k - 1), len = pool.end_of(k) - begin;
    auto combined = crc32_combine(r.crc32, piece->crc, static_cast<z_off_t>(len));
    r.crc32 = k == 0 ? piece->crc : static_cast<std::uint32_t>(combined);
    r.compressed += piece->out.size();
    if (source) release_upto(*source, input, pool.end_of(k), released);
  }
  if (write_member) cache->put(mkey, util::Bytes(listed));
  return r;
}

std::optional<CachedPieces> find_cached(util::Bytes input, int level, std::size_t chunk, const PieceCache& cache,
                                        const util::Sha256Digest& input_sha256) {
  chunk = std::max<std::size_t>(chunk, 1);
  std::size_t count = (input.size() + chunk - 1) / chunk;
  CachedPieces c;
  c.keys = member_pieces(cache, member_key(piece_compressor_id(), level, chunk, input.size(), input_sha256), count);
  if (c.keys.empty() && count > 0) return std::nullopt;
  for (const auto& key : c.keys) {
    auto size = cache.payload_size(key);
    if (!size) return std::nullopt;
    c.sizes.push_back(*size);
    c.compressed += *size;
  }
  return c;
}

util::Status write_cached(const CachedPieces& pieces, util::Bytes input, const util::MappedFile* source, int level,
                          std::size_t chunk, const PieceCache& cache,
                          const std::function<util::Status(util::Bytes)>& write) {
  chunk = std::max<std::size_t>(chunk, 1);
  std::unique_ptr<libdeflate_compressor, decltype(&libdeflate_free_compressor)> compressor(
      nullptr, &libdeflate_free_compressor);
  std::size_t released = 0;
  for (std::size_t k = 0; k < pieces.keys.size(); ++k) {
    std::size_t begin = k * chunk, end = std::min(input.size(), begin + chunk);
    auto hit = cache.get(pieces.keys[k]);
    if (!hit) {  // damaged or removed since find_cached(): the same bytes, compressed again
      if (!compressor) compressor.reset(libdeflate_alloc_compressor(level));
      if (!compressor) return util::make_error("deflate: out of memory for the compressor");
      auto again = deflate_piece_libdeflate(compressor.get(), input.subspan(begin, end - begin), end == input.size());
      if (!again) return again.error();
      hit = std::move(again).value();
      cache.put(pieces.keys[k], util::Bytes(*hit));
    }
    if (hit->size() != pieces.sizes[k]) return util::make_error("deflate: cached piece ", std::to_string(k), " changed size");
    WF_CHECK(write(util::Bytes(*hit)));
    if (source) release_upto(*source, input, end, released);
  }
  return {};
}

}  // namespace wheelfix::wheel
