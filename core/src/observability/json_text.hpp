// Escaping text into a JSON string, for the engine's own JSON output (log lines, the thread
// dump). Bytes are passed through as they are; control characters are escaped.
#pragma once

#include <string>
#include <string_view>

namespace sluice::core {

void append_json_string(std::string_view text, std::string& out);

}  // namespace sluice::core
