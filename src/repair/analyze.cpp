// Wheel analysis: ELF discovery inside the archive, loader emulation with
// the wheel overlaid on the filesystem, graph construction, evaluation.
#include "wheelfix/repair/analyze.hpp"

#include "repair/libc_evidence.hpp"

#include "wheelfix/elf/musl_version.hpp"
#include "repair/in_wheel.hpp"

#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <semaphore>

#include "wheelfix/util/mapped_file.hpp"
#include "wheelfix/util/parallel.hpp"
#include "wheelfix/util/strings.hpp"
#include "wheelfix/util/temp_file.hpp"

namespace wheelfix::repair {

namespace {

// Serves wheel members under kWheelRoot and everything else from disk.
class WheelOverlaySource : public elf::ObjectSource {
 public:
  WheelOverlaySource(std::map<std::string, std::shared_ptr<const elf::ElfInfo>> members, std::string root)
      : members_(std::move(members)), disk_(std::move(root)) {}

  std::shared_ptr<const elf::ElfInfo> load(const std::string& path) override {
    if (path.starts_with(kWheelRoot)) {
      auto it = members_.find(path.substr(std::string_view(kWheelRoot).size()));
      return it == members_.end() ? nullptr : it->second;
    }
    return disk_.load(path);
  }

 private:
  std::map<std::string, std::shared_ptr<const elf::ElfInfo>> members_;
  elf::DiskObjectSource disk_;
};

// True for the dynamic symbols PEP 513 names for fpectl builds.
bool is_fpectl_symbol(const elf::DynSymbol& s) {
  bool kind = s.type == elf::SymbolType::func || s.type == elf::SymbolType::notype || s.type == elf::SymbolType::object;
  return !s.defined && kind && (s.name == "PyFPE_jbuf" || s.name == "PyFPE_dummy" || s.name == "PyFPE_counter");
}

// A Python 2 extension module defines the function init<module>, <module>
// being the file name up to its first dot.
bool is_python2_extension(const std::string& path, const elf::ElfInfo& info) {
  std::string base = std::filesystem::path(path).filename().string();
  std::string init = "init" + base.substr(0, base.find('.'));
  return std::any_of(info.symbols.begin(), info.symbols.end(), [&](const elf::DynSymbol& s) {
    return s.defined && s.type == elf::SymbolType::func && s.name == init;
  });
}

// The facts PEP 513 holds against a CPython build: fpectl and UCS2 symbols.
void python_build_facts(const std::string& path, const elf::ElfInfo& info, policy::ObjectFacts& f) {
  bool py2 = is_python2_extension(path, info);
  for (const auto& s : info.symbols) {
    if (is_fpectl_symbol(s)) f.fpectl_symbols.push_back(s.name);
    // An extension is not linked against libpython, so its undefined
    // references have no type (STT_NOTYPE); linked against one, STT_FUNC.
    bool call = s.type == elf::SymbolType::func || s.type == elf::SymbolType::notype;
    if (py2 && !s.defined && call && s.name.starts_with("PyUnicodeUCS2_")) f.ucs2_symbols.push_back(s.name);
  }
}

policy::ObjectFacts facts_of(const std::string& path, bool in_wheel, const elf::ElfInfo& info) {
  policy::ObjectFacts f;
  f.path = path;
  f.in_wheel = in_wheel;
  f.soname = info.soname;
  f.arch = info.arch;
  f.libc = libc_of(info);
  f.isa_level = info.x86_isa_level();
  if (info.arch == elf::Arch::unknown) f.machine = elf::describe_identity(info.id);
  if (in_wheel) python_build_facts(path, info, f);
  for (const auto& need : info.version_needs)
    for (const auto& v : need.versions) f.version_refs.push_back({need.file, v.name, v.weak()});
  for (const auto& s : info.symbols)
    if (!s.defined && s.binding != elf::SymbolBinding::weak && !s.name.empty()) f.undefined_strong.push_back(s.name);
  return f;
}

std::string display_path(const std::string& path) {
  std::string_view root(kWheelRoot);
  return path.starts_with(root) ? path.substr(root.size()) : path;
}

std::string host_path_of(const std::string& root, const std::string& path) {
  std::error_code ec;
  auto canonical = std::filesystem::canonical(root + path, ec);
  return ec ? root + path : canonical.string();
}

// The version of the musl the wheel's musl objects run on, so that the
// musllinux policy matches the musl it was built against: the musl libc
// they resolved to, else the musl loader /lib/ld-musl-<arch>.so.1 under
// `root` (musl's loader provides libc.so itself). nullopt (the newest
// policy) when neither exists or its version cannot be read.
std::optional<std::pair<int, int>> musl_version_in(const Analysis& a, const std::string& root) {
  std::optional<elf::Arch> musl_arch;
  for (std::size_t i = 0; i < a.graph.objects.size(); ++i) {
    const auto& o = a.graph.objects[i];
    if (o.libc != policy::Libc::musl) continue;
    if (o.in_wheel) {
      musl_arch = musl_arch.value_or(o.arch);
      continue;
    }
    std::string base = std::filesystem::path(o.path).filename().string();
    std::string name = o.soname.value_or(base);
    bool libc = name.starts_with("libc.musl-") || name.starts_with("ld-musl-") || name == "libc.so" || base == "libc.so";
    if (!libc || i >= a.host_paths.size() || a.host_paths[i].empty()) continue;
    auto v = elf::read_musl_version(a.host_paths[i]);
    if (v.ok() && v->has_value()) return **v;
  }
  if (!musl_arch) return std::nullopt;
  auto v = elf::read_musl_version(root + "/lib/ld-musl-" + elf::musl_arch(*musl_arch) + ".so.1");
  return v.ok() ? *v : std::nullopt;
}

// Bytes of inflated members held in memory at once, over all threads.
// Larger members are inflated into an unnamed temporary file and parsed
// through a mapping of it: the parser touches only the headers and dynamic
// tables, so a 500 MB library costs a few MB of memory, not 500.
constexpr std::uint64_t kInMemoryBudget = 64ull << 20;
constexpr std::uint64_t kInMemoryMin = 8ull << 20;
// Members inflated into temporary files at once (each is a whole member on
// disk, or in memory where the temporary folder is a tmpfs).
constexpr std::ptrdiff_t kTempFileSlots = 2;

// An ELF member after its one inflate: parsed, and the digest of its content.
struct InflatedElf {
  elf::ElfInfo info;
  MemberDigest digest;
};

MemberDigest digest_of(const wheel::ZipEntry& entry, util::Sha256& sha) {
  return {.sha256 = sha.finish(),
          .size = entry.uncompressed_size,
          .crc32 = entry.crc32,
          .compressed_size = entry.compressed_size};
}

// Inflates an ELF member once (size and CRC-32 checked by the reader),
// hashing it on the way, and parses it. Members over `in_memory_limit` go
// through a temporary file. Errors name the archive and the member.
util::Result<InflatedElf> inflate_member(const wheel::ZipReader& zip, const wheel::ZipEntry& entry,
                                         std::uint64_t in_memory_limit, std::counting_semaphore<>& temp_slots) {
  util::Sha256 sha;
  auto parsed = [&](util::Bytes data) -> util::Result<InflatedElf> {
    auto info = elf::parse(data, entry.name);
    if (!info) return util::make_error(zip.path(), ": ", info.error().message);
    return InflatedElf{std::move(info).value(), digest_of(entry, sha)};
  };
  std::error_code ec;
  std::string tmp = std::filesystem::temp_directory_path(ec).string();
  if (entry.uncompressed_size > in_memory_limit && !ec) {
    temp_slots.acquire();
    struct Release {
      std::counting_semaphore<>& s;
      ~Release() { s.release(); }
    } release{temp_slots};
    if (auto file = util::TempFile::create(tmp, {})) {
      util::Status written;
      WF_CHECK(zip.stream(entry, [&](util::Bytes piece) {
        sha.update(piece);
        if (written) written = file->append(piece);
      }));
      if (!written)
        return util::make_error(zip.path(), ": ", util::printable(entry.name), ": inflating its ", std::to_string(entry.uncompressed_size >> 20),
                                " MiB into a temporary file in ", tmp, ": ", written.error().message,
                                " (set TMPDIR to a folder with more room)");
      auto mapped = util::MappedFile::open(file->path());
      if (!mapped) return util::make_error(zip.path(), ": ", util::printable(entry.name), ": ", mapped.error().message);
      return parsed(mapped->bytes());
    }
  }
  WF_TRY(auto data, zip.read(entry));  // small member, or no usable temporary folder
  util::Bytes bytes(data.data(), data.size());
  sha.update(bytes);
  return parsed(bytes);
}

// Counts members examined for AnalyzeOptions::progress (a no-op without a
// callback); reports one member at a time.
class ScanProgress {
 public:
  ScanProgress(const AnalyzeOptions& o, std::size_t total) : fn_(o.progress), total_(total) {}
  void member_done(std::uint64_t inflated_bytes) {
    if (!fn_) return;
    std::lock_guard lock(mutex_);
    bytes_ += inflated_bytes;
    fn_(++done_, total_, bytes_);
  }

