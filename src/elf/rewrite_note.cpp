// The NixOS resolution cache note (patchelf 0.19's --build-resolution-cache):
// finding it, adding it in a PT_LOAD and PT_NOTE of its own, and retiring it
// when an edit makes it stale.
#include <algorithm>
#include <cstring>

#include "elf/rewrite_internal.hpp"

namespace wheelfix::elf::rw {

using util::make_error;

namespace {

constexpr char kNoteName[] = "NixOS";  // with its NUL: namesz 6
constexpr std::uint32_t kNoteType = 0x63a86cb6;

// The section name table, or nullopt when the file has none (checked by
// check_section_names when it has).
std::optional<util::Bytes> section_names(const Image& img) {
  std::uint64_t idx = img.eh.shstrndx;
  if (idx == SHN_XINDEX && !img.sh.empty()) idx = img.sh[0].link;
  if (idx == 0 || idx >= img.sh.size() || img.sh[idx].type == SHT_NOBITS) return std::nullopt;
  return util::slice(img.data, img.sh[idx].offset, img.sh[idx].size);
}

// Offset of `name` as a whole string in `table`, or nullopt.
std::optional<std::uint64_t> string_offset(util::Bytes table, std::string_view name) {
  for (std::uint64_t at = 1; at + name.size() < table.size(); ++at)
    if (table[at + name.size()] == 0 && std::memcmp(table.data() + at, name.data(), name.size()) == 0) return at;
  return std::nullopt;
}

std::vector<std::uint8_t> note_bytes(const Image& img, const std::string& desc) {
  const Codec& c = img.c;
  std::vector<std::uint8_t> out(12 + 8 + align_up(desc.size(), 4), 0);
  c.put32(out.data(), sizeof kNoteName);
  c.put32(out.data() + 4, static_cast<std::uint32_t>(desc.size()));
  c.put32(out.data() + 8, kNoteType);
  std::memcpy(out.data() + 12, kNoteName, sizeof kNoteName);
  std::memcpy(out.data() + 20, desc.data(), desc.size());
  return out;
}

}  // namespace

int find_section(const Image& img, std::string_view name) {
  auto names = section_names(img);
  if (!names) return -1;
  for (std::size_t i = 1; i < img.sh.size(); ++i) {
    if (img.sh[i].type == SHT_NULL) continue;
    auto s = util::c_string_at(*names, img.sh[i].name);
    if (s && *s == name) return static_cast<int>(i);
  }
  return -1;
}

std::string note_descriptor(const Image& img, const Shdr& s) {
  if (s.type == SHT_NOBITS) return {};
  auto bytes = util::slice(img.data, s.offset, s.size);
  if (!bytes || bytes->size() < 12) return {};
  std::uint64_t namesz = align_up(img.c.u32(bytes->data()), 4), descsz = img.c.u32(bytes->data() + 4);
  if (namesz > bytes->size() - 12 || descsz > bytes->size() - 12 - namesz) return {};
  return std::string(reinterpret_cast<const char*>(bytes->data()) + 12 + namesz, descsz);
}

void retire_resolution_note(const Image& img, std::vector<Shdr>& sh, std::vector<Phdr>& ph, Overlay& ov) {
  int k = find_section(img, kResolutionNoteSection);
  if (k < 0) return;
  const Shdr note = img.sh[k];
  sh[k] = Shdr{};  // inactive: no section index anywhere changes
  bool own_segment = false;
  for (auto& p : ph)
    if ((p.type == PT_NOTE || p.type == PT_LOAD) && p.offset == note.offset && p.filesz == note.size) {
      own_segment = own_segment || p.type == PT_LOAD;
      p = Phdr{};
    }
  // Its bytes are cleared only where nothing else is.
  if (!own_segment || note.type == SHT_NOBITS || !util::in_bounds(note.offset, note.size, img.data.size())) return;
  for (std::size_t i = 0; i < img.sh.size(); ++i)
    if (static_cast<int>(i) != k && img.sh[i].type != SHT_NOBITS && img.sh[i].size &&
        img.sh[i].offset < note.offset + note.size && note.offset < img.sh[i].offset + img.sh[i].size)
      return;
  std::uint8_t* p = ov.region(note.offset, note.size);
  std::fill(p, p + note.size, 0);
}

util::Result<FileEdit> plan_resolution_note(const Image& img, const EditPlan& plan) {
  const Codec& c = img.c;
  auto names = section_names(img);
  if (img.sh.empty() || !names) return make_error(img.name, ": no section headers to name the resolution cache note in");
  if (find_section(img, kResolutionNoteSection) >= 0)
    return make_error(img.name, ": a resolution cache note is already present");
  std::vector<std::size_t> free;
  for (std::size_t i = 0; i < img.ph.size(); ++i)
    if (img.ph[i].type == PT_NULL) free.push_back(i);
  if (free.size() < 2) return make_error(img.name, ": internal error: no free program header slots for the note");

  const std::uint64_t page = page_size_for(img, plan.page_size);
  std::uint64_t max_end = 0;
  for (const auto& p : img.ph)
    if (p.type == PT_LOAD) max_end = std::max(max_end, p.vaddr + p.memsz);  // checked in read_headers
  const std::uint64_t note_off = align_up(img.data.size(), page);
  const std::uint64_t note_addr = align_up(max_end, page) + page;  // a guard page after the last segment
  if (note_addr < max_end) return make_error(img.name, ": no address space left for the note");

  FileEdit fe;
  fe.keep = img.data.size();
  fe.tail_offset = note_off;
  fe.tail = note_bytes(img, *plan.resolution_note);
  const std::uint64_t note_size = fe.tail.size();

  // The section name: reused when the table has it (a retired note's), else
  // a copy of the table with it appended goes after the note.
  std::vector<Shdr> sh = img.sh;
  std::uint64_t shstrndx = img.eh.shstrndx == SHN_XINDEX ? img.sh[0].link : img.eh.shstrndx;
  auto name_off = string_offset(*names, kResolutionNoteSection);
  if (!name_off) {
    name_off = names->size();
    sh[shstrndx].offset = note_off + fe.tail.size();
    sh[shstrndx].size = names->size() + std::strlen(kResolutionNoteSection) + 1;
    fe.tail.insert(fe.tail.end(), names->begin(), names->end());
    fe.tail.insert(fe.tail.end(), kResolutionNoteSection, kResolutionNoteSection + std::strlen(kResolutionNoteSection) + 1);
  }
  Shdr note{static_cast<std::uint32_t>(*name_off), SHT_NOTE, SHF_ALLOC, note_addr, note_off, note_size, 0, 0, 4, 0};
  auto inactive = std::find_if(sh.begin() + 1, sh.end(), [](const Shdr& s) { return s.type == SHT_NULL && s.name == 0 && s.size == 0; });
  if (inactive != sh.end()) *inactive = note;
  else sh.push_back(note);
  if (sh.size() >= SHN_LORESERVE) return make_error(img.name, ": too many sections to add the note");

  // The section header table moves behind it (it may have grown).
  Overlay ov(img.data);
  Ehdr eh = img.eh;
  const std::uint64_t sh_pos = align_up(fe.tail.size(), c.word);
  fe.tail.resize(sh_pos + sh.size() * c.shdr_size, 0);
  eh.shoff = note_off + sh_pos;
  eh.shnum = static_cast<std::uint16_t>(sh.size());
  for (std::size_t i = 0; i < sh.size(); ++i) c.put(fe.tail.data() + (eh.shoff - note_off) + i * c.shdr_size, sh[i]);

  // Program headers: the new PT_LOAD right after the last one (loads stay
  // sorted by address), the PT_NOTE last; the free slots they use go.
  std::vector<Phdr> ph;
  for (std::size_t i = 0; i < img.ph.size(); ++i)
    if (i != free[0] && i != free[1]) ph.push_back(img.ph[i]);
  std::size_t last_load = 0;
  for (std::size_t i = 0; i < ph.size(); ++i)
    if (ph[i].type == PT_LOAD) last_load = i + 1;
  ph.insert(ph.begin() + static_cast<std::ptrdiff_t>(last_load),
            Phdr{PT_LOAD, PF_R, note_off, note_addr, note_addr, note_size, note_size, page});
  ph.push_back(Phdr{PT_NOTE, PF_R, note_off, note_addr, note_addr, note_size, note_size, 4});
  std::uint8_t* php = ov.region(img.eh.phoff, ph.size() * c.phdr_size);
  for (std::size_t i = 0; i < ph.size(); ++i) c.put(php + i * c.phdr_size, ph[i]);
  std::uint8_t* ehp = ov.region(0, c.ehdr_size);
  c.put(ehp, eh);
  fe.patches = ov.patches(fe.keep);
  fe.layout_changed = true;
  return fe;
}

}  // namespace wheelfix::elf::rw
