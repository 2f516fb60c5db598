// Malformed input: truncated files, absurd counts, overlapping tables,
// strings outside .dynstr, random corruption. The rewriter must answer with
// an error naming the file (or a valid result), never crash, and never leave
// a half-written file.
#include <catch.hpp>
#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <random>

#include "test_rewrite_support.hpp"

using namespace wheelfix;
using namespace rwtest;

namespace {

elf::EditPlan growing_plan() {
  elf::EditPlan p;
  p.soname = "libmalformed-" + std::string(50, 'm') + ".so";
  p.replace_needed = {{"libdep.so.1", "libdep-" + std::string(30, 'd') + ".so.1"}};
  p.rpath_op = elf::RpathOp::set;
  p.rpath = "$ORIGIN/" + std::string(80, 'r');
  p.interpreter = "/lib64/" + std::string(60, 'i');
  return p;
}

std::vector<std::uint8_t> sample(const std::string& name, std::string* path = nullptr) {
  auto f = build_fixtures(name);
  REQUIRE(!f.dir.empty());
  if (path) *path = f.libfix;
  return read_all(f.libfix);
}

// Dynamic-segment offset of a 64-bit little-endian sample.
// File offset of the (last) segment of `type` in a 64-bit little-endian
// file; 0 when there is none.
std::uint64_t segment_offset(const std::vector<std::uint8_t>& d, std::uint32_t type) {
  std::uint64_t phoff;
  std::memcpy(&phoff, d.data() + 0x20, 8);
  std::uint16_t phnum;
  std::memcpy(&phnum, d.data() + 0x38, 2);
  std::uint64_t found = 0;
  for (std::uint16_t i = 0; i < phnum; ++i) {
    const auto* p = reinterpret_cast<const Elf64_Phdr*>(d.data() + phoff + i * sizeof(Elf64_Phdr));
    if (p->p_type == type) found = p->p_offset;
  }
  return found;
}

std::uint64_t dynamic_offset(const std::vector<std::uint8_t>& d) { return segment_offset(d, PT_DYNAMIC); }

// The rewriter's error for `d` under `plan`, or "<ok>".
std::string rewrite_error(const std::vector<std::uint8_t>& d, const elf::EditPlan& plan) {
  auto r = elf::rewrite_bytes(util::Bytes(d.data(), d.size()), "bad.so", plan);
  return r.ok() ? std::string("<ok>") : r.error().message;
}

// A checked-in input from fuzz/regressions/elf_rewriter/.
std::vector<std::uint8_t> regression(const std::string& name) {
  return read_all(std::string(WHEELFIX_SOURCE_DIR) + "/fuzz/regressions/elf_rewriter/" + name);
}

std::string error_of(const std::vector<std::uint8_t>& d) {
  auto r = elf::rewrite_bytes(util::Bytes(d.data(), d.size()), "bad.so", growing_plan());
  return r.ok() ? std::string() : r.error().message;
}

}  // namespace

TEST_CASE("truncated files give errors and leave the file alone", "[rewrite][malformed]") {
  std::string path;
  auto data = sample("truncated", &path);
  for (std::size_t n : {std::size_t{0}, std::size_t{3}, std::size_t{20}, std::size_t{63}, std::size_t{64},
                        std::size_t{200}, std::size_t{700}, data.size() / 2, data.size() - 1}) {
    std::vector<std::uint8_t> cut(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(n));
    INFO(n);
    auto msg = error_of(cut);
    CHECK_FALSE(msg.empty());
    CHECK(msg.rfind("bad.so: ", 0) == 0);
  }
  // On disk: an error, the file unchanged, no temporary file left behind.
  std::vector<std::uint8_t> cut(data.begin(), data.begin() + 700);
  write_all(path, cut);
  auto r = elf::rewrite(path, growing_plan());
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find(path) == 0);
  CHECK(read_all(path) == cut);
  int files = 0;
  for (const auto& e : fs::directory_iterator(fs::path(path).parent_path())) files += e.is_regular_file();
  CHECK(files == 5);  // the fixtures, nothing else
}

