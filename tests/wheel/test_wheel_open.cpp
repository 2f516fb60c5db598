// Wheel::open on wheels built by Python's zipfile at test time, and RECORD
// verification against archive content.
#include <catch.hpp>

#include "wheel/test_support.hpp"
#include "wheelfix/util/hash.hpp"
#include "wheelfix/wheel/wheel.hpp"
#include "wheelfix/wheel/zip_writer.hpp"

using namespace wheel_test;
using namespace wheelfix::wheel;

namespace {

// Python that defines make_wheel(path, files, dist_info, record_fix=None):
// writes `files` (name -> bytes) then a correct RECORD unless `record` given.
const char* kMakeWheel = R"(import base64, hashlib, zipfile
def h(data):
    return 'sha256=' + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()
def make_wheel(path, files, dist_info, record=None):
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as z:
        rows = []
        for name, data in files.items():
            z.writestr(name, data)
            rows.append('%s,%s,%d' % (name, h(data), len(data)))
        rows.append(dist_info + '/RECORD,,')
        z.writestr(dist_info + '/RECORD', record if record is not None else '\n'.join(rows) + '\n')
WHEEL = b'Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: false\nTag: cp311-cp311-linux_x86_64\n'
META = b'Metadata-Version: 2.1\nName: Foo.Bar\nVersion: 1.0\nRequires-Python: >=3.9\n'
def std(di='foo_bar-1.0.dist-info'):
    return {'foo_bar/__init__.py': b'', 'foo_bar/_ext.so': b'\x7fELF' + bytes(5000),
            di + '/WHEEL': WHEEL, di + '/METADATA': META}
)";

std::string open_error(const std::string& path) {
  auto w = Wheel::open(path);
  return w.ok() ? std::string() : w.error().message;
}

}  // namespace

TEST_CASE("a valid wheel opens with its metadata") {
  TempDir dir;
  REQUIRE(python(dir, std::string(kMakeWheel) +
                          "make_wheel('Foo.Bar-1.0-cp311-cp311-linux_x86_64.whl', std(), 'foo_bar-1.0.dist-info')\n") == 0);
  auto w = Wheel::open(dir / "Foo.Bar-1.0-cp311-cp311-linux_x86_64.whl");
  REQUIRE(w.ok());
  CHECK(w->dist_info() == "foo_bar-1.0.dist-info");
  CHECK(w->dist_info_file("RECORD") == "foo_bar-1.0.dist-info/RECORD");
  CHECK(w->filename().distribution == "Foo.Bar");
  CHECK(w->wheel_info().tags == std::vector<std::string>{"cp311-cp311-linux_x86_64"});
  CHECK_FALSE(w->wheel_info().root_is_purelib);
  CHECK(w->metadata().name == "Foo.Bar");
  CHECK(w->metadata().requires_python == ">=3.9");
  CHECK(w->record().size() == 5);
  CHECK(w->verify_record().empty());
  CHECK(w->zip().entries().size() == 5);
}

