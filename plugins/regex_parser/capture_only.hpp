// Rewriting an RE2 pattern so that it captures only the named groups a parser uses.
#pragma once

#include <set>
#include <string>

namespace regex_parser {

// pattern with every capturing group turned non-capturing, (?:...), except the named groups
// in keep. What the pattern matches does not change: only what it reports.
std::string capture_only(const std::string& pattern, const std::set<std::string>& keep);

}  // namespace regex_parser
