// Loki's 4xx answers: the reason named in the body, reduced to a short key for the metric,
// and a limiter so that each reason is logged at most once a minute.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace loki_sink {

// The keys rejection_reason returns, for the metric's series to exist from the start.
const std::vector<std::string>& rejection_reasons();

// Classifies a refusal by its status and Loki's message (validation errors as Loki 2.9
// words them); unknown ones fall under "status_NNN" for the standard 4xx codes, or "other".
std::string rejection_reason(unsigned status, std::string_view body);

class LogLimiter {
 public:
  explicit LogLimiter(std::chrono::steady_clock::duration every) : every_(every) {}
  // True when the reason was not let through within the last period.
  bool allow(const std::string& reason, std::chrono::steady_clock::time_point now);

 private:
  std::chrono::steady_clock::duration every_;
  std::map<std::string, std::chrono::steady_clock::time_point> last_;
};

}  // namespace loki_sink