 private:
  const std::function<void(std::size_t, std::size_t, std::uint64_t)>& fn_;
  std::size_t total_;
  std::mutex mutex_;
  std::size_t done_ = 0;
  std::uint64_t bytes_ = 0;
};

// Finds, inflates, hashes and parses the ELF members on `threads` threads,
// largest first so that the biggest member does not finish alone. Results
// come back in archive order; on failure the error of the first failing
// member in archive order, whatever the thread count.
util::Result<std::vector<WheelElf>> read_elf_members(const wheel::ZipReader& zip, const AnalyzeOptions& options) {
  unsigned threads = options.threads;
  const auto& entries = zip.entries();
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < entries.size(); ++i)
    if (!entries[i].is_directory()) order.push_back(i);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return entries[a].uncompressed_size > entries[b].uncompressed_size;
  });
  // At most budget / min threads, so in-memory members stay within budget.
  unsigned t = std::min<unsigned>(util::thread_count(threads), kInMemoryBudget / kInMemoryMin);
  std::uint64_t limit = std::max(kInMemoryMin, kInMemoryBudget / t);
  std::counting_semaphore<> temp_slots(kTempFileSlots);
  std::vector<std::optional<util::Result<InflatedElf>>> found(entries.size());
  std::atomic<std::size_t> first_bad{entries.size()};
  ScanProgress progress(options, order.size());
  util::parallel_for(order.size(), t, [&](std::size_t k) {
    std::size_t i = order[k];
    if (i > first_bad.load() || !member_is_elf(zip, entries[i])) {
      progress.member_done(0);
      return;
    }
    found[i] = inflate_member(zip, entries[i], limit, temp_slots);
    progress.member_done(entries[i].uncompressed_size);
    if (found[i]->ok()) return;
    for (std::size_t bad = first_bad.load(); i < bad && !first_bad.compare_exchange_weak(bad, i);) {
    }
  });
  std::vector<WheelElf> elves;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (!found[i]) continue;
    if (!found[i]->ok()) return found[i]->error();
    auto& r = found[i]->value();
    elves.push_back({entries[i].name, std::make_shared<const elf::ElfInfo>(std::move(r.info)), r.digest});
  }
  return elves;
}

}  // namespace

