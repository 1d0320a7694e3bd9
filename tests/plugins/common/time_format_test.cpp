// The time formats the parsers share: what fits in int64 nanoseconds is read exactly, and
// what does not is a bad time (nullopt), never a wrapped-around one.
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>

#include "time_format.hpp"

using sluice::plugins::parse_rfc3339_ns;
using sluice::plugins::TimeFormat;

namespace {

TimeFormat format(const std::string& spec) {
  std::string error;
  auto f = TimeFormat::parse(spec, &error);
  INFO(error);
  REQUIRE(f);
  return *f;
}

constexpr int64_t max_ns = INT64_MAX;
constexpr int64_t min_ns = INT64_MIN;

}  // namespace

TEST_CASE("rfc3339 reads the int64 range to its last nanosecond and refuses beyond it",
          "[time_format]") {
  const auto f = format("rfc3339");
  CHECK(f.read("1970-01-01T00:00:00Z") == 0);
  CHECK(f.read("2262-04-11T23:47:16.854775807Z") == max_ns);
  CHECK(f.read("1677-09-21T00:12:43.145224192Z") == min_ns);
  CHECK_FALSE(f.read("2262-04-11T23:47:16.854775808Z"));
  CHECK_FALSE(f.read("1677-09-21T00:12:43.145224191Z"));
  // Go's zero time became 1754-08-30, and year 9999 became 1816.
  CHECK_FALSE(f.read("0001-01-01T00:00:00Z"));
  CHECK_FALSE(f.read("9999-12-31T23:59:59Z"));
  // An offset that carries a time over the edge.
  CHECK_FALSE(f.read("2262-04-11T23:47:16-01:00"));
}

TEST_CASE("unix times that int64 nanoseconds cannot hold are refused", "[time_format]") {
  const auto s = format("unix");
  CHECK(s.read("9223372036.854775807") == max_ns);
  CHECK_FALSE(s.read("9223372036.9"));
  CHECK(s.read("-9223372036.854775808") == min_ns);
  CHECK_FALSE(s.read("-9223372036.854775809"));
  CHECK_FALSE(s.read("9999999999999999999"));  // 19 digits, more than int64 holds
  CHECK_FALSE(s.read("1e400"));
  CHECK(s.read("1.7e9") == INT64_C(1700000000000000000));
  const auto ns = format("unix_ns");
  CHECK(ns.read("9223372036854775807") == max_ns);
  CHECK_FALSE(ns.read("9223372036854775808"));
  const auto ms = format("unix_ms");
  CHECK(ms.read("1700000000123") == INT64_C(1700000000123000000));
  CHECK_FALSE(ms.read("9223372036855"));
}

TEST_CASE("layouts refuse %s and %Y times outside the range", "[time_format]") {
  const auto epoch = format("%s");
  CHECK(epoch.read("1700000000") == INT64_C(1700000000000000000));
  CHECK_FALSE(epoch.read("999999999999999999"));  // 18 digits
  const auto layout = format("%Y-%m-%d %H:%M:%S");
  CHECK(layout.read("2026-12-02 15:04:05") == INT64_C(1796223845000000000));
  CHECK_FALSE(layout.read("0001-01-01 00:00:00"));
  CHECK_FALSE(layout.read("2263-01-01 00:00:00"));
}

TEST_CASE("RFC 3339 reads to nanoseconds, with offsets, short fractions and its limits",
          "[time_format]") {
  CHECK(parse_rfc3339_ns("2026-11-23T23:01:32.278091305Z") == INT64_C(1795474892278091305));
  CHECK(parse_rfc3339_ns("1970-01-01T00:00:00Z") == 0);
  CHECK(parse_rfc3339_ns("1970-01-01T00:00:01.5Z") == 1500000000);
  CHECK(parse_rfc3339_ns("1970-01-01T01:00:00+01:00") == 0);
  CHECK(parse_rfc3339_ns("2026-11-23T23:01:32.2780913051234Z") ==
        INT64_C(1795474892278091305));  // beyond 9 digits
  // As logs write it too: a space for the T, a comma for the point, an offset without colon.
  CHECK(parse_rfc3339_ns("1970-01-01 00:00:01,5Z") == 1500000000);
  CHECK(parse_rfc3339_ns("1970-01-01T01:00:00+0100") == 0);
  bool out_of_range = true;
  CHECK_FALSE(parse_rfc3339_ns("2026-13-23T23:01:32Z", &out_of_range));  // not a date at all
  CHECK_FALSE(out_of_range);
  CHECK_FALSE(parse_rfc3339_ns("2026-11-23T23:01:32"));
  CHECK_FALSE(parse_rfc3339_ns("garbage"));
  // Well formed, but not int64 nanoseconds: never a wrapped-around time.
  CHECK_FALSE(parse_rfc3339_ns("0001-01-01T00:00:00Z", &out_of_range));  // Go's zero time
  CHECK(out_of_range);
  CHECK_FALSE(parse_rfc3339_ns("9999-12-31T23:59:59Z", &out_of_range));
  CHECK(out_of_range);
  CHECK_FALSE(parse_rfc3339_ns("1677-09-21T00:12:43Z", &out_of_range));
  CHECK(out_of_range);
  CHECK(parse_rfc3339_ns("2262-04-11T23:47:16.854775807Z", &out_of_range) ==
        INT64_C(9223372036854775807));
  CHECK_FALSE(out_of_range);
  CHECK(parse_rfc3339_ns("1677-09-21T00:12:43.145224192Z") == INT64_MIN);
  CHECK_FALSE(parse_rfc3339_ns("garbage", &out_of_range));
  CHECK_FALSE(out_of_range);
}
