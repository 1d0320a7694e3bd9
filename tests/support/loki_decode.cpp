// Decoding a Loki push request as Loki does: apart from the receiver's server, so that the
// fuzz target of loki_sink's requests decodes them without one.
#include "loki_decode.hpp"

#include <simdjson.h>
#include <snappy.h>
#include <zlib.h>

#include <algorithm>

#include "push.pb.h"

namespace sluice::test {

namespace {

bool inflate_gzip(const std::string& in, std::string& out) {
  z_stream z{};
  if (inflateInit2(&z, 15 + 32) != Z_OK) return false;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  char buf[65536];
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof buf - z.avail_out);
  }
  inflateEnd(&z);
  return rc == Z_STREAM_END;
}

// Loki's own rule, written here again on purpose: the receiver stands for Loki, so it shares
// no code with the sink it judges (sluice/label_names.hpp), or a mistake in that rule would
// pass both.
bool label_name_ok(std::string_view n) {
  if (n.empty()) return false;
  for (size_t i = 0; i < n.size(); ++i) {
    char c = n[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

// Parses {name="value", ...} as Loki's LogQL parser does (Go string escapes in values).
bool parse_labels(std::string_view s, std::vector<std::pair<std::string, std::string>>& out) {
  if (s.size() < 2 || s.front() != '{' || s.back() != '}') return false;
  size_t i = 1;
  while (i < s.size() - 1) {
    while (s[i] == ' ' || s[i] == ',') ++i;
    size_t eq = s.find('=', i);
    if (eq == std::string_view::npos) return false;
    std::string name(s.substr(i, eq - i));
    if (!label_name_ok(name)) return false;
    i = eq + 1;
    if (s[i] != '"') return false;
    ++i;
    std::string value;
    while (i < s.size() && s[i] != '"') {
      if (s[i] == '\\') {
        if (i + 1 >= s.size()) return false;
        char c = s[++i];
        switch (c) {
          case 'n': value += '\n'; break;
          case 'r': value += '\r'; break;
          case 't': value += '\t'; break;
          case '\\': value += '\\'; break;
          case '"': value += '"'; break;
          case 'x':
            if (i + 2 >= s.size()) return false;
            value += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
            i += 2;
            break;
          default: return false;
        }
      } else {
        value += s[i];
      }
      ++i;
    }
    if (i >= s.size()) return false;
    ++i;  // closing quote
    out.emplace_back(std::move(name), std::move(value));
    while (i < s.size() - 1 && (s[i] == ' ' || s[i] == ',')) ++i;
  }
  return !out.empty();
}

std::string selector_of(std::vector<std::pair<std::string, std::string>> labels) {
  std::sort(labels.begin(), labels.end());
  std::string out = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ", ";
    out += labels[i].first + "=\"";
    for (char c : labels[i].second) {
      if (c == '"' || c == '\\') out += '\\';
      if (c == '\n') {
        out += "\\n";
        continue;
      }
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

std::string decode_json(const std::string& text, std::vector<LokiEntry>& out) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (auto err = parser.parse(text).get(doc)) return std::string("JSON: ") + error_message(err);
  simdjson::dom::array streams;
  if (doc["streams"].get_array().get(streams)) return "JSON: no streams array";
  for (auto stream : streams) {
    simdjson::dom::object labels_obj;
    if (stream["stream"].get_object().get(labels_obj)) return "JSON: a stream has no labels";
    std::vector<std::pair<std::string, std::string>> labels;
    for (auto field : labels_obj) {
      std::string_view v;
      if (field.value.get_string().get(v)) return "JSON: a label value is not a string";
      labels.emplace_back(std::string(field.key), std::string(v));
    }
    std::string selector = selector_of(labels);
    simdjson::dom::array values;
    if (stream["values"].get_array().get(values)) return "JSON: a stream has no values";
    for (auto value : values) {
      simdjson::dom::array pair;
      if (value.get_array().get(pair) || pair.size() < 2) return "JSON: a value is not a pair";
      std::string_view ts, line;
      if (pair.at(0).get_string().get(ts) || pair.at(1).get_string().get(line)) {
        return "JSON: a value is not [\"ns\", \"line\"]";
      }
      LokiEntry e;
      e.labels = selector;
      e.timestamp_ns = std::stoll(std::string(ts));
      e.line = std::string(line);
      if (pair.size() > 2) {
        simdjson::dom::object meta;
        if (pair.at(2).get_object().get(meta)) return "JSON: metadata is not an object";
        for (auto field : meta) {
          std::string_view v;
          if (field.value.get_string().get(v)) return "JSON: metadata value is not a string";
          e.metadata.emplace_back(std::string(field.key), std::string(v));
        }
      }
      out.push_back(std::move(e));
    }
  }
  return {};
}

}  // namespace

std::string decode_push(const std::string& content_type, const std::string& encoding,
                        const std::string& body, std::vector<LokiEntry>& out) {
  std::string plain;
  const std::string* data = &body;
  if (encoding == "gzip") {
    if (!inflate_gzip(body, plain)) return "gzip: corrupt body";
    data = &plain;
  } else if (!encoding.empty()) {
    return "unsupported Content-Encoding " + encoding;
  }
  if (content_type.rfind("application/json", 0) == 0) return decode_json(*data, out);
  // Loki takes anything else as protobuf compressed with snappy.
  std::string raw;
  if (!snappy::Uncompress(data->data(), data->size(), &raw)) return "snappy: corrupt body";
  sluice::loki::PushRequest req;
  if (!req.ParseFromString(raw)) return "protobuf: cannot parse PushRequest";
  for (const auto& s : req.streams()) {
    std::vector<std::pair<std::string, std::string>> labels;
    if (!parse_labels(s.labels(), labels)) return "error parsing labels '" + s.labels() + "'";
    std::string selector = selector_of(labels);
    for (const auto& e : s.entries()) {
      LokiEntry entry;
      entry.labels = selector;
      entry.timestamp_ns = e.timestamp().seconds() * 1'000'000'000 + e.timestamp().nanos();
      entry.line = e.line();
      for (const auto& m : e.structured_metadata())
        entry.metadata.emplace_back(m.name(), m.value());
      out.push_back(std::move(entry));
    }
  }
  return {};
}

}  // namespace sluice::test
