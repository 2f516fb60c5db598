// A checked read position in untrusted bytes (zip records, tables read from
// a file). Every read carries its own bounds check and returns a Result, so
// a check cannot sit apart from the read it protects: there is no way to
// load a field without asking whether the bytes are there.
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>

#include "wheelfix/util/bytes.hpp"
#include "wheelfix/util/result.hpp"

namespace wheelfix::util {

// Reads little-endian integers and byte runs from a view, front to back.
// A failed read leaves the position where it was. Errors say what was
// wanted and where: "4 bytes wanted at offset 40, 2 left" (offsets are
// relative to the view the cursor was made on). The cursor does not own the
// bytes; they must outlive it.
class ByteCursor {
 public:
  explicit ByteCursor(Bytes data) : data_(data) {}

  // Position from the start of the view, and bytes left after it.
  std::uint64_t offset() const { return pos_; }
  std::uint64_t remaining() const { return data_.size() - pos_; }
  bool at_end() const { return pos_ == data_.size(); }

  // Moves to `offset` (at most the view's size). Fails when it is past the end.
  Status seek(std::uint64_t offset) {
    if (offset > data_.size()) return fail(offset, 0);
    pos_ = offset;
    return {};
  }

  // The next `n` bytes as a view, moving past them.
  Result<Bytes> bytes(std::uint64_t n) {
    if (n > remaining()) return fail(pos_, n);
    Bytes out = data_.subspan(static_cast<std::size_t>(pos_), static_cast<std::size_t>(n));
    pos_ += n;
    return out;
  }
  // The next `n` bytes as a cursor of their own (offsets from 0), moving
  // past them: a fixed-size record is checked once, then read field by field.
  Result<ByteCursor> sub(std::uint64_t n) {
    WF_TRY(Bytes view, bytes(n));
    return ByteCursor(view);
  }
  // Moves past `n` bytes.
  Status skip(std::uint64_t n) {
    if (n > remaining()) return fail(pos_, n);
    pos_ += n;
    return {};
  }

  Result<std::uint8_t> u8() { return read<std::uint8_t>(); }
  Result<std::uint16_t> le16() { return read<std::uint16_t>(); }
  Result<std::uint32_t> le32() { return read<std::uint32_t>(); }
  Result<std::uint64_t> le64() { return read<std::uint64_t>(); }

  // Reads little-endian unsigned integers into `fields`, in order, each as
  // wide as its type: a fixed-layout record in one call. Checks once that
  // all of them fit; on failure no field is written and the cursor stays.
  template <typename... T>
  Status read_le(T&... fields) {
    static_assert((std::is_unsigned_v<T> && ...), "fields are unsigned integers");
    constexpr std::uint64_t total = (std::uint64_t{sizeof(T)} + ... + 0);
    if (total > remaining()) return fail(pos_, total);
    ((fields = read_at<T>(pos_).value(), pos_ += sizeof(T)), ...);
    return {};
  }

  // The little-endian value at `offset` of the view, not moving the cursor.
  Result<std::uint16_t> le16_at(std::uint64_t offset) const { return read_at<std::uint16_t>(offset); }
  Result<std::uint32_t> le32_at(std::uint64_t offset) const { return read_at<std::uint32_t>(offset); }
  Result<std::uint64_t> le64_at(std::uint64_t offset) const { return read_at<std::uint64_t>(offset); }

 private:
  template <typename T>
  Result<T> read() {
    WF_TRY(T v, read_at<T>(pos_));
    pos_ += sizeof(T);
    return v;
  }
  template <typename T>
  Result<T> read_at(std::uint64_t offset) const {
    if (!in_bounds(offset, sizeof(T), data_.size())) return fail(offset, sizeof(T));
    T v = 0;
    for (std::size_t i = sizeof(T); i-- > 0;) v = static_cast<T>((v << 8) | data_[static_cast<std::size_t>(offset) + i]);
    return v;
  }
  Error fail(std::uint64_t offset, std::uint64_t wanted) const {
    std::uint64_t left = offset <= data_.size() ? data_.size() - offset : 0;
    return make_error(std::to_string(wanted), " bytes wanted at offset ", std::to_string(offset), ", ",
                      std::to_string(left), " left");
  }

  Bytes data_;
  std::uint64_t pos_ = 0;
};

}  // namespace wheelfix::util
