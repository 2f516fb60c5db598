// Deterministic ZIP writer: same members + options => byte-identical archive,
// whatever the thread count or temporary folder.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "wheelfix/util/atomic_file.hpp"
#include "wheelfix/util/bytes.hpp"
#include "wheelfix/util/hash.hpp"
#include "wheelfix/util/result.hpp"
#include "wheelfix/wheel/zip_format.hpp"
#include "wheelfix/wheel/zip_reader.hpp"

namespace wheelfix::wheel {

// A cache of the compressed pieces of large members, kept in a folder and
// keyed by content (piece input, level, compressor and its version), so a
// member seen before (or the unchanged pieces of an edited one) is not
// compressed again. The archive's bytes are the same with or without it.
struct PieceCacheOptions {
  std::string dir;                               // "" = no cache
  std::uint64_t max_bytes = std::uint64_t{4} << 30;  // least recently used entries beyond this are removed
};

// How the whole archive is written.
struct ZipWriterOptions {
  // Timestamp of every member (SOURCE_DATE_EPOCH); clamped to 1980-01-01.
  std::int64_t source_date_epoch = kZipEpochMin;
  // Default deflate level for new members: 0 = stored, 1..12 (libdeflate).
  int level = 6;
  // Compression threads; 0 = all cores. At most this many members are held
  // compressed in memory at once (large ones are held in scratch files).
  unsigned threads = 1;
  // New members larger than this many bytes (at levels > 0) are deflated
  // with libdeflate in `chunk_size` pieces on `threads` threads, each piece
  // on its own (no dictionary), joined into one deflate stream in an
  // unnamed scratch file in the archive's folder, so that memory stays a few
  // chunks per thread whatever the member's size. Their bytes depend on
  // these two values, the level and the libdeflate version (never on
  // `threads` or the cache) and differ from the one-call form that smaller
  // members get. chunk_size must be in 1..1 GiB.
  std::size_t chunked_threshold = 32u << 20;
  std::size_t chunk_size = 4u << 20;
  // Folder of those scratch files ("" = the archive's folder).
  std::string scratch_dir;
  // Where those pieces are cached between runs (see PieceCacheOptions).
  PieceCacheOptions cache;
  // Write ZIP64 fields for every member and the ZIP64 end records even when
  // nothing needs them (they are always written when something does).
  bool force_zip64 = false;
  // Called on the committing thread after each member is written, with the
  // member count done/total and the uncompressed bytes done so far.
  std::function<void(std::size_t done, std::size_t total, std::uint64_t bytes)> progress;
};

// Per-member options for new data.
struct NewMemberOptions {
  bool executable = false;   // mode 0755 instead of 0644
  std::optional<int> level;  // overrides ZipWriterOptions::level
};

// Collects members, then writes them in the order given on commit(). Every
// member gets the same timestamp, mode 0644 / 0755 (directories 0755) with
// "version made by" Unix, no extra fields but ZIP64 ones, no data
// descriptors. A new member whose deflated form is not smaller than its data
// is stored. The output goes through util::AtomicFile: nothing appears at
// the target until commit() succeeds. Move-only.
class ZipWriter {
 public:
  // Creates the temporary file next to `path`. Fails with "<path>: <why>"
  // (unwritable folder, level out of range).
  static util::Result<ZipWriter> create(const std::string& path, const ZipWriterOptions& options = {});

  // Queues a member copied from `reader` without inflating it (compressed
  // bytes as they are; CRC, sizes and method kept; headers rewritten;
  // executable when any x bit is set). `name` renames it ("" keeps the
  // name). `reader` must outlive commit(). Fails on a bad or duplicate name.
  util::Status add_raw(const ZipReader& reader, const ZipEntry& entry, std::string name = {});
  // Queues new data by view; `data` must stay valid until commit() returns.
  util::Status add_bytes(std::string name, util::Bytes data, const NewMemberOptions& options = {});
  // Queues new data the writer owns.
  util::Status add_owned(std::string name, std::vector<std::uint8_t> data, const NewMemberOptions& options = {});
  // Queues the content of a file, mapped only while it is compressed and
  // written (keeps memory bounded for many large members). `sha256`, when
  // the caller has it anyway (the RECORD hash), is the SHA-256 of the file's
  // bytes: a member deflated in pieces is then looked up in the piece cache
  // by it, without hashing each piece again. It must be the digest of
  // exactly the file as it will be read; a wrong one can only miss or, if it
  // names other data, bring that data's pieces.
  util::Status add_file(std::string name, std::string path, const NewMemberOptions& options = {},
                        std::optional<util::Sha256Digest> sha256 = std::nullopt);
  // Queues a directory entry; `name` must end with '/'.
  util::Status add_directory(std::string name);

  // Members queued so far.
  std::size_t size() const { return members_.size(); }
  const std::string& path() const { return path_; }

  // Compresses (in parallel), writes everything and renames the file into
  // place. Fails with "<path>: <member>: <why>" or "<path>: <why>"; the
  // temporary file is then removed when the writer is destroyed.
  util::Status commit();

  // One queued member (public so the implementation's helpers can see it).
  struct Member {
    enum class Source { raw, view, owned, file, directory };
    std::string name;
    Source source = Source::view;
    util::Bytes view;  // raw: compressed bytes; view: the data
    const ZipReader* reader = nullptr;  // raw: the archive `view` is in
    std::vector<std::uint8_t> owned;
    std::string file_path;
    ZipMethod raw_method = ZipMethod::stored;
    std::uint32_t raw_crc = 0;
    std::uint64_t raw_size = 0;
    bool executable = false;
    int level = 6;
    std::optional<util::Sha256Digest> sha256;  // of the data, when given (add_file)
  };

 private:
  util::Status queue(Member m);

  std::string path_;
  ZipWriterOptions options_;
  util::AtomicFile out_;
  std::vector<Member> members_;
  std::set<std::string, std::less<>> names_;
  bool committed_ = false;
};

// A member ready to be written: what prepare_members() hands to its sink.
struct PreparedMember {
  ZipMethod method = ZipMethod::stored;
  std::uint32_t crc32 = 0;
  std::uint64_t uncompressed_size = 0;
  util::Bytes payload;  // the bytes to write after the local header
  std::unique_ptr<std::uint8_t[]> compressed;  // owns payload when deflated in one call
  // Owns payload when it is a stored file input or a chunked deflate's
  // scratch file; the sink may release() what it has written.
  std::optional<util::MappedFile> mapping;
  // When set, the payload is not in `payload`: this writes its `stream_size`
  // bytes in order through `write` (a member whose pieces all come from the
  // cache goes straight into the output, with no scratch file).
  std::function<util::Status(const std::function<util::Status(util::Bytes)>& write)> stream;
  std::uint64_t stream_size = 0;
};

// Building block of ZipWriter::commit(): computes CRC and compressed form of
// every member with options.threads workers (0 = all cores) and calls `sink`
// once per member, in order, on the calling thread. At most `threads`
// prepared members exist at once. Members above options.chunked_threshold
// are deflated in pieces (see ZipWriterOptions) into scratch files next to
// `archive`, or, when every piece is in the cache, streamed from it by the
// sink (PreparedMember::stream). Stops at the first error and returns it: a
// worker's (e.g. an unreadable input file, "<archive>: <member>: <why>") or
// the sink's.
util::Status prepare_members(const std::vector<ZipWriter::Member>& members, const ZipWriterOptions& options,
                             const std::string& archive,
                             const std::function<util::Status(std::size_t, PreparedMember&)>& sink);

}  // namespace wheelfix::wheel
