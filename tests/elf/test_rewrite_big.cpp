// Big inputs: many dynamic symbols, and a file larger than 4 GiB (sparse,
// section headers past 4 GiB, so the added segment lands there too).
#include <catch.hpp>
#include <elf.h>
#include <fcntl.h>

#include <cstring>

#include "test_rewrite_support.hpp"

using namespace wheelfix;
using namespace rwtest;

TEST_CASE("library with many dynamic symbols", "[rewrite][big]") {
  std::string dir = scratch("many_symbols");
  std::string src;
  for (int i = 0; i < 6000; ++i) src += "int f_" + std::to_string(i) + "(void) { return " + std::to_string(i) + "; }\n";
  {
    std::ofstream out(dir + "/many.c");
    out << src;
  }
  std::string lib = dir + "/libmany.so";
  REQUIRE(run("gcc -shared -fPIC -o " + lib + " -Wl,-soname,libmany.so " + dir + "/many.c -lm") == 0);
  elf::EditPlan plan;
  plan.soname = "libmany-0badf00d-with-a-long-hashed-name.so";
  plan.replace_needed = {{"libm.so.6", "libm.so.6"}};
  plan.rpath_op = elf::RpathOp::set;
  plan.rpath = "$ORIGIN/../" + std::string(200, 'l');
  auto before = capture("readelf --dyn-syms -W " + lib + " | awk '{print $2, $3, $4, $5, $8}'");
  auto r = elf::rewrite(lib, plan);
  REQUIRE(r.ok());
  CHECK(r->layout_changed);
  CHECK(capture("readelf --dyn-syms -W " + lib + " | awk '{print $2, $3, $4, $5, $8}'") == before);
  CHECK(call_in_child(lib, "f_0") == 0);
  CHECK(call_in_child(lib, "f_5999") == 5999);
  CHECK(elflint(lib).empty());
}

TEST_CASE("file larger than 4 GiB", "[rewrite][big]") {
  auto f = build_fixtures("over_4g");
  REQUIRE(!f.dir.empty());
  // Move the section header table to 4.5 GiB; the file becomes sparse.
  auto bytes = read_all(f.libfix);
  Elf64_Ehdr eh;
  std::memcpy(&eh, bytes.data(), sizeof eh);
  REQUIRE(eh.e_ident[EI_CLASS] == ELFCLASS64);
  std::uint64_t new_shoff = (9ull << 29);  // 4.5 GiB
  std::vector<std::uint8_t> sht(bytes.begin() + static_cast<std::ptrdiff_t>(eh.e_shoff),
                                bytes.begin() + static_cast<std::ptrdiff_t>(eh.e_shoff + eh.e_shnum * sizeof(Elf64_Shdr)));
  eh.e_shoff = new_shoff;
  std::memcpy(bytes.data(), &eh, sizeof eh);
  std::string big = f.dir + "/libbig.so";
  {
    int fd = ::open(big.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0755);
    REQUIRE(fd >= 0);
    REQUIRE(::pwrite(fd, bytes.data(), bytes.size(), 0) == static_cast<ssize_t>(bytes.size()));
    REQUIRE(::pwrite(fd, sht.data(), sht.size(), static_cast<off_t>(new_shoff)) == static_cast<ssize_t>(sht.size()));
    ::close(fd);
  }
  REQUIRE(file_size(big) > (4ull << 30));
  elf::EditPlan plan;
  plan.soname = "libbig-" + std::string(60, 'b') + ".so";
  plan.rpath_op = elf::RpathOp::set;
  plan.rpath = "$ORIGIN:/opt/" + std::string(60, 'o');
  auto r = elf::rewrite(big, plan);
  INFO((r.ok() ? std::string() : r.error().message));
  REQUIRE(r.ok());
  CHECK(r->layout_changed);
  CHECK(r->new_size > (4ull << 30) + sht.size());
  CHECK(r->new_size - r->old_size < 8192);
  auto info = elf::parse_file(big);
  REQUIRE(info.ok());
  CHECK(info->soname == plan.soname);
  CHECK(capture("readelf -lW " + big + " | grep -c ' LOAD .*0x1[0-9a-f]\\{8\\} '") == "1\n");  // offset > 4 GiB
  CHECK(call_in_child(big, "fix_value") == 42);
  fs::remove(big);
}