TEST_CASE("wheel-level problems are refused with the wheel's path") {
  TempDir dir;
  const std::string ok_name = "foo_bar-1.0-cp311-cp311-linux_x86_64.whl";
  REQUIRE(python(dir, std::string(kMakeWheel) + R"(
n = 'foo_bar-1.0-cp311-cp311-linux_x86_64.whl'
import os
for sub in ['none', 'two', 'mismatch', 'version', 'nowheel', 'nometa', 'badwheel', 'badrecord', 'dashes']:
    os.mkdir(sub)
f = std(); [f.pop(k) for k in list(f) if 'dist-info' in k]
make_wheel('none/' + n, f, 'foo_bar')
f = std(); f['other-2.0.dist-info/METADATA'] = b''
make_wheel('two/' + n, f, 'foo_bar-1.0.dist-info')
make_wheel('mismatch/' + n, std('baz-1.0.dist-info'), 'baz-1.0.dist-info')
make_wheel('version/' + n, std('foo_bar-1.1.dist-info'), 'foo_bar-1.1.dist-info')
f = std(); f.pop('foo_bar-1.0.dist-info/WHEEL')
make_wheel('nowheel/' + n, f, 'foo_bar-1.0.dist-info')
f = std(); f.pop('foo_bar-1.0.dist-info/METADATA')
make_wheel('nometa/' + n, f, 'foo_bar-1.0.dist-info')
f = std(); f['foo_bar-1.0.dist-info/WHEEL'] = b'Wheel-Version: 2.0\nRoot-Is-Purelib: false\n'
make_wheel('badwheel/' + n, f, 'foo_bar-1.0.dist-info')
make_wheel('badrecord/' + n, std(), 'foo_bar-1.0.dist-info', record='a,b\n')
make_wheel('dashes/' + n, std('foo-bar-1.0.dist-info'), 'foo-bar-1.0.dist-info')
make_wheel('FOO_BAR-1.0-cp311-cp311-linux_x86_64.whl', std(), 'foo_bar-1.0.dist-info')
make_wheel('notawheel.zip', std(), 'foo_bar-1.0.dist-info')
)") == 0);
  auto at = [&](const std::string& sub) { return dir / (sub + "/" + ok_name); };
  CHECK(open_error(at("none")) == at("none") + ": no .dist-info folder");
  CHECK(open_error(at("two")) ==
        at("two") + ": more than one .dist-info folder (foo_bar-1.0.dist-info, other-2.0.dist-info)");
  CHECK(open_error(at("mismatch")) == at("mismatch") + ": baz-1.0.dist-info does not match the file name (foo_bar-1.0)");
  CHECK(open_error(at("version")) == at("version") + ": foo_bar-1.1.dist-info does not match the file name (foo_bar-1.0)");
  CHECK(open_error(at("nowheel")) == at("nowheel") + ": missing foo_bar-1.0.dist-info/WHEEL");
  CHECK(open_error(at("nometa")) == at("nometa") + ": missing foo_bar-1.0.dist-info/METADATA");
  CHECK(open_error(at("badwheel")) ==
        at("badwheel") + ": foo_bar-1.0.dist-info/WHEEL: Wheel-Version 2.0 is not supported (the major version must be 1)");
  CHECK(open_error(at("badrecord")) ==
        at("badrecord") + ": foo_bar-1.0.dist-info/RECORD: line 1: expected 3 fields (path,hash,size), got 2");
  CHECK(open_error(at("dashes")) ==
        at("dashes") + ": foo-bar-1.0.dist-info is not named {distribution}-{version}.dist-info");
  // Case differences between the file name and the folder are fine.
  CHECK(open_error(dir / "FOO_BAR-1.0-cp311-cp311-linux_x86_64.whl") == "");
  CHECK(open_error(dir / "notawheel.zip") == dir / "notawheel.zip: a wheel file name must end with .whl");
}

TEST_CASE("oversized .dist-info text files are refused before they are read") {
  TempDir dir;
  const std::string n = "foo_bar-1.0-cp311-cp311-linux_x86_64.whl";
  // pad(size): text of `size` bytes in lines that deflate about 100:1, so
  // the archive stays small and under the compression ratio limit.
  REQUIRE(python(dir, std::string(kMakeWheel) + R"(
import os, random
n = ')" + n + R"('
line = random.Random(5).randbytes(400).hex().encode() + b'\n'
def pad(size):
    return (line * (size // len(line) + 1))[:size]
di = 'foo_bar-1.0.dist-info'
cases = {'meta': (di + '/METADATA', META + b'\n' + pad(8 << 20)),
         'wheel': (di + '/WHEEL', WHEEL + b'X-Pad: ' + pad(8 << 20)),
         'entry': (di + '/entry_points.txt', b'[console_scripts]\n' + pad(8 << 20)),
         'okmeta': (di + '/METADATA', (META + b'\n' + pad(8 << 20))[:8 << 20])}
for sub, (member, data) in cases.items():
    os.mkdir(sub)
    f = std(); f[member] = data
    make_wheel(sub + '/' + n, f, di)
os.mkdir('record')
make_wheel('record/' + n, std(), di, record=pad((32 << 20) + 1))
)") == 0);
  auto at = [&](const std::string& sub) { return dir / (sub + "/" + n); };
  auto over = [&](const std::string& sub, const std::string& member, std::uint64_t size, std::uint64_t limit) {
    return at(sub) + ": foo_bar-1.0.dist-info/" + member + ": " + std::to_string(size) + " bytes is over the limit of " +
           std::to_string(limit) + " bytes for this file";
  };
  const std::uint64_t meta_size = 8 << 20;
  CHECK(kMaxMetadataFileSize == 8 << 20);
  CHECK(kMaxRecordFileSize == 32 << 20);
  CHECK(open_error(at("meta")) == over("meta", "METADATA", 72 + 1 + meta_size, meta_size));
  CHECK(open_error(at("wheel")) == over("wheel", "WHEEL", 88 + 7 + meta_size, meta_size));
  CHECK(open_error(at("entry")) == over("entry", "entry_points.txt", 18 + meta_size, meta_size));
  CHECK(open_error(at("record")) == over("record", "RECORD", (32 << 20) + 1, 32 << 20));
  // At the limit: accepted.
  CHECK(open_error(at("okmeta")) == "");
}

TEST_CASE("RECORD verification reports every mismatch") {
  TempDir dir;
  REQUIRE(python(dir, std::string(kMakeWheel) + R"(
di = 'foo_bar-1.0.dist-info'
f = std()
rows = ['foo_bar/__init__.py,%s,1' % h(b''),
        'foo_bar/_ext.so,%s,%d' % (h(b'other'), len(f['foo_bar/_ext.so'])),
        di + '/WHEEL,,',
        di + '/METADATA,md5=abc,10',
        'foo_bar/gone.py,%s,0' % h(b''),
        'foo_bar/gone.py,%s,0' % h(b''),
        di + '/RECORD,,']
f['foo_bar/extra.py'] = b'x = 1\n'
f[di + '/RECORD.jws'] = b'{}'
make_wheel('foo_bar-1.0-py3-none-any.whl', f, di, record='\n'.join(rows) + '\n')
)") == 0);
  auto w = Wheel::open(dir / "foo_bar-1.0-py3-none-any.whl");
  REQUIRE(w.ok());
  auto m = w->verify_record();
  std::vector<RecordMismatch> expected{
      {"foo_bar/gone.py", "listed more than once in RECORD"},
      {"foo_bar/__init__.py", "size 0 does not match RECORD's 1"},
      {"foo_bar/_ext.so", "hash " + record_hash(wheelfix::util::as_bytes(std::string("\x7f" "ELF") + std::string(5000, '\0'))) +
                              " does not match RECORD's " + record_hash(wheelfix::util::as_bytes(std::string("other")))},
      {"foo_bar-1.0.dist-info/WHEEL", "RECORD has no hash for it"},
      {"foo_bar-1.0.dist-info/METADATA", "unsupported hash 'md5' in RECORD"},
      {"foo_bar/extra.py", "not listed in RECORD"},
      {"foo_bar/gone.py", "listed in RECORD but not in the archive"},
      {"foo_bar/gone.py", "listed in RECORD but not in the archive"},
  };
  CHECK(m == expected);
}

TEST_CASE("a wheel rewritten by ZipWriter with a regenerated RECORD verifies") {
  TempDir dir;
  REQUIRE(python(dir, std::string(kMakeWheel) +
                          "make_wheel('foo_bar-1.0-cp311-cp311-linux_x86_64.whl', std(), 'foo_bar-1.0.dist-info')\n") == 0);
  auto in = Wheel::open(dir / "foo_bar-1.0-cp311-cp311-linux_x86_64.whl");
  REQUIRE(in.ok());
  WheelInfo info = in->wheel_info();
  info.set_tags({"cp311-cp311-manylinux_2_17_x86_64"});
  std::string wheel_text = info.to_string();
  std::string out_path = dir / "foo_bar-1.0-cp311-cp311-manylinux_2_17_x86_64.whl";
  auto w = ZipWriter::create(out_path, {});
  REQUIRE(w.ok());
  std::vector<RecordRow> rows;
  const std::string wheel_file = in->dist_info_file("WHEEL"), record_file = in->dist_info_file("RECORD");
  for (const auto& e : in->zip().entries()) {
    if (e.name == record_file) continue;
    if (e.name == wheel_file) {
      REQUIRE(w->add_bytes(e.name, wheelfix::util::as_bytes(wheel_text)).ok());
      rows.push_back(record_row(e.name, wheelfix::util::as_bytes(wheel_text)));
      continue;
    }
    REQUIRE(w->add_raw(in->zip(), e).ok());
    auto data = in->zip().read(e);
    REQUIRE(data.ok());
    rows.push_back(record_row(e.name, wheelfix::util::Bytes(data->data(), data->size())));
  }
  rows.push_back(RecordRow{record_file, "", std::nullopt});
  std::string record = format_record(rows);
  REQUIRE(w->add_bytes(record_file, wheelfix::util::as_bytes(record)).ok());
  REQUIRE(w->commit().ok());
  auto out = Wheel::open(out_path);
  REQUIRE(out.ok());
  CHECK(out->verify_record().empty());
  CHECK(out->wheel_info().tags == std::vector<std::string>{"cp311-cp311-manylinux_2_17_x86_64"});
  // pip installs it (offline, into a folder).
  CHECK(run("python3 -m pip install -q --no-deps --no-index --disable-pip-version-check --target '" +
            dir / "site" + "' '" + out_path + "' > /dev/null 2>&1") == 0);
  CHECK(read_file(dir / "site/foo_bar/_ext.so").size() == 5004);
}
