// find_last_block(): walks a raw deflate stream's blocks without producing
// output (Huffman symbols decoded and skipped), to find where the final
// block starts and ends (deflate_piece.hpp). RFC 1951.
#include <array>
#include <cstring>

#include "wheel/deflate_piece.hpp"

namespace wheelfix::wheel {

namespace {

// LSB-first bit reader; reading past the end yields zero bits and counts them.
class BitReader {
 public:
  explicit BitReader(util::Bytes in) : p_(in.data()), n_(in.size()) {}

  // The reader's position, for loops that keep it in registers.
  struct State {
    std::uint64_t buf;
    unsigned bits;
    std::size_t pos;
  };
  State save() const { return {buf_, bits_, pos_}; }
  void load(const State& s) {
    buf_ = s.buf;
    bits_ = s.bits;
    pos_ = s.pos;
  }

  // Makes at least 56 bits available.
  void refill() {
    State s = save();
    refill(s);
    load(s);
  }
  // The same on a saved state; false once far past the end (more than 128
  // zero bits supplied), so a malformed stream cannot loop for ever.
  bool refill(State& s) {
    if (s.pos + 8 <= n_) {
      std::uint64_t w;
      std::memcpy(&w, p_ + s.pos, 8);  // little-endian hosts (x86-64, aarch64)
      s.buf |= w << s.bits;
      s.pos += (63 - s.bits) >> 3;
      s.bits |= 56;
      return true;
    }
    while (s.bits <= 56) {
      std::uint64_t b = s.pos < n_ ? p_[s.pos] : 0;
      if (s.pos >= n_) over_ += 8;
      ++s.pos;
      s.buf |= b << s.bits;
      s.bits += 8;
    }
    return over_ <= 128;
  }
  std::uint32_t peek(unsigned n) const { return static_cast<std::uint32_t>(buf_ & ((std::uint64_t{1} << n) - 1)); }
  void drop(unsigned n) {
    buf_ >>= n;
    bits_ -= n;
  }
  // n <= 32 bits.
  std::uint32_t get(unsigned n) {
    if (bits_ < n) refill();
    std::uint32_t v = peek(n);
    drop(n);
    return v;
  }
  // Bits consumed so far.
  std::uint64_t position() const { return std::uint64_t{pos_} * 8 - bits_; }
  // Jumps to byte offset `byte` (buffer emptied).
  void seek_byte(std::uint64_t byte) {
    pos_ = static_cast<std::size_t>(byte);
    buf_ = 0;
    bits_ = 0;
  }
  // True once bits past the end (beyond the current buffer's look-ahead) were consumed.
  bool overrun() const { return position() > std::uint64_t{n_} * 8; }
  bool far_overrun() const { return over_ > 128; }
  std::size_t size() const { return n_; }

 private:
  const std::uint8_t* p_;
  std::size_t n_;
  std::size_t pos_ = 0;
  std::uint64_t buf_ = 0;
  unsigned bits_ = 0;
  std::uint64_t over_ = 0;
};

// A canonical Huffman code: a table for codes up to kBits long, counts and
// sorted symbols for the longer ones.
struct Huffman {
  static constexpr unsigned kBits = 12;
  std::array<std::uint16_t, 1u << kBits> table{};  // (symbol << 4) | length; 0 = longer code or none
  std::array<std::uint16_t, 16> count{};
  std::array<std::uint16_t, 320> symbols{};

  // False when the lengths over-subscribe the code (incomplete is allowed,
  // as for a distance code with one symbol).
  bool build(const std::uint8_t* lens, unsigned n) {
    count.fill(0);
    for (unsigned s = 0; s < n; ++s) ++count[lens[s]];
    count[0] = 0;
    int left = 1;
    for (unsigned len = 1; len < 16; ++len) {
      left = left * 2 - count[len];
      if (left < 0) return false;
    }
    std::array<std::uint16_t, 16> offs{};
    for (unsigned len = 1; len < 15; ++len) offs[len + 1] = static_cast<std::uint16_t>(offs[len] + count[len]);
    for (unsigned s = 0; s < n; ++s) {
      if (lens[s]) symbols[offs[lens[s]]++] = static_cast<std::uint16_t>(s);
    }
    table.fill(0);
    unsigned code = 0, index = 0;
    for (unsigned len = 1; len <= kBits; ++len) {
      for (unsigned k = 0; k < count[len]; ++k, ++code, ++index) {
        unsigned rev = 0;
        for (unsigned b = 0; b < len; ++b) rev |= ((code >> b) & 1u) << (len - 1 - b);
        auto entry = static_cast<std::uint16_t>((symbols[index] << 4) | len);
        for (unsigned i = rev; i < (1u << kBits); i += 1u << len) table[i] = entry;
      }
      code <<= 1;
    }
    return true;
  }

