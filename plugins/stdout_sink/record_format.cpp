#include "record_format.hpp"

#include <cstdio>
#include <ctime>

#include "sluice/json_string.hpp"

using sluice::append_json_string;

namespace {

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
