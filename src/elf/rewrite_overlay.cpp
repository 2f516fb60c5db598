// Overlay: copies of regions of the original file that edits change, turned
// into minimal patches (only the byte runs that differ). Regions may
// overlap; where they do, the region created last holds the final bytes.
#include <algorithm>

#include "elf/rewrite_internal.hpp"

namespace wheelfix::elf::rw {

std::uint8_t* Overlay::region(std::uint64_t offset, std::uint64_t size) {
  // The newest region that holds the whole range, unless a newer one
  // overlaps part of it (its bytes win there, so a fresh copy is needed).
  for (auto it = regions_.rbegin(); it != regions_.rend(); ++it) {
    auto& [off, bytes] = *it;
    if (offset >= off && offset + size <= off + bytes.size()) return bytes.data() + (offset - off);
    if (offset < off + bytes.size() && off < offset + size) break;
  }
  std::vector<std::uint8_t> copy(data_.begin() + static_cast<std::ptrdiff_t>(offset),
                                 data_.begin() + static_cast<std::ptrdiff_t>(offset + size));
  apply_overlay(*this, offset, copy);  // earlier edits stay visible
  regions_.emplace_back(offset, std::move(copy));
  return regions_.back().second.data();
}

namespace {

// Changed byte runs of `view` (the final bytes at `base`) against `orig`;
// runs closer than 16 bytes are merged. Nothing at or past `limit`.
void diff_runs(const std::uint8_t* orig, const std::vector<std::uint8_t>& view, std::uint64_t base,
               std::uint64_t limit, std::vector<Patch>& out) {
  std::size_t i = 0;
  while (i < view.size()) {
    if (view[i] == orig[i]) {
      ++i;
      continue;
    }
    std::size_t j = i, same = 0;
    for (std::size_t k = i; k < view.size(); ++k) {
      if (view[k] == orig[k]) {
        if (++same >= 16) break;
      } else {
        same = 0;
        j = k;
      }
    }
    if (base + i < limit) {
      std::uint64_t end = std::min<std::uint64_t>(base + j + 1, limit);
      out.push_back(Patch{base + i, std::vector<std::uint8_t>(view.begin() + static_cast<std::ptrdiff_t>(i),
                                                              view.begin() + static_cast<std::ptrdiff_t>(end - base))});
    }
    i = j + 1;
  }
}

}  // namespace

std::vector<Patch> Overlay::patches(std::uint64_t limit) const {
  // Merge overlapping regions into spans, build each span's final bytes
  // (regions in creation order, so the newest wins), then diff: the
  // patches never overlap.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> spans;
  for (const auto& [off, bytes] : regions_)
    if (!bytes.empty()) spans.emplace_back(off, off + bytes.size());
  std::sort(spans.begin(), spans.end());
  std::vector<std::pair<std::uint64_t, std::uint64_t>> merged;
  for (const auto& s : spans) {
    if (!merged.empty() && s.first <= merged.back().second) merged.back().second = std::max(merged.back().second, s.second);
    else merged.push_back(s);
  }
  std::vector<std::vector<std::uint8_t>> views;
  for (const auto& [lo, hi] : merged)
    views.emplace_back(data_.begin() + static_cast<std::ptrdiff_t>(lo), data_.begin() + static_cast<std::ptrdiff_t>(hi));
  for (const auto& [off, bytes] : regions_) {
    if (bytes.empty()) continue;
    auto span = std::upper_bound(merged.begin(), merged.end(), std::make_pair(off, UINT64_MAX)) - 1;
    auto& view = views[static_cast<std::size_t>(span - merged.begin())];
    std::copy(bytes.begin(), bytes.end(), view.begin() + static_cast<std::ptrdiff_t>(off - span->first));
  }
  std::vector<Patch> out;
  for (std::size_t k = 0; k < merged.size(); ++k)
    diff_runs(data_.data() + merged[k].first, views[k], merged[k].first, limit, out);
  return out;
}

void apply_overlay(const Overlay& ov, std::uint64_t offset, std::vector<std::uint8_t>& out) {
  for (const auto& [off, bytes] : ov.regions()) {
    std::uint64_t lo = std::max(off, offset), hi = std::min(off + bytes.size(), offset + out.size());
    for (std::uint64_t i = lo; i < hi; ++i) out[i - offset] = bytes[i - off];
  }
}

}  // namespace wheelfix::elf::rw
