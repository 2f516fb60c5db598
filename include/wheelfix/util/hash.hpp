// SHA-256 and the encodings wheels and indexes use for it.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "wheelfix/util/bytes.hpp"

namespace wheelfix::util {

using Sha256Digest = std::array<std::uint8_t, 32>;

// Incremental SHA-256 (OpenSSL EVP). Never fails for in-memory input.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(Bytes data);
  Sha256Digest finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// SHA-256 of `data` in one call.
Sha256Digest sha256(Bytes data);
// Lowercase hex of any bytes (index hashes, hashed library names).
std::string to_hex(Bytes data);
// URL-safe base64 without '=' padding (RECORD hashes).
std::string to_urlsafe_b64_nopad(Bytes data);

inline Bytes as_bytes(const Sha256Digest& d) { return Bytes(d.data(), d.size()); }
inline Bytes as_bytes(std::string_view s) {
  return Bytes(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

}  // namespace wheelfix::util