bool member_is_elf(const wheel::ZipReader& zip, const wheel::ZipEntry& entry) {
  if (entry.is_directory() || entry.uncompressed_size < 4) return false;
  util::Bytes raw = zip.raw(entry);
  std::uint8_t head[4] = {};
  if (entry.method == wheel::ZipMethod::stored) {
    if (raw.size() < 4) return false;
    std::copy_n(raw.data(), 4, head);
  } else {
    z_stream zs{};
    if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) return false;
    zs.next_in = const_cast<Bytef*>(raw.data());
    zs.avail_in = static_cast<uInt>(std::min<std::size_t>(raw.size(), 1u << 16));
    zs.next_out = head;
    zs.avail_out = 4;
    while (zs.avail_out > 0) {
      int rc = inflate(&zs, Z_NO_FLUSH);
      if (rc != Z_OK) break;
    }
    bool full = zs.avail_out == 0;
    inflateEnd(&zs);
    if (!full) return false;
  }
  return head[0] == 0x7f && head[1] == 'E' && head[2] == 'L' && head[3] == 'F';
}

util::Result<Analysis> analyze_wheel(const wheel::ZipReader& zip, const policy::PolicySet& policies,
                                     const AnalyzeOptions& options) {
  Analysis a;
  a.wheel_path = zip.path();
  WF_TRY(a.elves, read_elf_members(zip, options));
  std::map<std::string, std::shared_ptr<const elf::ElfInfo>> members;
  for (const auto& e : a.elves) members[e.member] = e.info;

  WheelOverlaySource source(members, options.loader.root);
  std::map<std::string, int> index;  // loader path -> graph object
  std::vector<std::shared_ptr<const elf::ElfInfo>> infos;  // per graph object
  for (const auto& e : a.elves) {
    index[kWheelRoot + e.member] = static_cast<int>(a.graph.objects.size());
    a.graph.objects.push_back(facts_of(e.member, true, *e.info));
    infos.push_back(e.info);
    a.host_paths.emplace_back();
    a.resolutions.emplace_back();
  }
  for (const auto& e : a.elves) {
    auto tree = elf::resolve_dependencies(kWheelRoot + e.member, e.info, options.loader, source);
    // Make sure every object of this tree has a graph node.
    std::vector<int> node(tree.objects.size());
    for (std::size_t i = 0; i < tree.objects.size(); ++i) {
      const auto& o = tree.objects[i];
      auto [it, added] = index.emplace(o.path, static_cast<int>(a.graph.objects.size()));
      if (added) {
        // External library: re-read with symbols for the blacklist check.
        std::string host = host_path_of(options.loader.root, o.path);
        auto full = elf::parse_file(host);
        const elf::ElfInfo& info = full.ok() ? full.value() : *o.info;
        a.graph.objects.push_back(facts_of(o.path, false, info));
        infos.push_back(o.info);
        a.host_paths.push_back(host);
        a.resolutions.emplace_back();
      }
      node[i] = it->second;
    }
    for (std::size_t i = 0; i < tree.objects.size(); ++i) {
      auto& facts = a.graph.objects[node[i]];
      if (!facts.deps.empty() || tree.objects[i].deps.empty()) continue;  // already filled
      for (auto res : tree.objects[i].deps) {
        int target = res.object >= 0 ? node[res.object] : -1;
        facts.deps.push_back({res.name, target});
        if (res.path) res.path = display_path(*res.path);
        if (auto pos = res.via.find(kWheelRoot); pos != std::string::npos)
          res.via.erase(pos, std::string_view(kWheelRoot).size());
        a.resolutions[node[i]].push_back(std::move(res));
      }
    }
  }
  libc_from_file_names(a);
  link_in_wheel_libraries(a, infos, options.eval.exclude);
  inherit_libc(a.graph);
  a.eval_options = options.eval;
  assume_libc(a, options.loader.root);
  if (!a.eval_options.musl_version) a.eval_options.musl_version = musl_version_in(a, options.loader.root);
  a.eval = policy::evaluate(a.graph, policies, a.eval_options);
  return a;
}

}  // namespace wheelfix::repair
