// Rendering of wheel analyses: text for people, JSON for scripts.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>

#include "wheelfix/repair/analyze.hpp"

namespace wheelfix::cli {

// Version of the `show --json` document (docs/json-schema.md).
inline constexpr int kShowSchemaVersion = 1;

// Writes the human-readable report of one wheel.
void render_show_text(std::ostream& out, const repair::Analysis& a, bool verbose);
// The JSON object describing one analyzed wheel.
nlohmann::json render_show_json(const repair::Analysis& a);

}  // namespace wheelfix::cli
