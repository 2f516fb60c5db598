// Overlay: copies of regions of the original file that edits change, turned
// into minimal patches (only the byte runs that differ).
#include <algorithm>

#include "elf/rewrite_internal.hpp"

namespace wheelfix::elf::rw {

std::uint8_t* Overlay::region(std::uint64_t offset, std::uint64_t size) {
  for (auto& [off, bytes] : regions_)
    if (off == offset && bytes.size() == size) return bytes.data();
  regions_.emplace_back(offset, std::vector<std::uint8_t>(data_.begin() + static_cast<std::ptrdiff_t>(offset),
                                                          data_.begin() + static_cast<std::ptrdiff_t>(offset + size)));
  return regions_.back().second.data();
}

std::vector<Patch> Overlay::patches(std::uint64_t limit) const {
  std::vector<Patch> out;
  for (const auto& [off, bytes] : regions_) {
    std::size_t i = 0;
    while (i < bytes.size()) {
      if (bytes[i] == data_[off + i]) {
        ++i;
        continue;
      }
      std::size_t j = i, same = 0;
      for (std::size_t k = i; k < bytes.size(); ++k) {
        if (bytes[k] == data_[off + k]) {
          if (++same >= 16) break;
        } else {
          same = 0;
          j = k;
        }
      }
      if (off + i < limit) {
        std::uint64_t end = std::min<std::uint64_t>(off + j + 1, limit);
        out.push_back(Patch{off + i, std::vector<std::uint8_t>(bytes.begin() + static_cast<std::ptrdiff_t>(i),
                                                               bytes.begin() + static_cast<std::ptrdiff_t>(end - off))});
      }
      i = j + 1;
    }
  }
  std::sort(out.begin(), out.end(), [](const Patch& a, const Patch& b) { return a.offset < b.offset; });
  return out;
}

void apply_overlay(const Overlay& ov, std::uint64_t offset, std::vector<std::uint8_t>& out,
                   std::uint64_t skip) {
  for (const auto& [off, bytes] : ov.regions()) {
    if (off == skip) continue;
    std::uint64_t lo = std::max(off, offset), hi = std::min(off + bytes.size(), offset + out.size());
    for (std::uint64_t i = lo; i < hi; ++i) out[i - offset] = bytes[i - off];
  }
}

}  // namespace wheelfix::elf::rw
