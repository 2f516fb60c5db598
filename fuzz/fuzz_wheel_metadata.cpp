// libFuzzer target: the .dist-info text parsers (WHEEL, METADATA, the RFC
// 822 headers under them, RECORD) and wheel file names, on the same bytes.
// Properties: no crash or sanitizer report; what parses survives a write
// and re-parse unchanged (RECORD rows, header fields, file names).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "wheelfix/wheel/metadata.hpp"
#include "wheelfix/wheel/record.hpp"
#include "wheelfix/wheel/wheel_filename.hpp"

using namespace wheelfix;

namespace {

void headers_round_trip(std::string_view text) {
  auto h = wheel::Headers::parse(text, "METADATA");
  if (!h) return;
  auto again = wheel::Headers::parse(h->to_string(), "METADATA");
  if (!again) fuzz::violated("written headers do not parse: " + again.error().message);
  if (again->fields.size() != h->fields.size()) fuzz::violated("header field count changed by a write");
  for (std::size_t i = 0; i < h->fields.size(); ++i)
    if (again->fields[i].name != h->fields[i].name || again->fields[i].value != h->fields[i].value)
      fuzz::violated("header field " + h->fields[i].name + " changed by a write");
}

void record_round_trip(std::string_view text) {
  auto rows = wheel::parse_record(text, "RECORD");
  if (!rows) return;
  const std::string written = wheel::format_record(*rows);
  auto again = wheel::parse_record(written, "RECORD");
  if (!again) fuzz::violated("written RECORD does not parse: " + again.error().message);
  if (*again != *rows) fuzz::violated("RECORD rows changed by a write");
}

void wheel_info(std::string_view text) {
  auto w = wheel::WheelInfo::parse(text, "WHEEL");
  if (!w) return;
  auto tags = w->tags;
  w->set_tags({"py3-none-manylinux_2_17_x86_64", "py3-none-manylinux2014_x86_64"});
  auto again = wheel::WheelInfo::parse(w->to_string(), "WHEEL");
  if (!again) fuzz::violated("retagged WHEEL does not parse: " + again.error().message);
  if (again->tags != w->tags) fuzz::violated("retagged WHEEL lost its tags");
}

void filename(std::string_view text) {
  auto f = wheel::WheelFilename::parse(text);
  if (!f) return;
  (void)f->tags();
  (void)wheel::normalize_project_name(f->distribution);
  auto again = wheel::WheelFilename::parse(f->to_string());
  if (!again) fuzz::violated("written file name does not parse: " + again.error().message);
  if (again->to_string() != f->to_string()) fuzz::violated("file name changed by a write");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  headers_round_trip(text);
  record_round_trip(text);
  wheel_info(text);
  (void)wheel::Metadata::parse(text, "METADATA");
  (void)wheel::WheelTag::parse(text);
  if (size < 512) filename(text);
  return 0;
}
