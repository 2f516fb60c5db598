// Rendering of the simple repository pages. Output depends only on the
// arguments (sorted here), never on time or the order files were found in.
#include "wheelfix/index/pages.hpp"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <set>

namespace wheelfix::index {

namespace {

constexpr std::string_view kApiVersion = "1.1";

void sort_files(std::vector<FileEntry>& files) {
  std::sort(files.begin(), files.end(),
            [](const FileEntry& a, const FileEntry& b) { return a.filename < b.filename; });
}

void sort_unique(std::vector<std::string>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

std::string html_head(std::string_view title) {
  std::string t = html_escape(title);
  return "<!DOCTYPE html>\n<html>\n  <head>\n"
         "    <meta name=\"pypi:repository-version\" content=\"" + std::string(kApiVersion) + "\">\n"
         "    <title>" + t + "</title>\n  </head>\n  <body>\n    <h1>" + t + "</h1>\n";
}

constexpr std::string_view kHtmlTail = "  </body>\n</html>\n";

std::string dump(const nlohmann::json& j) {
  // Invalid UTF-8 (from a METADATA field) is replaced rather than thrown.
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

nlohmann::json meta_json() { return nlohmann::json{{"api-version", std::string(kApiVersion)}}; }

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#x27;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string url_escape_path_segment(std::string_view segment) {
  static constexpr std::string_view kKeep = "-._~!$&'()*+,;=:@";
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : segment) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || kKeep.find(c) != std::string_view::npos) {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

bool version_less(std::string_view a, std::string_view b) {
  std::size_t i = 0, j = 0;
  auto digit = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; };
  while (i < a.size() && j < b.size()) {
    if (digit(a[i]) && digit(b[j])) {
      std::size_t ie = i, je = j;
      while (ie < a.size() && digit(a[ie])) ++ie;
      while (je < b.size() && digit(b[je])) ++je;
      // Compare the numbers without leading zeros: longer is larger.
      std::string_view na = a.substr(i, ie - i), nb = b.substr(j, je - j);
      while (na.size() > 1 && na[0] == '0') na.remove_prefix(1);
      while (nb.size() > 1 && nb[0] == '0') nb.remove_prefix(1);
      if (na.size() != nb.size()) return na.size() < nb.size();
      if (na != nb) return na < nb;
      i = ie;
      j = je;
      continue;
    }
    if (a[i] != b[j]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]);
    ++i;
    ++j;
  }
  if ((a.size() - i) != (b.size() - j)) return (a.size() - i) < (b.size() - j);
  return a < b;  // equal under the numeric rule ("01" vs "1"): keep it strict
}

std::string file_url(std::string_view filename, const std::optional<std::string>& base_url) {
  std::string name = url_escape_path_segment(filename);
  if (!base_url) return "../../files/" + name;
  std::string base = *base_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/files/" + name;
}

std::string render_project_html(std::string_view project, std::vector<FileEntry> files) {
  sort_files(files);
  std::string out = html_head("Links for " + std::string(project));
  for (const auto& f : files) {
    out += "    <a href=\"" + html_escape(f.url + "#sha256=" + f.sha256) + "\"";
    if (f.requires_python) out += " data-requires-python=\"" + html_escape(*f.requires_python) + "\"";
    // PEP 714's name only. The PEP 658 name (data-dist-info-metadata) is
    // left out on purpose: pip 22.3 to 23.1 follows it and then compares the
    // .metadata file's Name with the request without normalizing either
    // (pypa/pip#12038), so `pip install pyyaml` finds no candidate when the
    // Name is PyYAML. Those pips download the wheel instead.
    if (f.metadata_sha256) out += " data-core-metadata=\"" + html_escape("sha256=" + *f.metadata_sha256) + "\"";
    out.append(">").append(html_escape(f.filename)).append("</a><br>\n");
  }
  return out + std::string(kHtmlTail);
}

std::string render_project_json(std::string_view project, std::vector<FileEntry> files) {
  sort_files(files);
  nlohmann::json list = nlohmann::json::array();
  std::vector<std::string> versions;
  for (const auto& f : files) {
    nlohmann::json j;
    j["filename"] = f.filename;
    j["url"] = f.url;
    j["hashes"] = {{"sha256", f.sha256}};
    j["requires-python"] = f.requires_python ? nlohmann::json(*f.requires_python) : nlohmann::json(nullptr);
    if (f.metadata_sha256) {
      // PEP 714: only "core-metadata". The older "dist-info-metadata" key
      // is left out on purpose: pip < 23.2 crashes on its dict form
      // (pypa/pip#12042), and see render_project_html for pypa/pip#12038.
      j["core-metadata"] = {{"sha256", *f.metadata_sha256}};
    } else {
      j["core-metadata"] = false;
    }
    j["size"] = f.size;
    j["yanked"] = false;
    list.push_back(std::move(j));
    versions.push_back(f.version);
  }
  sort_unique(versions);
  std::sort(versions.begin(), versions.end(),
            [](const std::string& a, const std::string& b) { return version_less(a, b); });
  nlohmann::json page;
  page["meta"] = meta_json();
  page["name"] = std::string(project);
  page["files"] = std::move(list);
  page["versions"] = versions;
  return dump(page);
}

std::string render_root_html(std::vector<std::string> projects) {
  sort_unique(projects);
  std::string out = html_head("Simple index");
  for (const auto& p : projects) {
    std::string href = html_escape(url_escape_path_segment(p) + "/");
    out += "    <a href=\"" + href + "\">" + html_escape(p) + "</a><br>\n";
  }
  return out + std::string(kHtmlTail);
}

std::string render_root_json(std::vector<std::string> projects) {
  sort_unique(projects);
  nlohmann::json list = nlohmann::json::array();
  for (const auto& p : projects) list.push_back({{"name", p}});
  nlohmann::json page;
  page["meta"] = meta_json();
  page["projects"] = std::move(list);
  return dump(page);
}

}  // namespace wheelfix::index
