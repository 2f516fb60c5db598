#include "wheelfix/util/job_pool.hpp"

#include <algorithm>
#include <mutex>
#include <thread>

namespace wheelfix::util {

unsigned job_threads(unsigned budget, unsigned workers, std::size_t unstarted) {
  budget = std::max(budget, 1u);
  std::size_t sharing = std::max<std::size_t>(1, std::min<std::size_t>(std::max(workers, 1u), unstarted));
  return std::max(1u, static_cast<unsigned>(budget / sharing));
}

void run_jobs(const std::vector<std::size_t>& order, unsigned budget,
              const std::function<void(std::size_t item, unsigned threads)>& job) {
  budget = std::max(budget, 1u);
  auto workers = static_cast<unsigned>(std::min<std::size_t>(budget, order.size()));
  if (workers <= 1) {
    for (std::size_t k = 0; k < order.size(); ++k) job(order[k], job_threads(budget, 1, order.size() - k));
    return;
  }
  std::mutex mutex;
  std::size_t next = 0;
  auto take = [&](std::size_t* item, unsigned* threads) {
    std::lock_guard lock(mutex);
    if (next == order.size()) return false;
    *threads = job_threads(budget, workers, order.size() - next);
    *item = order[next++];
    return true;
  };
  std::vector<std::thread> pool;
  for (unsigned w = 0; w < workers; ++w)
    pool.emplace_back([&] {
      std::size_t item = 0;
      unsigned threads = 0;
      while (take(&item, &threads)) job(item, threads);
    });
  for (auto& t : pool) t.join();
}

}  // namespace wheelfix::util
