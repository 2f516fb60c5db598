// Test support: a temporary folder, the one every unit test uses.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <stdexcept>
#include <string>

namespace wf_test {

// A fresh folder under $TMPDIR (or /tmp) named "<prefix>XXXXXX", removed with
// everything in it at scope end. Throws std::runtime_error when it cannot be
// made (tests only).
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "wheelfix-test-") {
    std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "XXXXXX")).string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed for " + tmpl);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  // path() + "/" + name.
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace wf_test
