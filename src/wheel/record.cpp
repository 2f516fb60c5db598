#include "wheelfix/wheel/record.hpp"

#include <charconv>
#include <map>

#include "wheelfix/util/hash.hpp"
#include "wheelfix/util/strings.hpp"

namespace wheelfix::wheel {

using util::make_error;

namespace {

// Splits CSV text into rows of fields; `lines` gets each row's first line.
util::Result<std::vector<std::vector<std::string>>> split_csv(std::string_view text, std::string_view where,
                                                              std::vector<std::size_t>& lines) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, field_started = false;
  std::size_t line = 1, row_line = 1;
  auto end_row = [&] {
    if (field_started || !row.empty()) {
      row.push_back(std::move(field));
      rows.push_back(std::move(row));
      lines.push_back(row_line);
    }
    row.clear();
    field.clear();
    field_started = false;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        if (c == '\n') ++line;
        field += c;
      }
      continue;
    }
    if (c == '"' && field.empty()) {
      quoted = field_started = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
      field_started = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      end_row();
      row_line = ++line;
    } else {
      field += c;
      field_started = true;
    }
  }
  if (quoted) return make_error(std::string(where), ": line ", std::to_string(row_line), ": unclosed quote");
  end_row();
  return rows;
}

std::string quote_csv(const std::string& field) {
  if (field.find_first_of(",\"\r\n") == std::string::npos) return field;
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

util::Result<std::vector<RecordRow>> parse_record(std::string_view text, std::string_view where) {
  std::vector<std::size_t> lines;
  WF_TRY(auto rows, split_csv(text, where, lines));
  std::vector<RecordRow> out;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    auto& r = rows[i];
    const std::string at = std::string(where) + ": line " + std::to_string(lines[i]) + ": ";
    if (r.size() != 3) {
      return make_error(at, "expected 3 fields (path,hash,size), got ", std::to_string(r.size()));
    }
    if (r[0].empty()) return make_error(at, "empty path");
    RecordRow row{std::move(r[0]), std::move(r[1]), std::nullopt};
    if (!r[2].empty()) {
      std::uint64_t size = 0;
      auto [end, ec] = std::from_chars(r[2].data(), r[2].data() + r[2].size(), size);
      if (ec != std::errc() || end != r[2].data() + r[2].size()) return make_error(at, "bad size '", r[2], "'");
      row.size = size;
    }
    out.push_back(std::move(row));
  }
  return out;
}

std::string format_record(const std::vector<RecordRow>& rows) {
  std::string out;
  for (const auto& r : rows) {
    out += quote_csv(r.path) + "," + quote_csv(r.hash) + ",";
    if (r.size) out += std::to_string(*r.size);
    out += "\n";
  }
  return out;
}

std::string record_hash(util::Bytes data) {
  auto digest = util::sha256(data);
  return "sha256=" + util::to_urlsafe_b64_nopad(util::as_bytes(digest));
}

RecordRow record_row(std::string path, util::Bytes data) {
  return RecordRow{std::move(path), record_hash(data), data.size()};
}

bool is_record_signature(std::string_view name, std::string_view record_path) {
  return name.size() == record_path.size() + 4 && util::starts_with(name, record_path) &&
         (util::ends_with(name, ".jws") || util::ends_with(name, ".p7s"));
}

std::vector<RecordMismatch> verify_record(const std::vector<RecordRow>& rows, const ZipReader& zip,
                                          std::string_view record_path) {
  std::vector<RecordMismatch> out;
  std::map<std::string_view, const RecordRow*> listed;
  for (const auto& r : rows) {
    if (!listed.emplace(r.path, &r).second) out.push_back({r.path, "listed more than once in RECORD"});
  }
  for (const auto& e : zip.entries()) {
    if (e.is_directory() || e.name == record_path || is_record_signature(e.name, record_path)) continue;
    auto it = listed.find(e.name);
    if (it == listed.end()) {
      out.push_back({e.name, "not listed in RECORD"});
      continue;
    }
    const RecordRow& row = *it->second;
    if (row.hash.empty()) {
      out.push_back({e.name, "RECORD has no hash for it"});
      continue;
    }
    if (!util::starts_with(row.hash, "sha256=")) {
      out.push_back({e.name, "unsupported hash '" + row.hash.substr(0, row.hash.find('=')) + "' in RECORD"});
      continue;
    }
    auto data = zip.read(e);
    if (!data) {
      out.push_back({e.name, data.error().message});
      continue;
    }
    std::string actual = record_hash(util::Bytes(data->data(), data->size()));
    if (actual != row.hash) out.push_back({e.name, "hash " + actual + " does not match RECORD's " + row.hash});
    if (!row.size) {
      out.push_back({e.name, "RECORD has no size for it"});
    } else if (*row.size != data->size()) {
      out.push_back({e.name, "size " + std::to_string(data->size()) + " does not match RECORD's " +
                                 std::to_string(*row.size)});
    }
  }
  for (const auto& r : rows) {
    if (r.path != record_path && !zip.find(r.path)) out.push_back({r.path, "listed in RECORD but not in the archive"});
  }
  return out;
}

}  // namespace wheelfix::wheel