TEST_CASE("absurd counts and overlapping tables", "[rewrite][malformed]") {
  auto data = sample("absurd");
  SECTION("phnum beyond the file") {
    auto d = data;
    d[0x38] = 0xff;
    d[0x39] = 0xff;
    CHECK(error_of(d).find("program header table") != std::string::npos);
  }
  SECTION("section header table beyond the file") {
    auto d = data;
    d[0x3c] = 0xff;
    d[0x3d] = 0x7f;
    CHECK(error_of(d).find("section header table") != std::string::npos);
  }
  SECTION("dynamic table without DT_NULL") {
    auto d = data;
    auto off = dynamic_offset(d);
    REQUIRE(off != 0);
    auto* dyn = reinterpret_cast<Elf64_Dyn*>(d.data() + off);
    for (int i = 0; i < 200 && off + (i + 1) * sizeof(Elf64_Dyn) <= d.size(); ++i) {
      if (dyn[i].d_tag == DT_NULL) dyn[i].d_tag = DT_DEBUG;
      if (reinterpret_cast<std::uint8_t*>(&dyn[i + 1]) >= d.data() + d.size() - 16) break;
    }
    CHECK_FALSE(error_of(d).empty());
  }
  SECTION("string offsets outside .dynstr") {
    auto d = data;
    auto* dyn = reinterpret_cast<Elf64_Dyn*>(d.data() + dynamic_offset(d));
    for (int i = 0; dyn[i].d_tag != DT_NULL; ++i)
      if (dyn[i].d_tag == DT_NEEDED) dyn[i].d_un.d_val = 0x7fffffff;
    CHECK(error_of(d).find("past the end of .dynstr") != std::string::npos);
  }
  SECTION("DT_STRSZ larger than the file") {
    auto d = data;
    auto* dyn = reinterpret_cast<Elf64_Dyn*>(d.data() + dynamic_offset(d));
    for (int i = 0; dyn[i].d_tag != DT_NULL; ++i)
      if (dyn[i].d_tag == DT_STRSZ) dyn[i].d_un.d_val = ~0ull;
    CHECK(error_of(d).find(".dynstr") != std::string::npos);
  }
  SECTION("program header table overlapping the dynamic table") {
    auto d = data;
    std::uint64_t off = dynamic_offset(d);
    std::memcpy(d.data() + 0x20, &off, 8);
    auto r = elf::rewrite_bytes(util::Bytes(d.data(), d.size()), "bad.so", growing_plan());
    CHECK((r.ok() || r.error().message.rfind("bad.so: ", 0) == 0));
  }
  SECTION("not an ELF file") {
    std::vector<std::uint8_t> d(4096, 'x');
    CHECK(error_of(d) == "bad.so: not an ELF file");
  }
}

TEST_CASE("random corruption never crashes", "[rewrite][malformed]") {
  auto data = sample("fuzz");
  std::mt19937 rng(12345);
  auto dyn = dynamic_offset(data);
  int errors = 0, oks = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    auto d = data;
    int flips = 1 + static_cast<int>(rng() % 8);
    for (int k = 0; k < flips; ++k) {
      // Aim at headers, the dynamic table and the early tables.
      std::size_t where = (rng() % 3 == 0) ? dyn + rng() % 512 : rng() % 4096;
      if (where < d.size()) d[where] = static_cast<std::uint8_t>(rng());
    }
    auto r = elf::rewrite_bytes(util::Bytes(d.data(), d.size()), "fuzz.so", growing_plan());
    if (r.ok()) {
      ++oks;
      if (r->has_value()) {
        // Whatever came out must parse again with the rewriter's own reader.
        auto again = elf::read_dynamic_facts(util::Bytes((*r)->data(), (*r)->size()), "out.so");
        CHECK(again.ok());
      }
    } else {
      ++errors;
      CHECK(r.error().message.rfind("fuzz.so: ", 0) == 0);
    }
  }
  CHECK(errors + oks == 3000);
}

// File offset of the SHT_GNU_HASH section of a 64-bit image, 0 if none.
template <typename Buffer>
std::uint64_t gnu_hash_offset(const Buffer& d) {
  const auto* eh = reinterpret_cast<const Elf64_Ehdr*>(d.data());
  std::uint64_t gh = 0;
  for (std::uint16_t i = 0; i < eh->e_shnum; ++i) {
    const auto* s = reinterpret_cast<const Elf64_Shdr*>(d.data() + eh->e_shoff + i * sizeof(Elf64_Shdr));
    if (s->sh_type == SHT_GNU_HASH) gh = s->sh_offset;
  }
  return gh;
}

TEST_CASE("a GNU hash bloom shift of 32 or more is an error when symbols are renamed", "[rewrite][malformed]") {
  // fuzz/regressions/elf_rewriter/gnu-hash-bloom-shift-too-large: the shift
  // applies to a 32-bit hash, so larger values cannot be rebuilt.
  auto d = sample("bloom_shift");
  std::uint64_t gh = gnu_hash_offset(d);
  REQUIRE(gh != 0);
  elf::EditPlan plan;
  plan.rename_dynamic_symbols = {{"fix_value", "fix_value_renamed"}};
  for (std::uint32_t shift : {32u, 40u, 0xffffffffu}) {
    std::memcpy(d.data() + gh + 12, &shift, 4);
    auto r = elf::rewrite_bytes(util::Bytes(d.data(), d.size()), "bad.so", plan);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("bad.so: DT_GNU_HASH bloom shift") == 0);
  }
  std::uint32_t fine = 6;
  std::memcpy(d.data() + gh + 12, &fine, 4);
  CHECK(elf::rewrite_bytes(util::Bytes(d.data(), d.size()), "bad.so", plan).ok());
}

