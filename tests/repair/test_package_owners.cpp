// PackageOwners reads a dpkg database once per run: a fake admin folder
// (info/*.list and status) stands in for /var/lib/dpkg.
#include <catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "repair/sbom.hpp"

namespace fs = std::filesystem;
using wheelfix::repair::PackageOwners;

namespace {

struct FakeDpkg {
  fs::path dir;
  FakeDpkg() {
    dir = fs::temp_directory_path() / ("wheelfix-dpkg-" + std::to_string(::getpid()) + "-" +
                                       std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    fs::create_directories(dir / "info");
  }
  ~FakeDpkg() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  void write(const std::string& rel, const std::string& text) const {
    std::ofstream(dir / rel, std::ios::binary) << text;
  }
};

const char* kStatus =
    "Package: zlib1g\n"
    "Status: install ok installed\n"
    "Architecture: amd64\n"
    "Multi-Arch: same\n"
    "Version: 1:1.2.13.dfsg-1\n"
    "Description: compression library\n"
    " a continuation line: Version: 9\n"
    "\n"
    "Package: libffi8\n"
    "Status: install ok installed\n"
    "Architecture: amd64\n"
    "Version: 3.4.4-1\n"
    "\n"
    "Package: libgone\n"
    "Status: deinstall ok config-files\n"
    "Architecture: amd64\n"
    "Version: 1.0-1\n";

}  // namespace

TEST_CASE("owners come from the .list files and the status file of the admin folder", "[sbom]") {
  FakeDpkg db;
  db.write("status", kStatus);
  db.write("info/zlib1g:amd64.list", "/.\n/usr\n/usr/lib/x86_64-linux-gnu\n/usr/lib/x86_64-linux-gnu/libz.so.1.2.13\n"
                                     "/usr/lib/x86_64-linux-gnu/libz.so.1\n");
  db.write("info/libffi8.list", "/usr/lib/x86_64-linux-gnu/libffi.so.8.1.2\n/usr/lib/x86_64-linux-gnu/libffi.so.8");
  db.write("info/zlib1g:amd64.md5sums", "/usr/lib/x86_64-linux-gnu/libffi.so.8.1.2\n");  // not a .list file
  PackageOwners owners(db.dir.string(), false, "debian");
  auto got = owners.find({"/usr/lib/x86_64-linux-gnu/libz.so.1", "/lib/x86_64-linux-gnu/libffi.so.8",
                          "/usr/lib/x86_64-linux-gnu/libz.so", "/usr/lib/x86_64-linux-gnu/libffi.so.8.1"});
  REQUIRE(got.size() == 4);
  REQUIRE(got[0]);
  CHECK(got[0]->manager == "dpkg");
  CHECK(got[0]->name == "zlib1g");
  CHECK(got[0]->version == "1:1.2.13.dfsg-1");  // not the continuation line's
  CHECK(got[0]->arch == "amd64");
  CHECK(got[0]->purl == "pkg:deb/debian/zlib1g@1%3A1.2.13.dfsg-1?arch=amd64");
  REQUIRE(got[1]);  // through the /usr-merged alias, last line without a line break
  CHECK(got[1]->name == "libffi8");
  CHECK(got[1]->purl == "pkg:deb/debian/libffi8@3.4.4-1?arch=amd64");
  CHECK_FALSE(got[2]);  // only whole lines match
  CHECK_FALSE(got[3]);
}

TEST_CASE("the database is read once for all lookups of a run", "[sbom]") {
  FakeDpkg db;
  db.write("status", kStatus);
  db.write("info/libffi8.list", "/usr/lib/x86_64-linux-gnu/libffi.so.8\n");
  PackageOwners owners(db.dir.string(), false, "debian");
  CHECK(owners.dpkg_reads() == 0);  // nothing read before the first lookup
  CHECK(owners.find({"/usr/lib/x86_64-linux-gnu/libffi.so.8"})[0]);
  // A package installed after the first read is not seen: the run keeps the snapshot it read.
  db.write("info/zlib1g:amd64.list", "/usr/lib/x86_64-linux-gnu/libz.so.1\n");
  CHECK_FALSE(owners.find({"/usr/lib/x86_64-linux-gnu/libz.so.1"})[0]);
  CHECK(owners.find({"/usr/lib/x86_64-linux-gnu/libffi.so.8"})[0]->name == "libffi8");
  CHECK(owners.dpkg_reads() == 1);
}

TEST_CASE("a file listed by a package the status file does not hold has no owner", "[sbom]") {
  FakeDpkg db;
  db.write("status", kStatus);
  db.write("info/libgone.list", "/usr/lib/libgone.so.1\n");  // in the status file, whatever its state
  db.write("info/stray.list", "/usr/lib/libstray.so.1\n");
  PackageOwners owners(db.dir.string(), false, "debian");
  auto got = owners.find({"/usr/lib/libgone.so.1", "/usr/lib/libstray.so.1"});
  REQUIRE(got[0]);
  CHECK(got[0]->name == "libgone");
  CHECK_FALSE(got[1]);
}

TEST_CASE("two packages listing one path: the first in name order owns it", "[sbom]") {
  FakeDpkg db;
  db.write("status", kStatus);
  db.write("info/zlib1g:amd64.list", "/usr/lib/shared.so\n");
  db.write("info/libffi8.list", "/usr/lib/shared.so\n");
  PackageOwners owners(db.dir.string(), false, "debian");
  auto got = owners.find({"/usr/lib/shared.so"});
  REQUIRE(got[0]);
  CHECK(got[0]->name == "libffi8");
}

TEST_CASE("without a dpkg database nothing is owned and nothing fails", "[sbom]") {
  FakeDpkg db;  // info/ but no status file
  db.write("info/libffi8.list", "/usr/lib/x86_64-linux-gnu/libffi.so.8\n");
  PackageOwners owners(db.dir.string(), false, "debian");
  CHECK_FALSE(owners.find({"/usr/lib/x86_64-linux-gnu/libffi.so.8"})[0]);
  CHECK(owners.dpkg_reads() == 0);
  PackageOwners missing((db.dir / "absent").string(), false, "debian");
  CHECK(missing.find({"/a", "/b"}).size() == 2);
}
