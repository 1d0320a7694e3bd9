// The parsers' time formats, against exact 128-bit arithmetic: a time written from fuzzed
// fields reads back as exactly its nanoseconds when int64 holds them, and as a bad time
// (nullopt) when it does not; any other text reads as a time or nothing, without a crash.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>

#include "time_format.hpp"

using sluice::plugins::TimeFormat;

namespace {

__extension__ typedef __int128 wide;

// Days from 1970-01-01, counted year by year and month by month: another way than the
// formula under test.
wide days_since_epoch(int year, int month, int day) {
  auto leap = [](int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; };
  static const int month_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  wide days = 0;
  for (int y = 1970; y < year; ++y) days += leap(y) ? 366 : 365;
  for (int y = year; y < 1970; ++y) days -= leap(y) ? 366 : 365;
  for (int m = 1; m < month; ++m) days += month_days[m - 1] + (m == 2 && leap(year) ? 1 : 0);
  return days + day - 1;
}

bool fits(wide ns) {
  return ns >= std::numeric_limits<int64_t>::min() && ns <= std::numeric_limits<int64_t>::max();
}

void expect(const TimeFormat& f, const std::string& text, wide ns) {
  auto got = f.read(text);
  if (fits(ns) ? (!got || *got != static_cast<int64_t>(ns)) : got.has_value()) {
    std::fprintf(stderr, "'%s': expected %s, got %lld\n", text.c_str(),
                 fits(ns) ? std::to_string(static_cast<int64_t>(ns)).c_str() : "a bad time",
                 got ? static_cast<long long>(*got) : -1LL);
    std::abort();
  }
}

TimeFormat format(const char* spec) {
  std::string error;
  return *TimeFormat::parse(spec, &error);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  switch (in.ConsumeIntegralInRange<int>(0, 3)) {
    case 0: {  // RFC 3339 from fields
      const int year = in.ConsumeIntegralInRange<int>(0, 9999);
      const int month = in.ConsumeIntegralInRange<int>(1, 12);
      const int day = in.ConsumeIntegralInRange<int>(1, 28);
      const int hour = in.ConsumeIntegralInRange<int>(0, 23);
      const int minute = in.ConsumeIntegralInRange<int>(0, 59);
      const int second = in.ConsumeIntegralInRange<int>(0, 59);
      const int nanos = in.ConsumeIntegralInRange<int>(0, 999'999'999);
      const int offset_minutes = in.ConsumeIntegralInRange<int>(-(23 * 60 + 59), 23 * 60 + 59);
      char zone[16] = "Z";
      if (offset_minutes != 0) {
        const int a = offset_minutes < 0 ? -offset_minutes : offset_minutes;
        std::snprintf(zone, sizeof zone, "%c%02d:%02d", offset_minutes < 0 ? '-' : '+', a / 60,
                      a % 60);
      }
      char text[64];
      std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%09d%s", year, month, day,
                    hour, minute, second, nanos, zone);
      const wide seconds = days_since_epoch(year, month, day) * 86400 + hour * 3600 + minute * 60 +
                           second - offset_minutes * 60;
      expect(format("rfc3339"), text, seconds * 1'000'000'000 + nanos);
      break;
    }
    case 1: {  // unix, unix_ms, unix_us, unix_ns: a whole part and any fraction digits
      static const char* specs[] = {"unix", "unix_ms", "unix_us", "unix_ns"};
      static const int64_t units[] = {1'000'000'000, 1'000'000, 1'000, 1};
      const int which = in.ConsumeIntegralInRange<int>(0, 3);
      const bool negative = in.ConsumeBool();
      const auto whole = in.ConsumeIntegralInRange<uint64_t>(0, 9'999'999'999'999'999'999u);
      const int digits = in.ConsumeIntegralInRange<int>(0, 12);
      std::string text = (negative ? "-" : "") + std::to_string(whole);
      wide ns = wide{whole} * units[which];
      if (digits > 0) {
        text += '.';
        int64_t scale = units[which];
        for (int i = 0; i < digits; ++i) {
          const int d = in.ConsumeIntegralInRange<int>(0, 9);
          text += static_cast<char>('0' + d);
          scale /= 10;
          ns += d * scale;  // digits past the unit's precision are read and dropped
        }
      }
      // More than int64 in the whole part is not a time either.
      const bool whole_fits = whole <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
      expect(format(specs[which]), text,
             whole_fits ? (negative ? -ns : ns) : wide{std::numeric_limits<int64_t>::max()} + 1);
      break;
    }
    case 2: {  // %s, up to 18 digits
      const auto seconds = in.ConsumeIntegralInRange<int64_t>(0, 999'999'999'999'999'999);
      expect(format("%s"), std::to_string(seconds), wide{seconds} * 1'000'000'000);
      break;
    }
    default: {  // any text, in any format
      static const char* specs[] = {"rfc3339", "unix",           "unix_ms", "unix_us",
                                    "unix_ns", "%d/%b/%Y:%T %z", "%s.%f",   "%F %T,%f"};
      const auto& spec = specs[in.ConsumeIntegralInRange<size_t>(0, 7)];
      const std::string text = in.ConsumeRandomLengthString(256);
      (void)format(spec).read(text);
      // And a layout of the fuzzer's own.
      std::string error;
      if (auto own = TimeFormat::parse(in.ConsumeRemainingBytesAsString(), &error))
        (void)own->read(text);
    }
  }
  return 0;
}
