// The engine's own log: spdlog to stderr (stdout belongs to stdout_sink), one logger per
// component so that every line names where it came from, as text or JSON lines.
#pragma once

#include <spdlog/spdlog.h>

#include <memory>
#include <optional>
#include <string>

namespace sluice::core {

enum class LogFormat { text, json };

// Sets level and format for the engine and every component logger made after.
void configure_logging(spdlog::level::level_enum level, LogFormat format);
std::optional<spdlog::level::level_enum> parse_log_level(const std::string& s);

// The logger of one component (created on first use).
std::shared_ptr<spdlog::logger> component_logger(const std::string& component_id);
std::shared_ptr<spdlog::logger> engine_logger();

}  // namespace sluice::core
