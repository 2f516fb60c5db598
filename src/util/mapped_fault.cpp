// The SIGBUS report of mapped files: a registry of the live mappings and
// a signal handler that names the file whose page could not be read.
//
// This is the one piece of process-wide state in wheelfix, kept minimal:
// a fixed table written by MappedFile (lock-free slots) and read by the
// handler, which only calls async-signal-safe functions (write, _exit).
#include "wheelfix/util/mapped_file.hpp"

#include <signal.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>

#include "wheelfix/util/strings.hpp"

namespace wheelfix::util::detail {

namespace {

struct Slot {
  std::atomic<std::uintptr_t> begin{0};  // 0: free, 1: being filled, else the mapping's address
  std::size_t size = 0;
  std::array<char, 480> message{};  // "wheelfix: error: <path>: ...\n", NUL-terminated
};

constexpr std::uintptr_t kClaimed = 1;
std::array<Slot, 128> g_slots;  // more live mappings than this go unnamed

void write_all(const char* text, std::size_t n) {
  while (n > 0) {
    ssize_t w = ::write(2, text, n);
    if (w <= 0) return;
    text += w;
    n -= static_cast<std::size_t>(w);
  }
}

void on_sigbus(int, siginfo_t* info, void*) {
  auto addr = reinterpret_cast<std::uintptr_t>(info->si_addr);
  for (auto& slot : g_slots) {
    if (info->si_code <= 0) break;  // sent by kill(), not a fault: si_addr means nothing
    std::uintptr_t b = slot.begin.load(std::memory_order_acquire);
    if (b > kClaimed && addr >= b && addr - b < slot.size) {
      write_all(slot.message.data(), std::strlen(slot.message.data()));
      ::_exit(1);
    }
  }
  // Anything else: the default action (a crash with a core dump), by the
  // signal raised again; it is delivered when this handler returns.
  ::signal(SIGBUS, SIG_DFL);
  ::raise(SIGBUS);
}

}  // namespace

int register_mapping(const void* data, std::size_t size, const std::string& path) {
  for (std::size_t i = 0; i < g_slots.size(); ++i) {
    std::uintptr_t expected = 0;
    if (!g_slots[i].begin.compare_exchange_strong(expected, kClaimed, std::memory_order_acquire)) continue;
    std::string text = "wheelfix: error: " + printable(path) +
                       ": the file shrank while it was being read (changed by another process?)\n";
    if (text.size() >= g_slots[i].message.size())
      text = "wheelfix: error: a file shrank while it was being read (changed by another process?)\n";
    std::memcpy(g_slots[i].message.data(), text.c_str(), text.size() + 1);
    g_slots[i].size = size;
    g_slots[i].begin.store(reinterpret_cast<std::uintptr_t>(data), std::memory_order_release);
    return static_cast<int>(i);
  }
  return -1;
}

void unregister_mapping(int slot) {
  if (slot >= 0) g_slots[static_cast<std::size_t>(slot)].begin.store(0, std::memory_order_release);
}

}  // namespace wheelfix::util::detail

namespace wheelfix::util {

void report_mapped_file_faults() {
  struct sigaction sa {};
  sa.sa_sigaction = detail::on_sigbus;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGBUS, &sa, nullptr);
}

}  // namespace wheelfix::util
