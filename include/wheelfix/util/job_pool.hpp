// Runs independent jobs (one per wheel of a `repair` call) side by side on
// a fixed thread budget, each job told how many threads it may use itself.
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

namespace wheelfix::util {

// The threads a job started with `unstarted` jobs left (itself included)
// may use, out of `budget` shared by `workers` jobs at a time:
// budget / min(workers, unstarted), at least 1. So while every worker is
// busy each job gets an equal share, and the last jobs, which run with
// fewer beside them, get more (the budget is never exceeded by more than
// the shares of jobs still finishing).
unsigned job_threads(unsigned budget, unsigned workers, std::size_t unstarted);

// Calls job(order[k], threads) for every k, taking them in `order` on
// min(budget, order.size()) threads, `threads` from job_threads(). With a
// budget of 1 (or one job) everything runs on the calling thread, in order.
// `job` must be safe to run concurrently for different items and must not
// throw. Returns when all jobs have returned.
void run_jobs(const std::vector<std::size_t>& order, unsigned budget,
              const std::function<void(std::size_t item, unsigned threads)>& job);

}  // namespace wheelfix::util