TEST_CASE("a hash table whose header reaches into .dynsym is an error when symbols are renamed", "[rewrite][malformed]") {
  // fuzz/regressions/elf_rewriter/gnu-hash-chains-overwrite-dynsym: the
  // rebuilt chains were written over the first symbols.
  auto d = sample("hash_overlap");
  std::uint64_t gh = gnu_hash_offset(d);
  REQUIRE(gh != 0);
  elf::EditPlan plan;
  plan.rename_dynamic_symbols = {{"fix_value", "fix_value_renamed"}};
  REQUIRE(elf::rewrite_bytes(util::Bytes(d.data(), d.size()), "bad.so", plan).ok());
  std::uint32_t symoff = 0;
  std::memcpy(&symoff, d.data() + gh + 4, 4);
  REQUIRE(symoff > 1);
  std::uint32_t lower = 1;  // chains for symbols 1.. : the table grows past its section
  std::memcpy(d.data() + gh + 4, &lower, 4);
  auto r = elf::rewrite_bytes(util::Bytes(d.data(), d.size()), "bad.so", plan);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message == "bad.so: DT_GNU_HASH table overlaps .dynsym or .gnu.version");
}

TEST_CASE("a second entry of a unique dynamic tag or segment is an error for the rewriter and the reader", "[rewrite][malformed]") {
  // fuzz/regressions/elf_rewriter/duplicate-strtab-needed-not-replaced: the
  // reader took the last DT_STRTAB, the rewriter the first, so a replaced
  // DT_NEEDED did not show in the output. Both now reject such files with
  // the same message.
  elf::EditPlan plan = growing_plan();
  plan.interpreter.reset();  // a library
  const std::string new_dep = plan.replace_needed[0].second;
  // The rewriter's error, checked to be the reader's too; on success, the
  // output must show the replaced DT_NEEDED to both readers.
  auto both_errors = [&](const std::vector<std::uint8_t>& d) {
    util::Bytes bytes(d.data(), d.size());
    auto rewritten = elf::rewrite_bytes(bytes, "bad.so", plan);
    auto facts = elf::read_dynamic_facts(bytes, "bad.so");
    auto parsed = elf::parse(bytes, "bad.so");
    std::string message = rewritten.ok() ? "<ok>" : rewritten.error().message;
    CHECK(message == (facts.ok() ? "<ok>" : facts.error().message));
    CHECK(message == (parsed.ok() ? "<ok>" : parsed.error().message));
    if (rewritten.ok() && rewritten->has_value()) {
      util::Bytes out((*rewritten)->data(), (*rewritten)->size());
      auto out_facts = elf::read_dynamic_facts(out, "out.so");
      auto out_info = elf::parse(out, "out.so");
      REQUIRE(out_facts.ok());
      REQUIRE(out_info.ok());
      CHECK(out_facts->needed == out_info->needed);
      CHECK(std::count(out_info->needed.begin(), out_info->needed.end(), new_dep) == 1);
    }
    return message;
  };
  const auto data = sample("duplicate_tag");
  auto with_entry = [&](std::int64_t from, std::int64_t tag, std::uint64_t value) {
    auto d = data;
    auto* dyn = reinterpret_cast<Elf64_Dyn*>(d.data() + dynamic_offset(d));
    int i = 0;
    while (dyn[i].d_tag != DT_NULL && dyn[i].d_tag != from) ++i;
    REQUIRE(dyn[i].d_tag == from);
    dyn[i].d_tag = tag;
    dyn[i].d_un.d_val = value;
    return d;
  };
  CHECK(both_errors(data) == "<ok>");
  // The second DT_STRTAB before the real one (DT_RUNPATH comes first) and after it.
  CHECK(both_errors(with_entry(DT_RUNPATH, DT_STRTAB, 0)) == "bad.so: duplicate DT_STRTAB in the dynamic section");
  CHECK(both_errors(with_entry(DT_SYMENT, DT_STRTAB, 0)) == "bad.so: duplicate DT_STRTAB in the dynamic section");
  CHECK(both_errors(with_entry(DT_RUNPATH, DT_SONAME, 1)) == "bad.so: duplicate DT_SONAME in the dynamic section");
  CHECK(both_errors(with_entry(DT_SYMENT, DT_SYMTAB, 0)) == "bad.so: duplicate DT_SYMTAB in the dynamic section");
  CHECK(both_errors(with_entry(DT_RUNPATH, DT_GNU_HASH, 0)) == "bad.so: duplicate DT_GNU_HASH in the dynamic section");
  // A repeated DT_NEEDED is allowed: the edit goes through.
  CHECK(both_errors(with_entry(DT_RUNPATH, DT_NEEDED, 1)) == "<ok>");

  auto input = regression("duplicate-strtab-needed-not-replaced");
  REQUIRE(input.size() > 64);
  CHECK(both_errors(input) == "bad.so: duplicate DT_STRTAB in the dynamic section");

  // fuzz/regressions/elf_rewriter/two-dynamic-segments-soname-not-set: the
  // reader took the first PT_DYNAMIC, the rewriter the last (the .init_array
  // bytes), so a new DT_SONAME went where the reader did not look.
  input = regression("two-dynamic-segments-soname-not-set");
  REQUIRE(input.size() > 64);
  CHECK(both_errors(input) == "bad.so: more than one PT_DYNAMIC segment");
  auto retyped = [&](std::uint32_t from, std::uint32_t to) {
    auto d = data;
    auto* eh = reinterpret_cast<Elf64_Ehdr*>(d.data());
    auto* ph = reinterpret_cast<Elf64_Phdr*>(d.data() + eh->e_phoff);
    int i = 0;
    while (i < eh->e_phnum && ph[i].p_type != from) ++i;
    REQUIRE(i < eh->e_phnum);
    ph[i].p_type = to;
    return d;
  };
  CHECK(both_errors(retyped(PT_GNU_STACK, PT_DYNAMIC)) == "bad.so: more than one PT_DYNAMIC segment");
}

