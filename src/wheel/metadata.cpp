#include "wheelfix/wheel/metadata.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "wheelfix/util/strings.hpp"
#include "wheelfix/wheel/wheel_filename.hpp"

namespace wheelfix::wheel {

using util::iequals;
using util::make_error;

namespace {


// "1.0" -> (1, 0); nullopt unless two dot-separated decimal numbers.
std::optional<std::pair<int, int>> parse_version(std::string_view v) {
  auto dot = v.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  int major = 0, minor = 0;
  auto a = std::from_chars(v.data(), v.data() + dot, major);
  auto b = std::from_chars(v.data() + dot + 1, v.data() + v.size(), minor);
  if (dot == 0 || a.ptr != v.data() + dot || a.ec != std::errc() || b.ptr != v.data() + v.size() ||
      b.ec != std::errc() || dot + 1 == v.size()) {
    return std::nullopt;
  }
  return std::make_pair(major, minor);
}

}  // namespace

util::Result<Headers> Headers::parse(std::string_view text, std::string_view where) {
  Headers h;
  std::size_t pos = 0, line_no = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    std::size_t next = nl == std::string_view::npos ? text.size() : nl + 1;
    std::string_view line = text.substr(pos, next - pos);
    ++line_no;
    if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
    // Every trailing CR: stripping only one made "x\r\r" lose a CR per write.
    while (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = next;
    if (line.empty()) {
      h.body = std::string(text.substr(pos));
      break;
    }
    if (line.front() == ' ' || line.front() == '\t') {
      if (h.fields.empty()) {
        return make_error(std::string(where), ": line ", std::to_string(line_no), ": continuation line before any field");
      }
      std::string& value = h.fields.back().value;
      value += '\n';
      value.append(line);
      continue;
    }
    auto colon = line.find(':');
    std::string_view name = colon == std::string_view::npos ? std::string_view() : util::trim(line.substr(0, colon));
    if (name.empty() || name.find_first_of(" \t") != std::string_view::npos) {
      return make_error(std::string(where), ": line ", std::to_string(line_no), ": expected 'Name: value'");
    }
    h.fields.push_back(HeaderField{std::string(name), std::string(util::trim(line.substr(colon + 1)))});
  }
  return h;
}

const std::string* Headers::get(std::string_view name) const {
  for (const auto& f : fields) {
    if (iequals(f.name, name)) return &f.value;
  }
  return nullptr;
}

std::vector<std::string> Headers::get_all(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& f : fields) {
    if (iequals(f.name, name)) out.push_back(f.value);
  }
  return out;
}

void Headers::set(std::string_view name, std::string value) {
  auto it = std::find_if(fields.begin(), fields.end(), [&](const HeaderField& f) { return iequals(f.name, name); });
  if (it == fields.end()) {
    fields.push_back(HeaderField{std::string(name), std::move(value)});
    return;
  }
  it->value = std::move(value);
  auto first = it - fields.begin();
  fields.erase(std::remove_if(fields.begin() + first + 1, fields.end(),
                              [&](const HeaderField& f) { return iequals(f.name, name); }),
               fields.end());
}

std::size_t Headers::remove(std::string_view name) {
  auto before = fields.size();
  fields.erase(std::remove_if(fields.begin(), fields.end(), [&](const HeaderField& f) { return iequals(f.name, name); }),
               fields.end());
  return before - fields.size();
}

std::string Headers::to_string() const {
  std::string out;
  for (const auto& f : fields) out += f.name + ": " + f.value + "\n";
  if (!body.empty()) out += "\n" + body;
  return out;
}

util::Result<WheelInfo> WheelInfo::parse(std::string_view text, std::string_view where) {
  const std::string w(where);
  WheelInfo info;
  WF_TRY(info.headers, Headers::parse(text, where));
  std::vector<std::string> seen;
  for (const auto& f : info.headers.fields) {
    std::string key = util::ascii_lower(f.name);
    if (key != "tag" && std::find(seen.begin(), seen.end(), key) != seen.end()) {
      return make_error(w, ": key '", f.name, "' appears more than once");
    }
    seen.push_back(key);
  }
  const std::string* version = info.headers.get("Wheel-Version");
  if (!version) return make_error(w, ": missing Wheel-Version");
  auto v = parse_version(*version);
  if (!v) return make_error(w, ": malformed Wheel-Version '", *version, "'");
  if (v->first != 1) {
    return make_error(w, ": Wheel-Version ", *version, " is not supported (the major version must be 1)");
  }
  info.version_major = v->first;
  info.version_minor = v->second;
  const std::string* purelib = info.headers.get("Root-Is-Purelib");
  if (!purelib) return make_error(w, ": missing Root-Is-Purelib");
  if (iequals(*purelib, "true")) {
    info.root_is_purelib = true;
  } else if (!iequals(*purelib, "false")) {
    return make_error(w, ": Root-Is-Purelib must be true or false, not '", *purelib, "'");
  }
  info.tags = info.headers.get_all("Tag");
  for (const auto& t : info.tags) {
    if (!WheelTag::parse(t)) return make_error(w, ": bad Tag '", t, "' (expected python-abi-platform)");
  }
  if (const std::string* build = info.headers.get("Build")) info.build = *build;
  return info;
}

void WheelInfo::set_tags(const std::vector<std::string>& new_tags) {
  auto& f = headers.fields;
  auto first = std::find_if(f.begin(), f.end(), [](const HeaderField& h) { return iequals(h.name, "Tag"); });
  std::size_t at = static_cast<std::size_t>(first - f.begin());
  headers.remove("Tag");
  std::vector<HeaderField> lines;
  for (const auto& t : new_tags) lines.push_back(HeaderField{"Tag", t});
  f.insert(f.begin() + static_cast<std::ptrdiff_t>(std::min(at, f.size())), lines.begin(), lines.end());
  tags = new_tags;
}

util::Result<Metadata> Metadata::parse(std::string_view text, std::string_view where) {
  const std::string w(where);
  Metadata m;
  WF_TRY(m.headers, Headers::parse(text, where));
  const std::string* name = m.headers.get("Name");
  const std::string* version = m.headers.get("Version");
  if (!name || name->empty()) return make_error(w, ": missing Name");
  if (!version || version->empty()) return make_error(w, ": missing Version");
  m.name = *name;
  m.version = *version;
  if (const std::string* rp = m.headers.get("Requires-Python")) m.requires_python = *rp;
  return m;
}

}  // namespace wheelfix::wheel
