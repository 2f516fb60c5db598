// Conversion between on-disk ELF structures (types.hpp traits) and the
// rewriter's native copies. dispatch() is the only switch on class/order.
#include <cstring>

#include "elf/rewrite_internal.hpp"

namespace wheelfix::elf::rw {

namespace {

template <typename T>
T load(const std::uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

template <typename T>
void store(std::uint8_t* p, const T& v) {
  std::memcpy(p, &v, sizeof(T));
}

}  // namespace

Codec::Codec(ElfKind k) : kind(k) {
  if (k == ElfKind::Invalid) return;
  dispatch(k, [&]<typename E>() {
    is64 = E::is64;
    be = E::big_endian;
    ehdr_size = sizeof(typename E::Ehdr);
    phdr_size = sizeof(typename E::Phdr);
    shdr_size = sizeof(typename E::Shdr);
    dyn_size = sizeof(typename E::Dyn);
    sym_size = sizeof(typename E::Sym);
    word = sizeof(typename E::Word);
  });
}

std::uint16_t Codec::u16(const std::uint8_t* p) const {
  return dispatch(kind, [&]<typename E>() -> std::uint16_t { return load<typename E::U16>(p); });
}
std::uint32_t Codec::u32(const std::uint8_t* p) const {
  return dispatch(kind, [&]<typename E>() -> std::uint32_t { return load<typename E::U32>(p); });
}
std::uint64_t Codec::u64(const std::uint8_t* p) const {
  return dispatch(kind, [&]<typename E>() -> std::uint64_t { return load<typename E::U64>(p); });
}
void Codec::put16(std::uint8_t* p, std::uint16_t v) const {
  dispatch(kind, [&]<typename E>() { store(p, typename E::U16(v)); });
}
void Codec::put32(std::uint8_t* p, std::uint32_t v) const {
  dispatch(kind, [&]<typename E>() { store(p, typename E::U32(v)); });
}
void Codec::put64(std::uint8_t* p, std::uint64_t v) const {
  dispatch(kind, [&]<typename E>() { store(p, typename E::U64(v)); });
}

Ehdr Codec::ehdr(const std::uint8_t* p) const {
  return dispatch(kind, [&]<typename E>() {
    auto d = load<typename E::Ehdr>(p);
    Ehdr h{};
    std::memcpy(h.ident, d.e_ident, 16);
    h.type = d.e_type;
    h.machine = d.e_machine;
    h.version = d.e_version;
    h.entry = d.e_entry;
    h.phoff = d.e_phoff;
    h.shoff = d.e_shoff;
    h.flags = d.e_flags;
    h.ehsize = d.e_ehsize;
    h.phentsize = d.e_phentsize;
    h.phnum = d.e_phnum;
    h.shentsize = d.e_shentsize;
    h.shnum = d.e_shnum;
    h.shstrndx = d.e_shstrndx;
    return h;
  });
}

void Codec::put(std::uint8_t* p, const Ehdr& h) const {
  dispatch(kind, [&]<typename E>() {
    typename E::Ehdr d;
    std::memcpy(d.e_ident, h.ident, 16);
    d.e_type = h.type;
    d.e_machine = h.machine;
    d.e_version = h.version;
    d.e_entry = static_cast<typename E::Native>(h.entry);
    d.e_phoff = static_cast<typename E::Native>(h.phoff);
    d.e_shoff = static_cast<typename E::Native>(h.shoff);
    d.e_flags = h.flags;
    d.e_ehsize = h.ehsize;
    d.e_phentsize = h.phentsize;
    d.e_phnum = h.phnum;
    d.e_shentsize = h.shentsize;
    d.e_shnum = h.shnum;
    d.e_shstrndx = h.shstrndx;
    store(p, d);
  });
}

Phdr Codec::phdr(const std::uint8_t* p) const {
  return dispatch(kind, [&]<typename E>() {
    auto d = load<typename E::Phdr>(p);
    return Phdr{d.p_type, d.p_flags, d.p_offset, d.p_vaddr, d.p_paddr,
                d.p_filesz, d.p_memsz, d.p_align};
  });
}

void Codec::put(std::uint8_t* p, const Phdr& h) const {
  dispatch(kind, [&]<typename E>() {
    using N = typename E::Native;
    typename E::Phdr d;
    d.p_type = h.type;
    d.p_flags = h.flags;
    d.p_offset = static_cast<N>(h.offset);
    d.p_vaddr = static_cast<N>(h.vaddr);
    d.p_paddr = static_cast<N>(h.paddr);
    d.p_filesz = static_cast<N>(h.filesz);
    d.p_memsz = static_cast<N>(h.memsz);
    d.p_align = static_cast<N>(h.align);
    store(p, d);
  });
}

Shdr Codec::shdr(const std::uint8_t* p) const {
  return dispatch(kind, [&]<typename E>() {
    auto d = load<typename E::Shdr>(p);
    return Shdr{d.sh_name, d.sh_type, d.sh_flags, d.sh_addr, d.sh_offset,
                d.sh_size, d.sh_link, d.sh_info, d.sh_addralign, d.sh_entsize};
  });
}

void Codec::put(std::uint8_t* p, const Shdr& h) const {
  dispatch(kind, [&]<typename E>() {
    using N = typename E::Native;
    typename E::Shdr d;
    d.sh_name = h.name;
    d.sh_type = h.type;
    d.sh_flags = static_cast<N>(h.flags);
    d.sh_addr = static_cast<N>(h.addr);
    d.sh_offset = static_cast<N>(h.offset);
    d.sh_size = static_cast<N>(h.size);
    d.sh_link = h.link;
    d.sh_info = h.info;
    d.sh_addralign = static_cast<N>(h.addralign);
    d.sh_entsize = static_cast<N>(h.entsize);
    store(p, d);
  });
}

Dyn Codec::dyn(const std::uint8_t* p) const {
  return dispatch(kind, [&]<typename E>() {
    auto d = load<typename E::Dyn>(p);
    return Dyn{static_cast<std::int64_t>(d.d_tag), static_cast<std::uint64_t>(d.d_val)};
  });
}

void Codec::put(std::uint8_t* p, const Dyn& v) const {
  dispatch(kind, [&]<typename E>() {
    typename E::Dyn d;
    d.d_tag = static_cast<std::conditional_t<E::is64, std::int64_t, std::int32_t>>(v.tag);
    d.d_val = static_cast<typename E::Native>(v.val);
    store(p, d);
  });
}

Sym Codec::sym(const std::uint8_t* p) const {
  return dispatch(kind, [&]<typename E>() {
    auto d = load<typename E::Sym>(p);
    return Sym{d.st_name, d.st_info, d.st_other, d.st_shndx, d.st_value, d.st_size};
  });
}

void Codec::put(std::uint8_t* p, const Sym& s) const {
  dispatch(kind, [&]<typename E>() {
    using N = typename E::Native;
    typename E::Sym d;
    d.st_name = s.name;
    d.st_info = s.info;
    d.st_other = s.other;
    d.st_shndx = s.shndx;
    d.st_value = static_cast<N>(s.value);
    d.st_size = static_cast<N>(s.size);
    store(p, d);
  });
}

}  // namespace wheelfix::elf::rw