namespace {

// The fixture PIE with no reusable program header slot (the PT_NOTE twin of
// PT_GNU_PROPERTY is one) and no section headers (so the tables behind the
// table cannot move): a rewrite that needs a new PT_LOAD moves the program
// header table, keeping the first segment's bias, so the new segment's file
// offset follows its address.
std::vector<std::uint8_t> pie_that_moves_phdrs(const std::string& name, std::uint64_t big_symbol_size) {
  auto f = build_fixtures(name);
  REQUIRE(!f.dir.empty());
  auto d = read_all(f.pie);
  auto* eh = reinterpret_cast<Elf64_Ehdr*>(d.data());
  for (std::uint16_t i = 0; i < eh->e_shnum; ++i) {
    const auto* s = reinterpret_cast<const Elf64_Shdr*>(d.data() + eh->e_shoff + i * sizeof(Elf64_Shdr));
    if (s->sh_type != SHT_DYNSYM || s->sh_size < 2 * sizeof(Elf64_Sym)) continue;
    reinterpret_cast<Elf64_Sym*>(d.data() + s->sh_offset + sizeof(Elf64_Sym))->st_size = big_symbol_size;
  }
  auto* ph = reinterpret_cast<Elf64_Phdr*>(d.data() + eh->e_phoff);
  for (std::uint16_t i = 0; i < eh->e_phnum; ++i) {
    REQUIRE(ph[i].p_type != PT_NULL);
    if (ph[i].p_type == PT_GNU_PROPERTY) ph[i].p_type = PT_LOPROC + 0x99;
  }
  eh->e_shoff = 0;
  eh->e_shnum = 0;
  eh->e_shstrndx = 0;
  return d;
}

}  // namespace

TEST_CASE("a huge symbol size does not pad a moved executable's file", "[rewrite][malformed]") {
  // fuzz/regressions/elf_rewriter/pie-huge-symbol-size-oom: the gap left for
  // the largest symbol is a hole in the file when the executable's bias is
  // kept, so a corrupt st_size turned 6 KB into 1 GiB.
  auto d = pie_that_moves_phdrs("huge_symbol", 1ull << 30);
  auto r = elf::rewrite_bytes(util::Bytes(d.data(), d.size()), "big.so", growing_plan());
  REQUIRE(r.ok());
  REQUIRE(r->has_value());
  INFO("input " << d.size() << " bytes, output " << (*r)->size());
  CHECK((*r)->size() < 2 * d.size() + 64 * 1024);  // the gap plus a page-aligned start
  auto info = elf::parse(util::Bytes((*r)->data(), (*r)->size()), "out");
  REQUIRE(info.ok());
  CHECK(info->interpreter == growing_plan().interpreter);
}

