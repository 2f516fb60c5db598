// Byte views and overflow-checked arithmetic for offsets read from files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace wheelfix::util {

// A read-only view of bytes (a mapped file, a zip member, a buffer).
using Bytes = std::span<const std::uint8_t>;

// a + b, or nullopt when it overflows 64 bits.
inline std::optional<std::uint64_t> checked_add(std::uint64_t a, std::uint64_t b) {
  std::uint64_t r;
  if (__builtin_add_overflow(a, b, &r)) return std::nullopt;
  return r;
}

// a * b, or nullopt when it overflows 64 bits.
inline std::optional<std::uint64_t> checked_mul(std::uint64_t a, std::uint64_t b) {
  std::uint64_t r;
  if (__builtin_mul_overflow(a, b, &r)) return std::nullopt;
  return r;
}

// True when [offset, offset + size) lies inside a buffer of `total` bytes,
// without overflow.
inline bool in_bounds(std::uint64_t offset, std::uint64_t size, std::uint64_t total) {
  return offset <= total && size <= total - offset;
}

// The sub-view [offset, offset + size) of `data`, or nullopt when it does not
// fit.
inline std::optional<Bytes> slice(Bytes data, std::uint64_t offset, std::uint64_t size) {
  if (!in_bounds(offset, size, data.size())) return std::nullopt;
  return data.subspan(static_cast<std::size_t>(offset), static_cast<std::size_t>(size));
}

// The NUL-terminated string starting at `offset` in `data`, or nullopt when
// the offset is out of range or no NUL ends the string inside `data`.
inline std::optional<std::string_view> c_string_at(Bytes data, std::uint64_t offset) {
  if (offset >= data.size()) return std::nullopt;
  const auto* begin = reinterpret_cast<const char*>(data.data()) + offset;
  std::size_t max = data.size() - static_cast<std::size_t>(offset);
  std::size_t len = std::string_view(begin, max).find('\0');
  if (len == std::string_view::npos) return std::nullopt;
  return std::string_view(begin, len);
}

}  // namespace wheelfix::util
