// Internal layer of the ELF rewriter: native copies of the on-disk
// structures, a codec that converts them for one class/byte order (through
// the traits in types.hpp), the parsed image, and the edit representation
// (patches inside the original bytes plus one appended tail).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wheelfix/elf/rewriter.hpp"
#include "wheelfix/elf/types.hpp"
#include "wheelfix/util/bytes.hpp"
#include "wheelfix/util/result.hpp"

namespace wheelfix::elf::rw {

struct Ehdr {
  std::uint8_t ident[16];
  std::uint16_t type, machine;
  std::uint32_t version;
  std::uint64_t entry, phoff, shoff;
  std::uint32_t flags;
  std::uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct Phdr {
  std::uint32_t type = 0, flags = 0;
  std::uint64_t offset = 0, vaddr = 0, paddr = 0, filesz = 0, memsz = 0, align = 0;
};
struct Shdr {
  std::uint32_t name = 0, type = 0;
  std::uint64_t flags = 0, addr = 0, offset = 0, size = 0;
  std::uint32_t link = 0, info = 0;
  std::uint64_t addralign = 0, entsize = 0;
};
struct Dyn {
  std::int64_t tag = 0;
  std::uint64_t val = 0;
};
struct Sym {
  std::uint32_t name = 0;
  std::uint8_t info = 0, other = 0;
  std::uint16_t shndx = 0;
  std::uint64_t value = 0, size = 0;
};

// Reads and writes native structures for one ElfKind. Callers check bounds
// before handing pointers in.
struct Codec {
  ElfKind kind = ElfKind::Invalid;
  bool is64 = false;
  bool be = false;
  std::size_t ehdr_size = 0, phdr_size = 0, shdr_size = 0, dyn_size = 0, sym_size = 0, word = 0;

  explicit Codec(ElfKind k = ElfKind::Invalid);
  std::uint16_t u16(const std::uint8_t* p) const;
  std::uint32_t u32(const std::uint8_t* p) const;
  std::uint64_t u64(const std::uint8_t* p) const;
  std::uint64_t wordv(const std::uint8_t* p) const { return is64 ? u64(p) : u32(p); }
  void put16(std::uint8_t* p, std::uint16_t v) const;
  void put32(std::uint8_t* p, std::uint32_t v) const;
  void put64(std::uint8_t* p, std::uint64_t v) const;
  Ehdr ehdr(const std::uint8_t* p) const;
  void put(std::uint8_t* p, const Ehdr& h) const;
  Phdr phdr(const std::uint8_t* p) const;
  void put(std::uint8_t* p, const Phdr& h) const;
  Shdr shdr(const std::uint8_t* p) const;
  void put(std::uint8_t* p, const Shdr& h) const;
  Dyn dyn(const std::uint8_t* p) const;
  void put(std::uint8_t* p, const Dyn& d) const;
  Sym sym(const std::uint8_t* p) const;
  void put(std::uint8_t* p, const Sym& s) const;
};

// A parsed ELF file: headers, the dynamic table and .dynstr, validated.
struct Image {
  std::string name;
  util::Bytes data;
  Codec c;
  Ehdr eh{};
  std::vector<Phdr> ph;
  std::vector<Shdr> sh;     // empty when the file has no section headers
  int dyn_ph = -1;          // index of PT_DYNAMIC, -1 if none
  // Where the dynamic table is: PT_DYNAMIC, or (as patchelf finds it) the
  // SHT_DYNAMIC section of a file that has no PT_DYNAMIC; has_dyn is false
  // when there is neither.
  bool has_dyn = false;
  std::uint64_t dyn_off = 0;
  std::vector<Dyn> dyn;     // entries before the first DT_NULL
  std::size_t dyn_slots = 0;  // entries that fit in the table
  // Why PT_INTERP may not be written (it shares bytes with another table);
  // empty when it may. Only an interpreter edit is refused for it.
  std::string interp_clash;
  std::vector<std::string> warnings;  // odd but harmless things, for patchelf mode to print
  std::uint64_t dynstr_off = 0, dynstr_addr = 0;
  util::Bytes dynstr;       // empty when there is no DT_STRTAB
  std::uint64_t dynsym_count = 0;  // 0 when unknown / absent
  std::uint64_t max_sym_size = 0;  // largest st_size in .dynsym
  int own_seg = -1;         // index of a PT_LOAD added by an earlier run
  std::uint64_t own_prefix = 0;  // bytes at its start holding moved sections, kept as they are

