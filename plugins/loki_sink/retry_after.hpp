// Retry-After, as Loki or a proxy in front of it may send with a 429 or a 503: the server's
// own wait, which takes precedence over the backoff's.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace loki_sink {

using std::chrono::milliseconds;

// Retry-After as delay-seconds or an HTTP date (RFC 9110), relative to now; nullopt when
// absent or unreadable.
std::optional<milliseconds> parse_retry_after(std::string_view value,
                                              std::chrono::system_clock::time_point now);

}  // namespace loki_sink
