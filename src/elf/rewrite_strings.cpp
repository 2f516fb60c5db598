// Placement of new .dynstr strings: in place when safe, else in a pool that
// is appended to a moved copy of .dynstr.
#include <algorithm>

#include "elf/rewrite_internal.hpp"

namespace wheelfix::elf::rw {

namespace {

bool overlaps(std::uint64_t a0, std::uint64_t a1, std::uint64_t b0, std::uint64_t b1) {
  return a0 <= b1 && b0 <= a1;  // closed ranges
}

}  // namespace

StringPlacer::StringPlacer(util::Bytes dynstr,
                           std::vector<std::pair<std::uint64_t, std::uint64_t>> fixed)
    : old_(dynstr), fixed_(std::move(fixed)) {}

std::size_t StringPlacer::place(const StrChange& change) {
  // The same old string renamed to the same value (e.g. DT_NEEDED and the
  // matching vn_file) shares one placement.
  if (change.old_off) {
    for (std::size_t i = 0; i < placed_.size(); ++i)
      if (placed_[i].first == *change.old_off && placed_[i].second == change.value) {
        handles_.push_back(Handle{false, *change.old_off});
        return handles_.size() - 1;
      }
  }
  if (change.old_off) {
    auto old = util::c_string_at(old_, *change.old_off);
    std::uint64_t o = *change.old_off;
    if (old && change.value.size() <= old->size() &&
        change.value.find('\0') == std::string::npos) {
      std::uint64_t end = o + old->size();  // the NUL
      bool safe = std::none_of(fixed_.begin(), fixed_.end(), [&](const auto& r) {
        return overlaps(o, end, r.first, r.second);
      });
      safe = safe && std::none_of(occupied_.begin(), occupied_.end(), [&](const auto& r) {
        return overlaps(o, end, r.first, r.second);
      });
      if (safe) {
        std::vector<std::uint8_t> bytes(old->size() + 1, 0);
        std::copy(change.value.begin(), change.value.end(), bytes.begin());
        writes_.emplace_back(o, std::move(bytes));
        occupied_.emplace_back(o, end);
        placed_.emplace_back(o, change.value);
        handles_.push_back(Handle{false, o});
        return handles_.size() - 1;
      }
    }
  }
  // The old string, when nothing else uses its bytes, is overwritten with
  // 'X' (as patchelf does) so no stale path survives in the new .dynstr.
  if (change.old_off) taint(*change.old_off);
  // Pool, deduplicated (whole strings only).
  std::size_t at = 0;
  while (at < pool_.size()) {
    std::size_t nul = pool_.find('\0', at);
    if (pool_.compare(at, nul - at, change.value) == 0) break;
    at = nul + 1;
  }
  if (at >= pool_.size()) {
    at = pool_.size();
    pool_ += change.value;
    pool_.push_back('\0');
  }
  handles_.push_back(Handle{true, at});
  return handles_.size() - 1;
}

void StringPlacer::taint(std::uint64_t o) {
  auto old = util::c_string_at(old_, o);
  if (!old || old->empty()) return;
  for (const auto& r : tainted_)
    if (r.first == o) return;
  std::uint64_t end = o + old->size();
  auto hit = [&](const auto& r) { return overlaps(o, end, r.first, r.second); };
  if (std::any_of(fixed_.begin(), fixed_.end(), hit) || std::any_of(occupied_.begin(), occupied_.end(), hit)) return;
  std::vector<std::uint8_t> bytes(old->size(), 'X');
  bytes.push_back(0);
  writes_.emplace_back(o, std::move(bytes));
  tainted_.emplace_back(o, end);
}

std::uint64_t StringPlacer::prefix_len(bool compact) const {
  if (!compact) return old_.size();
  // Keep everything up to the last byte still referenced.
  std::uint64_t end = 1;
  for (const auto& r : fixed_) end = std::max(end, r.second + 1);
  for (const auto& r : occupied_) end = std::max(end, r.second + 1);
  return std::min<std::uint64_t>(end, old_.size());
}

// Tainted strings that a compact build cuts off keep their 'X' run right
// after the kept part (as if they had stayed), so an edit of an edited file
// still leaves one "XXX..." per replaced string, and earlier runs go.
std::uint64_t StringPlacer::carried_len(bool compact) const {
  std::uint64_t n = 0, head = prefix_len(compact);
  for (const auto& r : tainted_)
    if (r.first >= head) n += r.second - r.first + 1;
  return n;
}

std::vector<std::uint8_t> StringPlacer::build(bool compact) const {
  std::uint64_t n = prefix_len(compact);
  std::uint64_t head = std::max<std::uint64_t>(n, 1);  // offset 0 is always ""
  std::uint64_t carried = carried_len(compact);
  std::vector<std::uint8_t> out(head + carried + pool_.size(), 0);
  std::copy_n(old_.begin(), n, out.begin());
  for (const auto& [off, bytes] : writes_)
    for (std::size_t i = 0; i < bytes.size() && off + i < head; ++i) out[off + i] = bytes[i];
  std::uint64_t at = head;
  for (const auto& r : tainted_)
    if (r.first >= head) {
      std::fill_n(out.begin() + static_cast<std::ptrdiff_t>(at), r.second - r.first, 'X');
      at += r.second - r.first + 1;
    }
  std::copy(pool_.begin(), pool_.end(), out.begin() + static_cast<std::ptrdiff_t>(head + carried));
  return out;
}

std::uint64_t StringPlacer::resolve(std::size_t handle, bool compact) const {
  const Handle& h = handles_.at(handle);
  if (!h.pooled) return h.off;
  return std::max<std::uint64_t>(prefix_len(compact), 1) + carried_len(compact) + h.off;
}

}  // namespace wheelfix::elf::rw
