#include "observability/logging.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <mutex>

#include "observability/json_text.hpp"

namespace sluice::core {

namespace {

// One JSON object per line: time, level, component, message.
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    time_.format(msg, dest);
    auto level = spdlog::level::to_string_view(msg.level);
    std::string fields = ",\"level\":";
    append_json_string(std::string_view(level.data(), level.size()), fields);
    fields += ",\"component\":";
    append_json_string(std::string_view(msg.logger_name.data(), msg.logger_name.size()), fields);
    fields += ",\"message\":";
    append_json_string(std::string_view(msg.payload.data(), msg.payload.size()), fields);
    fields += "}\n";
    dest.append(fields.data(), fields.data() + fields.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }

 private:
  spdlog::pattern_formatter time_{"{\"time\":\"%Y-%m-%dT%H:%M:%S.%fZ\"",
                                  spdlog::pattern_time_type::utc, ""};
};

std::mutex mutex;
spdlog::level::level_enum current_level = spdlog::level::info;
LogFormat current_format = LogFormat::text;

std::shared_ptr<spdlog::sinks::sink> shared_sink() {
  static auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  return sink;
}

void apply(spdlog::logger& logger) {
  logger.set_level(current_level);
  if (current_format == LogFormat::json) {
    logger.set_formatter(std::make_unique<JsonFormatter>());
  } else {
    logger.set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l [%n] %v");
  }
}

}  // namespace

std::optional<spdlog::level::level_enum> parse_log_level(const std::string& s) {
  if (s == "trace") return spdlog::level::trace;
  if (s == "debug") return spdlog::level::debug;
  if (s == "info") return spdlog::level::info;
  if (s == "warn") return spdlog::level::warn;
  if (s == "error") return spdlog::level::err;
  if (s == "off") return spdlog::level::off;
  return std::nullopt;
}

void configure_logging(spdlog::level::level_enum level, LogFormat format) {
  std::lock_guard lock(mutex);
  current_level = level;
  current_format = format;
  spdlog::apply_all([](const std::shared_ptr<spdlog::logger>& l) { apply(*l); });
}

std::shared_ptr<spdlog::logger> component_logger(const std::string& component_id) {
  std::lock_guard lock(mutex);
  if (auto existing = spdlog::get(component_id)) return existing;
  auto logger = std::make_shared<spdlog::logger>(component_id, shared_sink());
  apply(*logger);
  spdlog::register_logger(logger);
  return logger;
}

std::shared_ptr<spdlog::logger> engine_logger() {
  return component_logger("sluice");
}

}  // namespace sluice::core
