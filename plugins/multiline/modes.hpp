// Ready-made continuation patterns for the stack traces users meet most.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace multiline {

// The RE2 pattern a line that continues the record before it matches, for mode (java, python
// or go); nullopt for an unknown mode.
std::optional<std::string> continue_pattern_of(std::string_view mode);

}  // namespace multiline