TEST_CASE("a huge last segment makes an in-memory rewrite of an executable an error", "[rewrite][malformed]") {
  // fuzz/regressions/elf_rewriter/pie-huge-memsz-length-error: the moved
  // table's file offset follows its address, above a PT_LOAD of 2^63 bytes;
  // building that file in memory threw std::length_error.
  auto d = pie_that_moves_phdrs("huge_memsz", 16);
  auto* eh = reinterpret_cast<Elf64_Ehdr*>(d.data());
  auto* ph = reinterpret_cast<Elf64_Phdr*>(d.data() + eh->e_phoff);
  Elf64_Phdr* last = nullptr;
  for (std::uint16_t i = 0; i < eh->e_phnum; ++i)
    if (ph[i].p_type == PT_LOAD) last = &ph[i];
  REQUIRE(last != nullptr);
  elf::EditPlan plan = growing_plan();
  for (std::uint64_t memsz : {1ull << 31, 1ull << 63, ~0ull - last->p_vaddr - 4096}) {
    INFO(memsz);
    last->p_memsz = memsz;
    auto r = elf::rewrite_bytes(util::Bytes(d.data(), d.size()), "big.so", plan);
    REQUIRE_FALSE(r.ok());
    bool named = r.error().message.find("too large to build in memory") != std::string::npos ||
                 r.error().message == "big.so: no address space left for the moved tables";
    CHECK(named);
    CHECK(r.error().message.rfind("big.so: ", 0) == 0);
  }
  // The streaming entry point repair uses refuses it too, instead of a
  // sparse scratch file of gigabytes that would be hashed and deflated.
  std::string dir = scratch("huge_memsz_fd");
  last->p_memsz = 1ull << 33;
  write_all(dir + "/big.so", d);
  int fd = ::open((dir + "/out.so").c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  REQUIRE(fd >= 0);
  auto r = elf::rewrite_to_fd(dir + "/big.so", "pkg/big.so", plan, fd);
  struct stat st {};
  REQUIRE(::fstat(fd, &st) == 0);
  ::close(fd);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.rfind("pkg/big.so: the rewritten file would be ", 0) == 0);
  CHECK(st.st_size == 0);  // refused before writing anything
}

TEST_CASE("PT_INTERP or PT_DYNAMIC sharing bytes with the headers is an error", "[rewrite][malformed]") {
  // fuzz/regressions/elf_rewriter/interp-overlapping-phdr-table: PT_INTERP
  // started 8 bytes before the end of the program header table, so writing
  // the new interpreter and then the program headers clobbered it.
  auto f = build_fixtures("header_overlap");
  REQUIRE(!f.dir.empty());
  const auto good = read_all(f.pie);
  elf::EditPlan plan;
  plan.interpreter = "/lib/ld-x.so";
  plan.os_abi = 3;
  auto moved = [&](std::uint32_t type, auto&& edit) {
    auto d = good;
    auto* eh = reinterpret_cast<Elf64_Ehdr*>(d.data());
    auto* ph = reinterpret_cast<Elf64_Phdr*>(d.data() + eh->e_phoff);
    for (std::uint16_t i = 0; i < eh->e_phnum; ++i)
      if (ph[i].p_type == type) edit(*eh, ph[i]);
    return rewrite_error(d, plan);
  };
  auto into_phdrs = [](Elf64_Ehdr& eh, Elf64_Phdr& p) {
    p.p_offset = eh.e_phoff + eh.e_phnum * sizeof(Elf64_Phdr) - 8;
  };
  CHECK(moved(PT_INTERP, into_phdrs) == "bad.so: PT_INTERP overlaps the program header table");
  CHECK(moved(PT_DYNAMIC, into_phdrs) == "bad.so: PT_DYNAMIC overlaps the program header table");
  CHECK(moved(PT_DYNAMIC, [](Elf64_Ehdr&, Elf64_Phdr& p) { p.p_offset = 8; }) ==
        "bad.so: PT_DYNAMIC overlaps the ELF header");
  // fuzz/regressions/elf_rewriter/property-note-inside-phdr-table: the
  // reader parses notes from bytes the rewritten header table replaces.
  CHECK(moved(PT_NOTE, into_phdrs) == "bad.so: PT_NOTE overlaps the program header table");
  // fuzz/regressions/elf_rewriter/interp-overlapping-dynamic: the new
  // interpreter was written in place, then .dynamic over it.
  const std::uint64_t dyn_off = dynamic_offset(good);
  REQUIRE(dyn_off != 0);
  CHECK(moved(PT_INTERP, [&](Elf64_Ehdr&, Elf64_Phdr& p) { p.p_offset = dyn_off - 4; }) ==
        "bad.so: PT_INTERP overlaps PT_DYNAMIC");
  // fuzz/regressions/elf_rewriter/interp-overlapping-note: the new
  // interpreter was written over the property note.
  const std::uint64_t note_off = segment_offset(good, PT_NOTE);
  REQUIRE(note_off != 0);
  CHECK(moved(PT_INTERP, [&](Elf64_Ehdr&, Elf64_Phdr& p) { p.p_offset = note_off + 2; }) ==
        "bad.so: PT_INTERP overlaps a note segment");
  auto fuzz_note = regression("interp-overlapping-note");
  REQUIRE(fuzz_note.size() > 64);
  // (refused before the interpreter is looked at: its section headers are
  // as broken as its segments)
  CHECK(rewrite_error(fuzz_note, plan) == "bad.so: the section header table overlaps section 20");
  // Adjacent is fine: the fixture's PT_INTERP follows the table directly.
  CHECK(moved(PT_NULL, [](Elf64_Ehdr&, Elf64_Phdr&) {}) == "<ok>");
  auto r = elf::rewrite_bytes(util::Bytes(good.data(), good.size()), "good", plan);
  REQUIRE(r.ok());
  auto info = elf::parse(util::Bytes((*r)->data(), (*r)->size()), "out");
  REQUIRE(info.ok());
  CHECK(info->interpreter == plan.interpreter);

  auto input = regression("interp-overlapping-phdr-table");
  REQUIRE(input.size() > 64);
  auto fuzz = elf::rewrite_bytes(util::Bytes(input.data(), input.size()), "bad.so", plan);
  REQUIRE_FALSE(fuzz.ok());
  CHECK(fuzz.error().message == "bad.so: PT_INTERP overlaps the program header table");

  auto prop = regression("property-note-inside-phdr-table");
  REQUIRE(prop.size() > 64);
  REQUIRE(elf::parse(util::Bytes(prop.data(), prop.size()), "bad.so").ok());  // the reader accepts it
  CHECK(rewrite_error(prop, plan) == "bad.so: PT_GNU_PROPERTY overlaps the program header table");
}