  // The next symbol, or -1 for a code not in the table's code.
  int decode(BitReader& br) const {
    std::uint16_t e = table[br.peek(kBits)];
    if (e) {
      br.drop(e & 15u);
      return e >> 4;
    }
    int code = 0, first = 0, index = 0;
    for (unsigned len = 1; len < 16; ++len) {
      code |= static_cast<int>(br.get(1));
      int c = count[len];
      if (code - c < first) return symbols[static_cast<std::size_t>(index + (code - first))];
      index += c;
      first = (first + c) << 1;
      code <<= 1;
    }
    return -1;
  }
};

constexpr std::array<std::uint8_t, 29> kLenExtra = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                                   2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
constexpr std::array<std::uint8_t, 30> kDistExtra = {0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
                                                    6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

// Reads a dynamic block's code lengths into `lit` and `dist`.
bool read_dynamic(BitReader& br, Huffman& lit, Huffman& dist) {
  static constexpr std::array<std::uint8_t, 19> kOrder = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5,
                                                          11, 4,  12, 3, 13, 2, 14, 1, 15};
  unsigned hlit = br.get(5) + 257, hdist = br.get(5) + 1, hclen = br.get(4) + 4;
  if (hlit > 286 || hdist > 30) return false;
  std::array<std::uint8_t, 320> lens{};
  for (unsigned i = 0; i < hclen; ++i) lens[kOrder[i]] = static_cast<std::uint8_t>(br.get(3));
  Huffman cl;
  if (!cl.build(lens.data(), 19)) return false;
  lens.fill(0);
  for (unsigned i = 0; i < hlit + hdist;) {
    br.refill();
    int sym = cl.decode(br);
    if (sym < 0 || br.far_overrun()) return false;
    if (sym < 16) {
      lens[i++] = static_cast<std::uint8_t>(sym);
      continue;
    }
    std::uint8_t value = 0;
    unsigned repeat;
    if (sym == 16) {
      if (i == 0) return false;
      value = lens[i - 1];
      repeat = 3 + br.get(2);
    } else if (sym == 17) {
      repeat = 3 + br.get(3);
    } else {
      repeat = 11 + br.get(7);
    }
    if (i + repeat > hlit + hdist) return false;
    while (repeat--) lens[i++] = value;
  }
  if (lens[256] == 0) return false;
  return lit.build(lens.data(), hlit) && dist.build(lens.data() + hlit, hdist);
}

void fixed_codes(Huffman& lit, Huffman& dist) {
  std::array<std::uint8_t, 320> lens{};
  for (unsigned s = 0; s < 288; ++s) lens[s] = s < 144 ? 8 : s < 256 ? 9 : s < 280 ? 7 : 8;
  lit.build(lens.data(), 288);
  for (unsigned s = 0; s < 30; ++s) lens[s] = 5;
  dist.build(lens.data(), 30);
}

constexpr int kOutOfInput = -2;

// The next symbol of `h`: from its fast table when the code is short, else
// through the reader (and then refilled). -1 for an invalid code,
// kOutOfInput when the input ran out.
inline int next_symbol(const Huffman& h, BitReader& br, BitReader::State& st, std::uint64_t mask) {
  std::uint16_t e = h.table[st.buf & mask];
  if (e) {
    st.buf >>= e & 15u;
    st.bits -= e & 15u;
    return e >> 4;
  }
  br.load(st);
  int sym = h.decode(br);
  st = br.save();
  if (st.bits < 48 && !br.refill(st)) return kOutOfInput;
  return sym;
}

// Skips the symbols of one Huffman-coded block up to its end-of-block code.
// The hot loop: the reader's state is kept in locals and refilled only when
// fewer than 48 bits are left (a literal/length code, its extra bits, a
// distance code and its extra bits take at most 48).
bool skip_symbols(BitReader& br, const Huffman& lit, const Huffman& dist) {
  BitReader::State st = br.save();
  const std::uint64_t mask = (std::uint64_t{1} << Huffman::kBits) - 1;
  bool ok = false;
  for (;;) {
    if (st.bits < 48) {
      if (!br.refill(st)) break;  // far past the end: malformed
    }
    int sym = next_symbol(lit, br, st, mask);
    if (sym == kOutOfInput) break;
    if (sym < 256) {
      if (sym < 0) break;
      continue;
    }
    if (sym == 256) {
      ok = true;
      break;
    }
    if (sym > 285) break;
    unsigned extra = kLenExtra[static_cast<std::size_t>(sym - 257)];
    st.buf >>= extra;
    st.bits -= extra;
    int d = next_symbol(dist, br, st, mask);
    if (d < 0 || d >= 30) break;
    st.buf >>= kDistExtra[static_cast<std::size_t>(d)];
    st.bits -= kDistExtra[static_cast<std::size_t>(d)];
  }
  br.load(st);
  return ok;
}

}  // namespace

util::Result<DeflateBlockEnds> find_last_block(util::Bytes stream) {
  BitReader br(stream);
  Huffman lit, dist;
  for (;;) {
    std::uint64_t header = br.position();
    unsigned final_block = br.get(1), type = br.get(2);
    if (type == 0) {
      std::uint64_t byte = (br.position() + 7) / 8;
      if (byte + 4 > stream.size()) return util::make_error("deflate: stored block runs past the end");
      unsigned len = stream[byte] | (stream[byte + 1] << 8), nlen = stream[byte + 2] | (stream[byte + 3] << 8);
      if (len != (~nlen & 0xffffu)) return util::make_error("deflate: stored block length check failed");
      if (byte + 4 + len > stream.size()) return util::make_error("deflate: stored block runs past the end");
      br.seek_byte(byte + 4 + len);
    } else if (type == 3) {
      return util::make_error("deflate: invalid block type");
    } else {
      if (type == 1) fixed_codes(lit, dist);
      if (type == 2 && !read_dynamic(br, lit, dist)) return util::make_error("deflate: bad dynamic block header");
      if (!skip_symbols(br, lit, dist)) return util::make_error("deflate: bad code in a block");
    }
    if (br.overrun()) return util::make_error("deflate: piece ends inside a block");
    if (final_block) {
      DeflateBlockEnds r{header, br.position()};
      if ((r.end_bit + 7) / 8 != stream.size()) return util::make_error("deflate: piece has bytes after its final block");
      return r;
    }
  }
}

}  // namespace wheelfix::wheel
