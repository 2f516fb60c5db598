// run_jobs: every job once, on at most the budget's threads, with shares
// that add up to the budget.
#include <catch.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "wheelfix/util/job_pool.hpp"

using wheelfix::util::job_threads;
using wheelfix::util::run_jobs;

TEST_CASE("thread shares: equal while all workers are busy, more for the last jobs", "[job_pool]") {
  CHECK(job_threads(2, 2, 11) == 1);
  CHECK(job_threads(2, 2, 2) == 1);
  CHECK(job_threads(2, 2, 1) == 2);   // the last job: the whole budget
  CHECK(job_threads(8, 4, 10) == 2);
  CHECK(job_threads(8, 4, 3) == 2);
  CHECK(job_threads(8, 4, 1) == 8);
  CHECK(job_threads(3, 2, 5) == 1);   // never 0
  CHECK(job_threads(0, 0, 0) == 1);
}

TEST_CASE("every job runs once, no more at a time than the budget", "[job_pool]") {
  for (unsigned budget : {1u, 2u, 3u, 8u}) {
    std::vector<std::size_t> order{4, 2, 0, 1, 3, 6, 5};
    std::vector<std::atomic<int>> runs(order.size());
    std::atomic<int> running{0}, peak{0};
    std::mutex m;
    std::vector<std::size_t> seen;
    run_jobs(order, budget, [&](std::size_t item, unsigned threads) {
      int now = ++running;
      int p = peak.load();
      while (now > p && !peak.compare_exchange_weak(p, now)) {
      }
      CHECK(threads >= 1);
      CHECK(threads <= budget);
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      ++runs[item];
      {
        std::lock_guard lock(m);
        seen.push_back(item);
      }
      --running;
    });
    for (auto& r : runs) CHECK(r.load() == 1);
    CHECK(peak.load() <= static_cast<int>(budget));
    if (budget == 1) CHECK(seen == order);  // one thread: in the given order
  }
}

TEST_CASE("with a budget of one, jobs run on the calling thread", "[job_pool]") {
  auto self = std::this_thread::get_id();
  int count = 0;
  run_jobs({0, 1, 2}, 1, [&](std::size_t, unsigned threads) {
    CHECK(std::this_thread::get_id() == self);
    CHECK(threads == 1);
    ++count;
  });
  CHECK(count == 3);
  run_jobs({}, 4, [&](std::size_t, unsigned) { ++count; });
  CHECK(count == 3);
}
