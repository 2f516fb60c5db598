#include "cli/progress.hpp"

#include <unistd.h>

#include "wheelfix/util/strings.hpp"

namespace wheelfix::cli {

std::string format_progress(const std::string& label, const std::string& stage, std::size_t done,
                            std::size_t total, std::uint64_t bytes) {
  char mb[32];
  std::snprintf(mb, sizeof mb, "%.1f", static_cast<double>(bytes) / 1e6);
  return util::printable(label) + ": " + stage + " " + std::to_string(done) + "/" + std::to_string(total) + ", " + mb + " MB";
}

bool progress_wanted(bool quiet) { return !quiet && ::isatty(2); }

bool ProgressLine::due(const std::string& stage, std::size_t done, std::size_t total, Clock::time_point now) {
  bool draw = !drawn_once_ || stage != stage_ || done >= total || now - last_ >= std::chrono::milliseconds(100);
  if (!draw) return false;
  drawn_once_ = true;
  stage_ = stage;
  last_ = now;
  return true;
}

void ProgressLine::update(const char* stage, std::size_t done, std::size_t total, std::uint64_t bytes) {
  if (!enabled_ || !due(stage, done, total, Clock::now())) return;
  std::fprintf(out_, "\r\033[K%s", format_progress(label_, stage, done, total, bytes).c_str());
  std::fflush(out_);
  shown_ = true;
}

void ProgressLine::clear() {
  if (!shown_) return;
  std::fprintf(out_, "\r\033[K");
  std::fflush(out_);
  shown_ = false;
}

}  // namespace wheelfix::cli
