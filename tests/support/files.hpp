// Test support: reading and writing whole files, the one set of helpers
// every unit test uses. Each throws std::runtime_error naming the path when
// the file cannot be opened, read or written (tests only), so a test never
// compares against the empty content of a file that is not there.
#pragma once

#include <cstdint>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

namespace wf_test {

// The whole file as bytes in a string.
inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::string data{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) throw std::runtime_error("cannot read " + path);
  return data;
}

// The whole file as bytes.
inline std::vector<std::uint8_t> read_bytes(const std::string& path) {
  std::string data = read_file(path);
  return std::vector<std::uint8_t>(data.begin(), data.end());
}

// Writes (replaces) the file.
inline void write_file(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}
inline void write_file(const std::string& path, const std::vector<std::uint8_t>& data) {
  write_file(path, std::string(data.begin(), data.end()));
}

}  // namespace wf_test
