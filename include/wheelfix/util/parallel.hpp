// A minimal parallel loop for independent work items.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <functional>
#include <thread>
#include <vector>

namespace wheelfix::util {

// Number of threads to use for `requested` (0 = all cores).
inline unsigned thread_count(unsigned requested) {
  if (requested) return requested;
  unsigned n = std::thread::hardware_concurrency();
  return n ? n : 1;
}

// Calls fn(i) for every i in [0, n) on up to `threads` threads (0 = all
// cores). Items are taken in order; fn must be safe to run concurrently for
// different i and must not throw.
inline void parallel_for(std::size_t n, unsigned threads, const std::function<void(std::size_t)>& fn) {
  unsigned t = std::min<std::size_t>(thread_count(threads), std::max<std::size_t>(n, 1));
  if (t <= 1) {
    for (std::size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> pool;
  for (unsigned k = 0; k < t; ++k)
    pool.emplace_back([&] {
      for (std::size_t i = next++; i < n; i = next++) fn(i);
    });
  for (auto& th : pool) th.join();
}

}  // namespace wheelfix::util
