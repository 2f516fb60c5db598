// Wheel::open on a path that does not exist: "no such file", checked before
// the file name (an unexpanded shell glob is not a badly named wheel).
#include <catch.hpp>

#include "wheel/test_support.hpp"
#include "wheelfix/wheel/wheel.hpp"

using namespace wheelfix::wheel;

TEST_CASE("a missing file is reported as missing, whatever its name") {
  wheel_test::TempDir dir;
  for (std::string name : {"privlib*.whl", "foo-1.0-py3-none-any.whl", "notawheel.zip"}) {
    auto w = Wheel::open(dir / name);
    REQUIRE_FALSE(w.ok());
    CHECK(w.error().message == dir / name + ": no such file");
  }
  auto in_missing_dir = Wheel::open(dir / "nodir/foo-1.0-py3-none-any.whl");
  REQUIRE_FALSE(in_missing_dir.ok());
  CHECK(in_missing_dir.error().message == dir / "nodir/foo-1.0-py3-none-any.whl: no such file");
  // A file that exists is still judged by its name first.
  wheel_test::write_file(dir / "bad.whl", "x");
  auto bad = Wheel::open(dir / "bad.whl");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message.find("'-'-separated fields") != std::string::npos);
}