  // File offset of [vaddr, vaddr + size) through the PT_LOADs (file-backed
  // part only), or nullopt.
  std::optional<std::uint64_t> offset_of(std::uint64_t vaddr, std::uint64_t size) const;
  std::optional<std::uint64_t> dyn_value(std::int64_t tag) const;
  std::optional<std::string_view> str(std::uint64_t off) const;
  // The file offset of a table named by a dynamic tag, checked to hold
  // `size` bytes; nullopt when absent, error when it points outside the file.
  util::Result<std::optional<std::uint64_t>> table(std::int64_t tag, std::uint64_t size,
                                                   const char* what) const;
  bool executable() const;  // ET_EXEC, or ET_DYN with PT_INTERP
};

// Checks the section name table (e_shstrndx in range, a non-empty
// NUL-terminated table, every sh_name inside it) and that tables with
// fixed-size entries start naturally aligned; warns of unnamed sections.
// Errors use patchelf's words, which scripts and its tests look for.
util::Status check_section_names(Image& img);

// Parses and validates `data` (no edits). Errors name `name`.
util::Result<Image> parse_image(util::Bytes data, const std::string& name);

// Bytes replaced inside the original file.
struct Patch {
  std::uint64_t offset = 0;
  std::vector<std::uint8_t> bytes;
};

// The complete edit of one file: the first `keep` original bytes with
// `patches` applied, zeros up to `tail_offset`, then `tail`.
struct FileEdit {
  std::uint64_t keep = 0;
  std::vector<Patch> patches;
  std::uint64_t tail_offset = 0;
  std::vector<std::uint8_t> tail;
  bool layout_changed = false;
  std::uint64_t new_size() const { return tail.empty() ? keep : tail_offset + tail.size(); }
};

// Plans every edit of `plan` on `img`. The result is empty (no patches, no
// tail, keep == size) when nothing changes.
util::Result<FileEdit> plan_edits(const Image& img, const EditPlan& plan);

// One string that replaces (or adds) a .dynstr reference.
struct StrChange {
  std::optional<std::uint64_t> old_off;  // nullopt: a new reference
  std::string value;
};

// Decides where new .dynstr strings go: in place when the old string is
// long enough and no other (unchanged) reference shares its bytes, else in a
// pool appended to a moved .dynstr (the old string, when no other reference
// shares it, then reads 'XXX...', as patchelf leaves it).
class StringPlacer {
 public:
  StringPlacer(util::Bytes dynstr, std::vector<std::pair<std::uint64_t, std::uint64_t>> fixed);
  // Returns a handle for resolve().
  std::size_t place(const StrChange& change);
  bool must_move() const { return !pool_.empty(); }
  // The final .dynstr bytes (the old content with in-place writes, cut at
  // `cut` if nonzero, then the pool).
  std::vector<std::uint8_t> build(bool compact) const;
  // Final offset of a placed string; `compact` as passed to build().
  std::uint64_t resolve(std::size_t handle, bool compact) const;
  // In-place writes, as (offset in .dynstr, bytes).
  const std::vector<std::pair<std::uint64_t, std::vector<std::uint8_t>>>& in_place() const {
    return writes_;
  }

 private:
  std::uint64_t prefix_len(bool compact) const;
  std::uint64_t carried_len(bool compact) const;
  void taint(std::uint64_t old_off);
  util::Bytes old_;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> fixed_;     // [off, nul]
  std::vector<std::pair<std::uint64_t, std::uint64_t>> occupied_;  // in-place ranges
  std::vector<std::pair<std::uint64_t, std::uint64_t>> tainted_;   // old strings overwritten with 'X'
  std::vector<std::pair<std::uint64_t, std::string>> placed_;      // (old_off, value)
  std::vector<std::pair<std::uint64_t, std::vector<std::uint8_t>>> writes_;
  std::string pool_;
  struct Handle {
    bool pooled;
    std::uint64_t off;
  };
  std::vector<Handle> handles_;
};

// Mutable copies of regions of the original file. A region is copied on
// first use, with the edits of earlier regions it overlaps; where regions
// overlap, the newest one holds the final bytes. patches() emits only the
// byte runs that differ from the original, never overlapping.
class Overlay {
 public:
  explicit Overlay(util::Bytes data) : data_(data) {}
  // A writable copy of [offset, offset + size); the caller checked bounds.
  // Part of an existing region when one holds the whole range and no newer
  // region overlaps it. It starts from earlier edits of the range, so a
  // read-modify-write over overlapping ranges (e.g. relocation tables) must
  // visit each byte once; a pointer is stale once a newer region overlaps.
  std::uint8_t* region(std::uint64_t offset, std::uint64_t size);
  // Changed byte runs below `limit`, sorted and disjoint (runs closer than
  // 16 bytes are merged).
  std::vector<Patch> patches(std::uint64_t limit) const;
  const auto& regions() const { return regions_; }

