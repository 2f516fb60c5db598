#include "wheelfix/wheel/wheel_filename.hpp"

#include <cctype>

#include "wheelfix/util/strings.hpp"

namespace wheelfix::wheel {

using util::make_error;

namespace {

bool all_of(std::string_view s, std::string_view extra) {
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && extra.find(c) == std::string_view::npos) return false;
  }
  return true;
}

// Splits a tag field on '.' and checks each tag.
util::Result<std::vector<std::string>> parse_tag_set(std::string_view name, std::string_view field,
                                                     const char* what) {
  auto tags = util::split(field, '.');
  for (const auto& t : tags) {
    if (t.empty() || !all_of(t, "_")) {
      return make_error(std::string(name), ": bad ", what, " tag '", std::string(field), "'");
    }
  }
  return tags;
}

}  // namespace

std::optional<WheelTag> WheelTag::parse(std::string_view text) {
  auto parts = util::split(text, '-');
  if (parts.size() != 3) return std::nullopt;
  for (const auto& p : parts) {
    if (p.empty() || !all_of(p, "_")) return std::nullopt;
  }
  return WheelTag{parts[0], parts[1], parts[2]};
}

util::Result<WheelFilename> WheelFilename::parse(std::string_view filename) {
  auto slash = filename.rfind('/');
  std::string_view name = slash == std::string_view::npos ? filename : filename.substr(slash + 1);
  const std::string n(name);
  if (!util::ends_with(name, ".whl")) return make_error(n, ": a wheel file name must end with .whl");
  auto parts = util::split(name.substr(0, name.size() - 4), '-');
  if (parts.size() != 5 && parts.size() != 6) {
    return make_error(n, ": expected {dist}-{version}(-{build})?-{python}-{abi}-{platform}.whl, got ",
                      std::to_string(parts.size()), " '-'-separated fields");
  }
  WheelFilename f;
  f.distribution = parts[0];
  f.version = parts[1];
  if (f.distribution.empty() || !all_of(f.distribution, "_.")) {
    return make_error(n, ": bad distribution name '", f.distribution, "'");
  }
  if (f.version.empty() || !all_of(f.version, "_.+!")) return make_error(n, ": bad version '", f.version, "'");
  std::size_t tag_at = 2;
  if (parts.size() == 6) {
    f.build = parts[2];
    if (f.build->empty() || !std::isdigit(static_cast<unsigned char>(f.build->front()))) {
      return make_error(n, ": build tag '", *f.build, "' must start with a digit");
    }
    if (!all_of(*f.build, "_.")) return make_error(n, ": bad build tag '", *f.build, "'");
    tag_at = 3;
  }
  WF_TRY(f.python_tags, parse_tag_set(name, parts[tag_at], "python"));
  WF_TRY(f.abi_tags, parse_tag_set(name, parts[tag_at + 1], "abi"));
  WF_TRY(f.platform_tags, parse_tag_set(name, parts[tag_at + 2], "platform"));
  return f;
}

std::string WheelFilename::to_string() const {
  // Appended piece by piece: GCC 12 warns (-Wrestrict, a false positive) on
  // "literal" + std::string&& at -O3.
  std::string s = distribution + "-" + version;
  if (build) s.append("-").append(*build);
  for (const auto* tags : {&python_tags, &abi_tags, &platform_tags}) s.append("-").append(util::join(*tags, "."));
  return s + ".whl";
}

std::vector<WheelTag> WheelFilename::tags() const {
  std::vector<WheelTag> out;
  for (const auto& py : python_tags) {
    for (const auto& abi : abi_tags) {
      for (const auto& plat : platform_tags) out.push_back(WheelTag{py, abi, plat});
    }
  }
  return out;
}

std::string normalize_project_name(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  bool in_run = false;
  for (char c : name) {
    if (c == '-' || c == '_' || c == '.') {
      if (!in_run) out += '-';
      in_run = true;
    } else {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      in_run = false;
    }
  }
  return out;
}

}  // namespace wheelfix::wheel
