#include "record_format.hpp"

#include <cstdio>
#include <ctime>

namespace {

// Length of the valid UTF-8 sequence at p, or 0 if it is not one.
size_t utf8_sequence(const unsigned char* p, size_t left) {
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

void append_labels_text(const sluice_label_t* labels, uint32_t count, std::string& out) {
  out += '{';
  for (uint32_t i = 0; i < count; ++i) {
    if (i > 0) out += ", ";
    out.append(labels[i].name.data, labels[i].name.size);
    out += '=';
    append_json_string(labels[i].value.data, labels[i].value.size, out);
  }
  out += '}';
}

void append_labels_json(const sluice_label_t* labels, uint32_t count, std::string& out) {
  out += '{';
  for (uint32_t i = 0; i < count; ++i) {
    if (i > 0) out += ',';
    append_json_string(labels[i].name.data, labels[i].name.size, out);
    out += ':';
    append_json_string(labels[i].value.data, labels[i].value.size, out);
  }
  out += '}';
}

}  // namespace

void append_timestamp(int64_t ns, std::string& out) {
  int64_t secs = ns / 1'000'000'000;
  int64_t frac = ns % 1'000'000'000;
  if (frac < 0) {
    frac += 1'000'000'000;
    --secs;
  }
  std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[48];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ", tm.tm_year + 1900,
                        tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                        static_cast<long long>(frac));
  out.append(buf, static_cast<size_t>(n));
}

void append_json_string(const char* data, size_t size, std::string& out) {
  auto* p = reinterpret_cast<const unsigned char*>(data);
  out += '"';
  for (size_t i = 0; i < size;) {
    unsigned char c = p[i];
    if (c >= 0x80) {
      size_t n = utf8_sequence(p + i, size - i);
      if (n == 0) {
        out += "\xEF\xBF\xBD";  // U+FFFD
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
}

void append_record(const sluice_record_t& r, Format format, std::string& out) {
  if (format == Format::text) {
    append_timestamp(r.timestamp_ns, out);
    out += ' ';
    append_labels_text(r.labels, r.label_count, out);
    out += ' ';
    // The line as it is, but one record stays one output line.
    for (size_t i = 0; i < r.line.size; ++i) {
      char c = r.line.data[i];
      out += c == '\n' ? ' ' : c;
    }
    out += '\n';
    return;
  }
  out += "{\"timestamp\":\"";
  append_timestamp(r.timestamp_ns, out);
  out += "\",\"labels\":";
  append_labels_json(r.labels, r.label_count, out);
  if (r.metadata_count > 0) {
    out += ",\"metadata\":";
    append_labels_json(r.metadata, r.metadata_count, out);
  }
  out += ",\"line\":";
  append_json_string(r.line.data, r.line.size, out);
  out += "}\n";
}
