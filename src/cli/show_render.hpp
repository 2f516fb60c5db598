// Rendering of wheel analyses: text for people, JSON for scripts.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "wheelfix/repair/analyze.hpp"

namespace wheelfix::cli {

// Version of the `show --json` document (docs/json-schema.md).
inline constexpr int kShowSchemaVersion = 1;

// The platform tag as shown: the tag, or "none (...)" when no tag exists.
std::string tag_text(const policy::Evaluation& e);

// Writes the human-readable report of one wheel.
void render_show_text(std::ostream& out, const repair::Analysis& a, bool verbose);
// The JSON object describing one analyzed wheel.
nlohmann::json render_show_json(const repair::Analysis& a);
// The `reasons[]` array of `show --json` (kind, file, library, symbol,
// detail, message), also used by `repair --json` for a policy it cannot reach.
nlohmann::json reasons_json(const std::vector<policy::Reason>& reasons);

}  // namespace wheelfix::cli
