// The one-line progress display of long commands on a terminal: redrawn in
// place on stderr, at most every 100 ms, cleared before other output.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>

namespace wheelfix::cli {

// "<label>: <stage> <done>/<total>, <MB> MB" (bytes in decimal megabytes,
// one decimal).
std::string format_progress(const std::string& label, const std::string& stage, std::size_t done,
                            std::size_t total, std::uint64_t bytes);

// True when stderr is a terminal and `quiet` is off: the only case in which
// progress is drawn (logs and pipes stay clean; --json does not matter, its
// document goes to stdout).
bool progress_wanted(bool quiet);

class ProgressLine {
 public:
  using Clock = std::chrono::steady_clock;
  // Draws on `out` when `enabled`; otherwise every call does nothing.
  ProgressLine(bool enabled, std::FILE* out = stderr) : enabled_(enabled), out_(out) {}
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;
  ~ProgressLine() { clear(); }

  // The prefix of the next lines (the wheel's file name).
  void set_label(std::string label) {
    label_ = std::move(label);
    drawn_once_ = false;
  }
  // Redraws the line when due (see due()).
  void update(const char* stage, std::size_t done, std::size_t total, std::uint64_t bytes);
  // Erases the line if one is shown.
  void clear();

  // Whether an update at `now` is drawn: the first one, a new stage, the
  // last item of a stage, or 100 ms after the last drawn one. Records it
  // as drawn when true.
  bool due(const std::string& stage, std::size_t done, std::size_t total, Clock::time_point now);

 private:
  bool enabled_;
  std::FILE* out_;
  std::string label_;
  std::string stage_;
  bool shown_ = false;
  bool drawn_once_ = false;
  Clock::time_point last_{};
};

}  // namespace wheelfix::cli
