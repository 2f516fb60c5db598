// RPATH entries relative to $ORIGIN: which wheel folder an entry names, and
// the entry that leads from one folder to another.
#include <catch.hpp>

#include "wheelfix/repair/repair.hpp"

using wheelfix::repair::origin_entry;
using wheelfix::repair::origin_entry_folder;

TEST_CASE("an $ORIGIN entry names the wheel folder it leads to", "[naming]") {
  CHECK(origin_entry_folder("pkg", "$ORIGIN/lib") == "pkg/lib");
  CHECK(origin_entry_folder("pkg", "${ORIGIN}/lib/") == "pkg/lib");
  CHECK(origin_entry_folder("pkg/lib", "$ORIGIN") == "pkg/lib");
  CHECK(origin_entry_folder("pkg/lib", "$ORIGIN/") == "pkg/lib");
  CHECK(origin_entry_folder("pkg/lib", "$ORIGIN/../../pkg.libs") == "pkg.libs");
  CHECK(origin_entry_folder("pkg", "$ORIGIN/..") == "");  // the wheel root
  CHECK(origin_entry_folder("", "$ORIGIN/./sub/../lib") == "lib");
}

TEST_CASE("entries that are not $ORIGIN-relative or leave the wheel name no folder", "[naming]") {
  CHECK_FALSE(origin_entry_folder("pkg", "/usr/lib"));
  CHECK_FALSE(origin_entry_folder("pkg", "lib"));  // relative to the working directory
  CHECK_FALSE(origin_entry_folder("pkg", ""));
  CHECK_FALSE(origin_entry_folder("pkg", "$ORIGIN/../.."));
  CHECK_FALSE(origin_entry_folder("", "$ORIGIN/../nvidia/lib"));
  CHECK_FALSE(origin_entry_folder("pkg", "$ORIGINAL/lib"));  // another token
}

TEST_CASE("the entry from one folder to another", "[naming]") {
  CHECK(origin_entry("pkg/lib", "pkg/lib") == "$ORIGIN");
  CHECK(origin_entry("pkg", "pkg/lib") == "$ORIGIN/lib");
  CHECK(origin_entry("pkg/lib", "pkg.libs") == "$ORIGIN/../../pkg.libs");
  CHECK(origin_entry("pkg.libs", "pkg/lib") == "$ORIGIN/../pkg/lib");
  CHECK(origin_entry("", "pkg.libs") == "$ORIGIN/pkg.libs");
  CHECK(origin_entry("pkg", "") == "$ORIGIN/..");
  // Round trip: the entry names the folder it was made for.
  CHECK(origin_entry_folder("a/b", origin_entry("a/b", "c/d")) == "c/d");
}