TEST_CASE("overlapping .gnu.version_r entries are an error", "[rewrite][malformed]") {
  // fuzz/regressions/elf_rewriter/verneed-entries-overlap: vn_next 8 put the
  // second entry over the first one's vn_aux/vn_next, so renaming the second
  // entry's file broke the first one's link and the output did not parse.
  elf::EditPlan plan;
  plan.replace_needed = {{"libdep.so.1", "libdep-renamed.so.1"}};
  const auto good = sample("verneed_overlap");
  CHECK(rewrite_error(good, plan) == "<ok>");
  // Point the first entry's auxiliary entry back at the entry itself.
  auto d = good;
  auto* eh = reinterpret_cast<Elf64_Ehdr*>(d.data());
  std::uint64_t verneed = 0;
  for (std::uint16_t i = 0; i < eh->e_shnum; ++i) {
    const auto* s = reinterpret_cast<const Elf64_Shdr*>(d.data() + eh->e_shoff + i * sizeof(Elf64_Shdr));
    if (s->sh_type == SHT_GNU_verneed) verneed = s->sh_offset;
  }
  REQUIRE(verneed != 0);
  auto* first = reinterpret_cast<Elf64_Verneed*>(d.data() + verneed);
  REQUIRE(first->vn_cnt != 0);
  first->vn_aux = 8;
  CHECK(rewrite_error(d, plan) == "bad.so: .gnu.version_r entries overlap");

  auto input = regression("verneed-entries-overlap");
  REQUIRE(input.size() > 64);
  // (its section name table is broken too, which is found first now)
  CHECK(rewrite_error(input, plan) == "bad.so: section names: string table is not zero terminated");
}

TEST_CASE("a stray vn_next after DT_VERNEEDNUM entries is not followed", "[rewrite][malformed]") {
  // fuzz/regressions/elf_rewriter/verneed-stray-next-past-verneednum: the
  // last of DT_VERNEEDNUM (3) entries has vn_next 0x2000, which the reader
  // never follows. Removing a DT_NEEDED made the rewriter follow it into
  // .text and keep that "entry" in the rebuilt chain.
  auto input = regression("verneed-stray-next-past-verneednum");
  REQUIRE(input.size() > 64);
  auto before = elf::parse(util::Bytes(input.data(), input.size()), "in.so");
  REQUIRE(before.ok());
  REQUIRE(before->version_needs.size() == 3);
  elf::EditPlan plan;
  plan.remove_needed = {"libc.so.6"};
  auto r = elf::rewrite_bytes(util::Bytes(input.data(), input.size()), "in.so", plan);
  REQUIRE(r.ok());
  REQUIRE(*r);
  auto after = elf::parse(util::Bytes((*r)->data(), (*r)->size()), "out.so");
  REQUIRE(after.ok());
  std::vector<std::string> files;
  for (const auto& n : after->version_needs) files.push_back(n.file);
  CHECK(files == std::vector<std::string>{"libgcc_s.so.1", "libstdc++.so.6"});
}

