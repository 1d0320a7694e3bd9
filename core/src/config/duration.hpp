// Durations as written in configs: "250ms", "5s", "2m", "1h", or a bare number of seconds.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace sluice::core {

std::optional<std::chrono::milliseconds> parse_duration(const std::string& text);

}  // namespace sluice::core
