// Writing bytes as a JSON string. Lines and labels are arbitrary bytes; JSON is UTF-8, so
// an invalid sequence becomes U+FFFD and the output stays valid JSON whatever came in.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

namespace sluice {

// Length of the valid UTF-8 sequence at p, or 0 if it is not one (overlong forms,
// surrogates and code points past U+10FFFF are not).
inline size_t utf8_sequence(const unsigned char* p, size_t left) {
  unsigned char c = p[0];
  size_t n = 0;
  uint32_t min = 0;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) {
    n = 2;
    min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
    min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4;
    min = 0x10000;
  } else {
    return 0;
  }
  if (left < n) return 0;
  uint32_t cp = c & (0x7F >> n);
  for (size_t i = 1; i < n; ++i) {
    if ((p[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (p[i] & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

// Appends data as a quoted JSON string. Returns how many invalid UTF-8 bytes were replaced.
inline size_t append_json_string(const char* data, size_t size, std::string& out) {
  auto* p = reinterpret_cast<const unsigned char*>(data);
  size_t replaced = 0;
  out += '"';
  for (size_t i = 0; i < size;) {
    unsigned char c = p[i];
    if (c >= 0x80) {
      size_t n = utf8_sequence(p + i, size - i);
      if (n == 0) {
        out += "\xEF\xBF\xBD";  // U+FFFD
        ++replaced;
        ++i;
      } else {
        out.append(data + i, n);
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7F) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  out += '"';
  return replaced;
}

}  // namespace sluice