TEST_CASE("section headers that disagree with the segments are an error", "[rewrite][malformed]") {
  // fuzz/regressions/elf_rewriter/section-headers-over-dynamic: e_shoff put
  // the section header table over .dynamic, so writing it back undid the
  // new dynamic entries. fuzz/regressions/elf_rewriter/
  // dynsym-section-offset-disagrees: the .dynsym header's sh_offset was 5
  // bytes off DT_SYMTAB, so renumbering st_shndx corrupted symbol names.
  auto f = build_fixtures("shdr_overlap");
  REQUIRE(!f.dir.empty());
  const auto good = read_all(f.libfix);
  elf::EditPlan plan;
  plan.soname = "libfix-0123abcd.so";
  plan.add_needed = {"libextra-0123abcd.so.1"};
  REQUIRE(rewrite_error(good, plan) == "<ok>");
  const auto* eh = reinterpret_cast<const Elf64_Ehdr*>(good.data());

  // A PT_LOAD of its own over the section header table at the end, as
  // patchelf 0.18/0.19 lay out the files they grow (here the fixture's
  // PT_GNU_PROPERTY, PT_GNU_EH_FRAME or PT_NOTE entry becomes that PT_LOAD,
  // mapped after the others):
  // legal (the loader maps the table and never reads it), so the edit is
  // made and the result loads. The table may not share bytes with a
  // section, though.
  auto covered = good;
  auto* cph = reinterpret_cast<Elf64_Phdr*>(covered.data() + eh->e_phoff);
  int spare = -1;
  std::uint64_t top = 0;
  for (std::uint32_t type : {PT_NOTE, PT_GNU_EH_FRAME, PT_GNU_PROPERTY})  // the last found wins
    for (std::uint16_t i = 0; i < eh->e_phnum; ++i)
      if (cph[i].p_type == type) spare = i;
  for (std::uint16_t i = 0; i < eh->e_phnum; ++i)
    if (cph[i].p_type == PT_LOAD) top = std::max<std::uint64_t>(top, cph[i].p_vaddr + cph[i].p_memsz);
  REQUIRE(spare >= 0);
  Elf64_Phdr& load = cph[spare];
  load.p_type = PT_LOAD;
  load.p_flags = PF_R;
  load.p_align = 0x1000;
  load.p_offset = eh->e_shoff;
  load.p_vaddr = load.p_paddr = ((top + 0xfff) & ~std::uint64_t{0xfff}) + eh->e_shoff % 0x1000;
  load.p_filesz = load.p_memsz = eh->e_shnum * sizeof(Elf64_Shdr);
  // The program that needs libfix runs with the laid-out library, then
  // with it rewritten (a growing RUNPATH: tables move) twice over.
  auto runs_with = [&](const std::vector<std::uint8_t>& lib) {
    write_all(f.libfix, lib);
    return run("LD_LIBRARY_PATH=" + f.dir + " " + f.pie) == 0;
  };
  REQUIRE(runs_with(covered));
  elf::EditPlan grow;
  grow.rpath_op = elf::RpathOp::set;
  grow.rpath = "$ORIGIN/" + std::string(300, 'r');
  auto once = elf::rewrite_bytes(util::Bytes(covered.data(), covered.size()), "in-load.so", grow);
  REQUIRE(once.ok());
  REQUIRE(*once);
  CHECK(runs_with(**once));
  grow.rpath += ":/again";
  auto twice = elf::rewrite_bytes(util::Bytes((*once)->data(), (*once)->size()), "in-load.so", grow);
  REQUIRE(twice.ok());
  REQUIRE(*twice);
  CHECK(runs_with(**twice));
  auto facts = elf::read_dynamic_facts(util::Bytes((*twice)->data(), (*twice)->size()), "edited");
  REQUIRE(facts.ok());
  CHECK(facts->runpath == grow.rpath);
  CHECK(rewrite_error(covered, plan) == "<ok>");

  // over(PRED): `good` with the first section PRED picks moved so that its
  // last bytes are the section header table's first.
  auto over = [&](auto pred) {
    auto d = good;
    auto* sh = reinterpret_cast<Elf64_Shdr*>(d.data() + eh->e_shoff);
    for (std::uint16_t i = 0; i < eh->e_shnum; ++i)
      if (pred(sh[i])) {
        sh[i].sh_offset = eh->e_shoff - 4;
        sh[i].sh_size = 8;
        return d;
      }
    FAIL("the fixture has no such section");
    return d;
  };
  const std::string refused = "bad.so: the section header table overlaps section ";
  // a section the loader maps (.dynstr), a table the rewriter writes (.symtab)
  CHECK(rewrite_error(over([](const Elf64_Shdr& s) { return s.sh_type == SHT_STRTAB && (s.sh_flags & SHF_ALLOC); }),
                      plan).rfind(refused, 0) == 0);
  CHECK(rewrite_error(over([](const Elf64_Shdr& s) { return s.sh_type == SHT_SYMTAB; }), plan).rfind(refused, 0) == 0);
  // a section nothing reads back (.comment: not allocated) may share bytes
  CHECK(rewrite_error(over([](const Elf64_Shdr& s) { return s.sh_type == SHT_PROGBITS && !(s.sh_flags & SHF_ALLOC); }),
                      plan) == "<ok>");

  auto shifted = good;
  auto* sh = reinterpret_cast<Elf64_Shdr*>(shifted.data() + eh->e_shoff);
  bool found = false;
  for (std::uint16_t i = 0; i < eh->e_shnum; ++i)
    if (sh[i].sh_type == SHT_DYNSYM) {
      sh[i].sh_offset -= 5;
      found = true;
    }
  REQUIRE(found);
  CHECK(rewrite_error(shifted, plan) == "bad.so: the .dynsym section header disagrees with its segment about its offset");

  for (const char* name : {"section-headers-over-dynamic", "dynsym-section-offset-disagrees"}) {
    auto input = regression(name);
    REQUIRE(input.size() > 64);
    CHECK(rewrite_error(input, plan) != "<ok>");
  }
}

