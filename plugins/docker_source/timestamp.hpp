// Docker's timestamps: the RFC 3339 prefix of each log line, and the `since` parameter.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace docker_source {

// "2026-11-23T23:01:32.278091305Z", any number of fraction digits, `Z` or a ±hh:mm offset,
// as nanoseconds since the Unix epoch; nullopt when it is not such a timestamp. A timestamp
// well formed but outside what int64 nanoseconds hold (Go's zero time, year 9999) is nullopt
// too, with *out_of_range set.
std::optional<int64_t> parse_rfc3339_ns(std::string_view text, bool* out_of_range = nullptr);

// The `since` query value Docker accepts: "seconds.nanoseconds", inclusive.
std::string since_parameter(int64_t ns);

}  // namespace docker_source
