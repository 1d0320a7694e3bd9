// Escaping text into a JSON string, for the engine's own JSON output (log lines, the thread
// dump): the SDK's writer, so invalid UTF-8 (a path, a plugin's message) still makes valid
// JSON.
#pragma once

#include <string>
#include <string_view>

namespace sluice::core {

void append_json_string(std::string_view text, std::string& out);

}  // namespace sluice::core
