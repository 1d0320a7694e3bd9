#include "time_format.hpp"

#include <array>
#include <cctype>
#include <limits>

namespace sluice::plugins {
namespace {

// Times are computed exactly in 128 bits, then checked against what int64 holds.
__extension__ typedef __int128 wide;

std::optional<int64_t> narrow(wide ns) {
  if (ns < std::numeric_limits<int64_t>::min() || ns > std::numeric_limits<int64_t>::max())
    return std::nullopt;
  return static_cast<int64_t>(ns);
}

constexpr std::array<std::string_view, 12> months = {
    "january", "february", "march",     "april",   "may",      "june",
    "july",    "august",   "september", "october", "november", "december"};

struct Cursor {
  std::string_view s;
  size_t at = 0;
  bool done() const { return at >= s.size(); }
  char peek() const { return done() ? '\0' : s[at]; }
  bool digit() const { return !done() && s[at] >= '0' && s[at] <= '9'; }
  // Between min and max digits; false, too, for a number int64 cannot hold.
  bool number(int min, int max, int64_t& out) {
    int n = 0;
    out = 0;
    while (n < max && digit()) {
      if (__builtin_mul_overflow(out, 10, &out) || __builtin_add_overflow(out, s[at] - '0', &out))
        return false;
      ++at;
      ++n;
    }
    return n >= min;
  }
  bool month_name(int& out) {
    for (size_t m = 0; m < months.size(); ++m) {
      std::string_view full = months[m];
      size_t n = 0;
      while (n < full.size() && at + n < s.size() &&
             std::tolower(static_cast<unsigned char>(s[at + n])) == full[n]) {
        ++n;
      }
      if (n == full.size() || n == 3) {
        at += n;
        out = static_cast<int>(m) + 1;
        return true;
      }
    }
    return false;
  }
  // Z, +hh, +hhmm or +hh:mm, as seconds east of UTC.
  bool zone(int64_t& offset) {
    if (peek() == 'Z' || peek() == 'z') {
      ++at;
      offset = 0;
      return true;
    }
    if (peek() != '+' && peek() != '-') return false;
    int sign = s[at++] == '-' ? -1 : 1;
    int64_t h = 0, m = 0;
    if (!number(2, 2, h)) return false;
    if (peek() == ':') ++at;
    if (digit() && !number(2, 2, m)) return false;
    if (h > 23 || m > 59) return false;
    offset = sign * (h * 3600 + m * 60);
    return true;
  }
  // Up to nine digits of a second's fraction, as nanoseconds; more are read and ignored.
  bool fraction(int64_t& ns) {
    int n = 0;
    ns = 0;
    while (digit()) {
      if (n < 9) {
        ns = ns * 10 + (s[at] - '0');
        ++n;
      }
      ++at;
    }
    if (n == 0) return false;
    for (; n < 9; ++n) ns *= 10;
    return true;
  }
};

struct Fields {
  int64_t year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0, nanos = 0;
  int64_t offset = 0;
  std::optional<int64_t> epoch;  // %s
};

// One directive of a layout; false when the text does not fit it.
bool read_directive(char d, Cursor& c, Fields& f) {
  switch (d) {
    case 'Y': return c.number(4, 4, f.year);
    case 'm': return c.number(1, 2, f.month);
    case 'd': return c.number(1, 2, f.day);
    case 'e':
      if (c.peek() == ' ') ++c.at;
      return c.number(1, 2, f.day);
    case 'H': return c.number(1, 2, f.hour);
    case 'M': return c.number(1, 2, f.minute);
    case 'S': return c.number(1, 2, f.second);
    case 'f': return c.fraction(f.nanos);
    case 'b':
    case 'h':
    case 'B': {
      int m = 0;
      if (!c.month_name(m)) return false;
      f.month = m;
      return true;
    }
    case 'z': return c.zone(f.offset);
    case 's': {
      int64_t v = 0;
      if (!c.number(1, 18, v)) return false;
      f.epoch = v;
      return true;
    }
    default: return false;
  }
}

constexpr std::string_view directives = "YmdeHMSfbhBzs";

// Expands the shorthands into the directives read_directive knows.
std::string expand(std::string_view spec) {
  std::string out;
  for (size_t i = 0; i < spec.size(); ++i) {
    if (spec[i] == '%' && i + 1 < spec.size()) {
      if (spec[i + 1] == 'T') {
        out += "%H:%M:%S";
        ++i;
        continue;
      }
      if (spec[i + 1] == 'F') {
        out += "%Y-%m-%d";
        ++i;
        continue;
      }
    }
    out += spec[i];
  }
  return out;
}

bool in_calendar(const Fields& f) {
  return f.month >= 1 && f.month <= 12 && f.day >= 1 && f.day <= 31 && f.hour <= 23 &&
         f.minute <= 59 && f.second <= 60;
}

std::optional<int64_t> to_ns(const Fields& f) {
  if (f.epoch) return epoch_ns(0, *f.epoch, f.nanos);
  if (!in_calendar(f)) return std::nullopt;
  int64_t days = days_from_civil(f.year, static_cast<int>(f.month), static_cast<int>(f.day));
  return epoch_ns(days, f.hour * 3600 + f.minute * 60 + f.second - f.offset, f.nanos);
}

std::optional<int64_t> read_layout(std::string_view layout, std::string_view text) {
  Cursor c{text};
  Fields f;
  for (size_t i = 0; i < layout.size(); ++i) {
    if (layout[i] == '%' && i + 1 < layout.size()) {
      char d = layout[++i];
      if (d == '%') {
        if (c.peek() != '%') return std::nullopt;
        ++c.at;
      } else if (!read_directive(d, c, f)) {
        return std::nullopt;
      }
    } else {
      if (c.done() || c.s[c.at] != layout[i]) return std::nullopt;
      ++c.at;
    }
  }
  if (!c.done()) return std::nullopt;
  return to_ns(f);
}

// RFC 3339's fields, as logs write it: 'T', 't' or a space between date and time, any
// fraction, and a zone of Z or an offset.
bool read_rfc3339(std::string_view text, Fields& f) {
  Cursor c{text};
  auto sep = [&c](char want) {
    if (c.peek() != want) return false;
    ++c.at;
    return true;
  };
  if (!c.number(4, 4, f.year) || !sep('-') || !c.number(2, 2, f.month) || !sep('-') ||
      !c.number(2, 2, f.day)) {
    return false;
  }
  if (c.peek() != 'T' && c.peek() != 't' && c.peek() != ' ') return false;
  ++c.at;
  if (!c.number(2, 2, f.hour) || !sep(':') || !c.number(2, 2, f.minute) || !sep(':') ||
      !c.number(2, 2, f.second)) {
    return false;
  }
  if (c.peek() == '.' || c.peek() == ',') {
    ++c.at;
    if (!c.fraction(f.nanos)) return false;
  }
  return c.zone(f.offset) && c.done();
}

// A decimal number of units (an integer, or with a fraction), as nanoseconds.
std::optional<int64_t> read_unix(std::string_view text, int64_t ns_per_unit) {
  Cursor c{text};
  bool negative = false;
  if (c.peek() == '-') {
    negative = true;
    ++c.at;
  }
  int64_t whole = 0;
  if (!c.number(1, 19, whole)) return std::nullopt;
  wide ns = wide{whole} * ns_per_unit;
  if (c.peek() == '.') {
    ++c.at;
    int64_t scale = ns_per_unit;
    while (c.digit()) {
      scale /= 10;
      ns += (c.s[c.at++] - '0') * scale;
    }
  }
  // A JSON number may carry an exponent ("1.7e9"); read it as a double.
  if (!c.done() && (c.peek() == 'e' || c.peek() == 'E')) {
    try {
      double v = std::stod(std::string(text)) * static_cast<double>(ns_per_unit);
      if (v > 9.2e18 || v < -9.2e18) return std::nullopt;
      return static_cast<int64_t>(v);
    } catch (...) {
      return std::nullopt;
    }
  }
  if (!c.done()) return std::nullopt;
  return narrow(negative ? -ns : ns);
}

}  // namespace

std::optional<int64_t> parse_rfc3339_ns(std::string_view text, bool* out_of_range) {
  if (out_of_range != nullptr) *out_of_range = false;
  Fields f;
  if (!read_rfc3339(text, f)) return std::nullopt;
  auto ns = to_ns(f);
  if (!ns && out_of_range != nullptr) *out_of_range = in_calendar(f);
  return ns;
}

// Howard Hinnant's algorithm.
int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

std::optional<int64_t> epoch_ns(int64_t days, int64_t seconds, int64_t nanos) {
  // Exact in 128 bits: a time a few nanoseconds inside the range stays in it.
  const wide total = (wide{days} * 86400 + seconds) * 1'000'000'000 + nanos;
  return narrow(total);
}

std::optional<TimeFormat> TimeFormat::parse(std::string_view spec, std::string* error) {
  if (spec == "rfc3339" || spec == "RFC3339") return TimeFormat(Kind::layout, "");
  if (spec == "unix") return TimeFormat(Kind::unix_s, "");
  if (spec == "unix_ms") return TimeFormat(Kind::unix_ms, "");
  if (spec == "unix_us") return TimeFormat(Kind::unix_us, "");
  if (spec == "unix_ns") return TimeFormat(Kind::unix_ns, "");
  if (spec.find('%') == std::string_view::npos) {
    *error = "unknown time format '" + std::string(spec) +
             "': expected rfc3339, unix, unix_ms, unix_us, unix_ns or a layout with % directives";
    return std::nullopt;
  }
  std::string layout = expand(spec);
  for (size_t i = 0; i < layout.size(); ++i) {
    if (layout[i] != '%') continue;
    if (i + 1 == layout.size()) {
      *error = "time layout '" + std::string(spec) + "' ends with a lone %";
      return std::nullopt;
    }
    char d = layout[++i];
    if (d != '%' && directives.find(d) == std::string_view::npos) {
      *error = "time layout '" + std::string(spec) + "': unknown directive %" + d +
               " (known: %Y %m %d %e %H %M %S %f %b %B %z %s %T %F %%)";
      return std::nullopt;
    }
  }
  return TimeFormat(Kind::layout, layout);
}

std::optional<int64_t> TimeFormat::read(std::string_view text) const {
  switch (kind_) {
    case Kind::unix_s: return read_unix(text, 1'000'000'000);
    case Kind::unix_ms: return read_unix(text, 1'000'000);
    case Kind::unix_us: return read_unix(text, 1'000);
    case Kind::unix_ns: return read_unix(text, 1);
    case Kind::layout: return layout_.empty() ? parse_rfc3339_ns(text) : read_layout(layout_, text);
  }
  return std::nullopt;
}

}  // namespace sluice::plugins
