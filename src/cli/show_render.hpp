// Rendering of wheel analyses: text for people, JSON for scripts.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "wheelfix/policy/abi3.hpp"
#include "wheelfix/repair/analyze.hpp"

namespace wheelfix::cli {

// Version of the `show --json` document (docs/json-schema.md).
inline constexpr int kShowSchemaVersion = 1;

// The platform tag as shown: the tag, or "none (...)" when no tag exists.
std::string tag_text(const policy::Evaluation& e);

// Writes the human-readable report of one wheel, with its abi3 check.
void render_show_text(std::ostream& out, const repair::Analysis& a, const policy::Abi3Check& abi3, bool verbose);
// The JSON object describing one analyzed wheel, with its abi3 check.
nlohmann::json render_show_json(const repair::Analysis& a, const policy::Abi3Check& abi3);
// The `abi3` object of `show --json` (null when the check does not apply).
nlohmann::json abi3_json(const policy::Abi3Check& abi3);
// An array of abi3 problems (kind, file, symbol, added, claimed, message),
// as in `show --json` and `repair --json`.
nlohmann::json abi3_problems_json(const std::vector<policy::Abi3Problem>& problems);
// The `reasons[]` array of `show --json` (kind, file, library, symbol,
// detail, message), also used by `repair --json` for a policy it cannot reach.
nlohmann::json reasons_json(const std::vector<policy::Reason>& reasons);

// `doc` as the indented text every --json option prints, with a final
// newline. Never throws: bytes that are not UTF-8 (a path in a folder named
// in Latin-1, say) become U+FFFD (docs/json-schema.md).
std::string json_text(const nlohmann::json& doc);

}  // namespace wheelfix::cli