 private:
  util::Bytes data_;
  std::vector<std::pair<std::uint64_t, std::vector<std::uint8_t>>> regions_;
};

// Everything the symbol edits (rename, clear version) change, planned
// before string placement and finished after it.
struct SymbolWork {
  std::vector<std::pair<std::uint64_t, std::string>> renames;  // dynsym index, new name
  std::vector<std::size_t> handles;                             // placement of each new name
};

// Finds the dynamic symbols to rename (their new names still need placing).
util::Result<SymbolWork> find_symbol_renames(const Image& img, const EditPlan& plan);
// Writes renamed names (final .dynstr offsets from `offsets`), rebuilds
// .hash/.gnu.hash and reorders .dynsym/versym/relocations when the GNU hash
// order changes; clears versions of plan.clear_symbol_version.
util::Status apply_symbol_edits(const Image& img, const EditPlan& plan, const SymbolWork& work,
                                const std::vector<std::uint64_t>& offsets, Overlay& ov);

// The final state the layout step turns into bytes.
struct LayoutInput {
  std::vector<Dyn> dyn;                          // without the DT_NULL
  std::optional<std::vector<std::uint8_t>> dynstr;  // new content, when it may move
  bool dynstr_must_move = false;                 // new strings did not fit
  std::vector<Patch> dynstr_writes;              // in-place writes (file offsets)
  std::optional<std::string> interp;             // set: new interpreter
  bool interp_must_move = false;                 // its old bytes hold other data too
  std::optional<bool> execstack;
  std::vector<Shdr> sh;                          // possibly edited section headers
  std::uint64_t page_size = 0;
  bool clobber_old_dynstr = true;                // zero the old copy of a moved .dynstr
  unsigned reserve_slots = 0;                    // PT_NULL program headers to leave free
};

// Sorts section headers (`sh`, edited copies of img.sh in the original
// order) by offset and renumbers every reference to a section index
// (sh_link, sh_info, e_shstrndx, st_shndx in .symtab/.dynsym); symbols
// defined in a moved section move with it.
void sort_sections(const Image& img, std::vector<Shdr>& sh, Ehdr& eh, Overlay& ov);

// Lays out the moved tables (one added or reused PT_LOAD), patches program
// and section headers and the dynamic table. Fills `fe` and `ov`.
util::Status lay_out(const Image& img, LayoutInput in, Overlay& ov, FileEdit& fe);

// Page size for the added segment: the override, else the larger of the
// architecture's page size and the PT_LOAD alignment.
std::uint64_t page_size_for(const Image& img, std::uint64_t override_size);

inline std::uint64_t align_up(std::uint64_t v, std::uint64_t a) {
  return a <= 1 ? v : (v + a - 1) / a * a;
}

bool is_string_tag(std::int64_t tag);
// Section types that are found only through program headers or dynamic tags
// (so they can move as a block when the program header table grows).
bool is_movable_section(std::uint32_t type);
// Dynamic tags holding the address of a movable section.
bool is_movable_address_tag(std::int64_t tag);

// Overwrites `out` (a copy of the original bytes at `offset`) with the
// overlay's regions, oldest first (so `out` shows the final bytes).
void apply_overlay(const Overlay& ov, std::uint64_t offset, std::vector<std::uint8_t>& out);

// True for a section the section header table may not overlap: a table
// the rewriter writes or the reader parses, or one the loader maps.
bool keeps_clear_of_section_headers(const Shdr& s);

// The resolution cache note (patchelf 0.19's --build-resolution-cache).
inline constexpr char kResolutionNoteSection[] = ".note.nixos.ldcache";
// Index of the (active) section named `name`, or -1.
int find_section(const Image& img, std::string_view name);
// The descriptor of a note section, empty when it is malformed.
std::string note_descriptor(const Image& img, const Shdr& s);
// Adds plan.resolution_note: the note in a PT_LOAD and PT_NOTE of its own
// after the file's end (two PT_NULL slots must be free), a section for it,
// the section header table moved behind it. Fails when a note is present.
util::Result<FileEdit> plan_resolution_note(const Image& img, const EditPlan& plan);
// Retires the note when an edit makes it stale: its section header becomes
// inactive (SHT_NULL, so no index changes), a PT_NOTE / PT_LOAD that covers
// exactly it becomes PT_NULL and its bytes are cleared.
void retire_resolution_note(const Image& img, std::vector<Shdr>& sh, std::vector<Phdr>& ph, Overlay& ov);

// Reads the rewritten file `after` back: when the input `before` parses,
// `after` must parse too and show every edit of `plan` that can be checked
// (SONAME, DT_NEEDED, RPATH/RUNPATH set or removal, interpreter). Fails with
// "<name>: the rewritten file does not read back ..." so that a rewriter
// bug on an odd input becomes an error instead of a broken file.
util::Status verify_rewrite(util::Bytes before, util::Bytes after, const std::string& name, const EditPlan& plan);

}  // namespace wheelfix::elf::rw
