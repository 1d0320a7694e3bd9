#include "json_repair.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "sluice/json_string.hpp"

namespace json_parser {
namespace {

bool is_number_char(char c) {
  return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

// Whether simdjson holds this number: an integer in int64 or uint64, or a finite double.
// A token that is not a JSON number at all is left for the parser to refuse.
bool fits(std::string_view number) {
  bool integer = number.find_first_of(".eE") == std::string_view::npos;
  if (integer) {
    bool negative = !number.empty() && number[0] == '-';
    std::string_view digits = negative ? number.substr(1) : number;
    if (digits.empty()) return true;
    for (char c : digits) {
      if (c < '0' || c > '9') return true;
    }
    std::string_view limit = negative ? "9223372036854775808" : "18446744073709551615";
    if (digits.size() != limit.size()) return digits.size() < limit.size();
    return digits <= limit;
  }
  std::string text(number);
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size()) return true;
  return std::isfinite(v);
}

unsigned hex4(std::string_view s, size_t at, bool& ok) {
  unsigned v = 0;
  ok = at + 4 <= s.size();
  for (size_t i = at; ok && i < at + 4; ++i) {
    char c = s[i];
    v <<= 4;
    if (c >= '0' && c <= '9') {
      v |= static_cast<unsigned>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      v |= static_cast<unsigned>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      v |= static_cast<unsigned>(c - 'A' + 10);
    } else {
      ok = false;
    }
  }
  return v;
}

bool high_surrogate(unsigned u) {
  return u >= 0xD800 && u <= 0xDBFF;
}
bool low_surrogate(unsigned u) {
  return u >= 0xDC00 && u <= 0xDFFF;
}

// A \u escape at s[at] ('\\' at at, 'u' after it) that pairs with the escape after it.
bool paired_escape(std::string_view s, size_t at) {
  bool ok = false;
  unsigned u = hex4(s, at + 2, ok);
  if (!ok || !high_surrogate(u)) return false;
  if (at + 12 > s.size() || s[at + 6] != '\\' || s[at + 7] != 'u') return false;
  unsigned next = hex4(s, at + 8, ok);
  return ok && low_surrogate(next);
}

}  // namespace

std::optional<std::string> repair_json(std::string_view s, Repairs* repairs) {
  Repairs counted;
  std::string out;
  out.reserve(s.size() + 16);
  const auto* bytes = reinterpret_cast<const unsigned char*>(s.data());
  size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (c == '"') {
      // A string, to its closing quote: escapes and UTF-8 are checked, the rest copied.
      out += c;
      ++i;
      while (i < s.size() && s[i] != '"') {
        if (s[i] == '\\' && i + 1 < s.size()) {
          if (s[i + 1] == 'u') {
            bool ok = false;
            unsigned u = hex4(s, i + 2, ok);
            if (ok && paired_escape(s, i)) {
              out.append(s.substr(i, 12));
              i += 12;
              continue;
            }
            if (ok && (high_surrogate(u) || low_surrogate(u))) {
              out += "\\uFFFD";
              ++counted.surrogates;
              i += 6;
              continue;
            }
          }
          out.append(s.substr(i, 2));
          i += 2;
          continue;
        }
        if (bytes[i] >= 0x80) {
          size_t n = sluice::utf8_sequence(bytes + i, s.size() - i);
          if (n == 0) {
            out += "\xEF\xBF\xBD";
            ++counted.bytes;
            ++i;
          } else {
            out.append(s.substr(i, n));
            i += n;
          }
          continue;
        }
        out += s[i++];
      }
      if (i < s.size()) out += s[i++];
      continue;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
      size_t end = i;
      while (end < s.size() && is_number_char(s[end])) ++end;
      std::string_view number = s.substr(i, end - i);
      if (fits(number)) {
        out.append(number);
      } else {
        out += '"';
        out.append(number);
        out += '"';
        ++counted.numbers;
      }
      i = end;
      continue;
    }
    if (bytes[i] >= 0x80) {
      // Outside a string this is malformed JSON whatever it is: leave it to the parser.
      out += c;
      ++i;
      continue;
    }
    out += c;
    ++i;
  }
  if (counted.numbers + counted.surrogates + counted.bytes == 0) return std::nullopt;
  if (repairs != nullptr) *repairs = counted;
  return out;
}

}  // namespace json_parser