TEST_CASE("an empty PT_DYNAMIC is no dynamic table and its .dynsym is kept", "[rewrite][malformed]") {
  // As in a stripped static PIE or a .debug file (patchelf's
  // no-dynamic-section, empty-note and contiguous-note-sections tests): the
  // dynamic table was refused as having no DT_NULL, and the .dynsym section
  // that no DT_SYMTAB names as a stray symbol table.
  auto f = build_fixtures("empty_dynamic");
  REQUIRE(!f.dir.empty());
  auto d = read_all(f.pie);
  const auto* eh = reinterpret_cast<const Elf64_Ehdr*>(d.data());
  auto* ph = reinterpret_cast<Elf64_Phdr*>(d.data() + eh->e_phoff);
  bool emptied = false;
  for (std::uint16_t i = 0; i < eh->e_phnum; ++i)
    if (ph[i].p_type == PT_DYNAMIC) {
      ph[i].p_filesz = ph[i].p_memsz = 0;
      emptied = true;
    }
  REQUIRE(emptied);
  auto facts = elf::read_dynamic_facts(util::Bytes(d.data(), d.size()), "empty.so");
  REQUIRE(facts.ok());
  CHECK(facts->needed.empty());
  CHECK_FALSE(facts->runpath);
  elf::EditPlan interp;
  interp.interpreter = "/lib64/" + std::string(60, 'i');  // longer: a new segment
  auto out = elf::rewrite_bytes(util::Bytes(d.data(), d.size()), "empty.so", interp);
  REQUIRE(out.ok());
  REQUIRE(*out);
  auto after = elf::read_dynamic_facts(util::Bytes((*out)->data(), (*out)->size()), "out.so");
  REQUIRE(after.ok());
  CHECK(after->interpreter == interp.interpreter);
}

TEST_CASE("a section name table whose section is SHT_NULL is bounds-checked", "[rewrite][malformed]") {
  // fuzz/regressions/elf_rewriter/shstrtab-null-section-out-of-bounds (the
  // elf_reader target found the same through read_dynamic_facts):
  // e_shstrndx named an SHT_NULL section, whose offset read_headers does
  // not check, and its last byte was read from far outside the file.
  auto input = regression("shstrtab-null-section-out-of-bounds");
  REQUIRE(input.size() > 64);
  elf::EditPlan plan;
  plan.rpath_op = elf::RpathOp::set;
  plan.rpath = "$ORIGIN";
  CHECK(rewrite_error(input, plan) == "bad.so: section names: data region extends past file end");
  auto facts = elf::read_dynamic_facts(util::Bytes(input.data(), input.size()), "bad.so");
  REQUIRE_FALSE(facts.ok());
  CHECK(facts.error().message == "bad.so: section names: data region extends past file end");
}
