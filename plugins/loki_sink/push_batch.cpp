#include "push_batch.hpp"

#include <snappy.h>
#include <zlib.h>

#include <algorithm>
#include <stdexcept>

#include "push.pb.h"
#include "sluice/json_string.hpp"

namespace loki_sink {
namespace {

void encode_protobuf(std::vector<Stream>& streams, bool with_metadata, std::string& body) {
  google::protobuf::Arena arena;
  auto* request = google::protobuf::Arena::CreateMessage<sluice::loki::PushRequest>(&arena);
  request->mutable_streams()->Reserve(static_cast<int>(streams.size()));
  for (const auto& s : streams) {
    auto* stream = request->add_streams();
    stream->set_labels(s.selector);
    stream->mutable_entries()->Reserve(static_cast<int>(s.entries.size()));
    for (const auto& e : s.entries) {
      auto* entry = stream->add_entries();
      auto* ts = entry->mutable_timestamp();
      int64_t secs = e.timestamp_ns / 1'000'000'000;
      int64_t nanos = e.timestamp_ns % 1'000'000'000;
      if (nanos < 0) {
        nanos += 1'000'000'000;
        --secs;
      }
      ts->set_seconds(secs);
      ts->set_nanos(static_cast<int32_t>(nanos));
      entry->set_line(e.line.data(), e.line.size());
      if (with_metadata) {
        for (uint32_t i = 0; i < e.record->metadata_count; ++i) {
          auto* pair = entry->add_structured_metadata();
          const auto& m = e.record->metadata[i];
          pair->set_name(m.name.data, m.name.size);
          pair->set_value(m.value.data, m.value.size);
        }
      }
    }
  }
  std::string raw;
  if (!request->SerializeToString(&raw)) throw std::runtime_error("protobuf encoding failed");
  body.clear();
  snappy::Compress(raw.data(), raw.size(), &body);
}

void encode_json(const std::vector<Stream>& streams, bool with_metadata, std::string& out) {
  out.clear();
  out += "{\"streams\":[";
  bool first_stream = true;
  for (const auto& s : streams) {
    if (!first_stream) out += ',';
    first_stream = false;
    out += "{\"stream\":{";
    bool first = true;
    for (const auto& [name, value] : s.labels) {
      if (!first) out += ',';
      first = false;
      sluice::append_json_string(name.data(), name.size(), out);
      out += ':';
      sluice::append_json_string(value.data(), value.size(), out);
    }
    out += "},\"values\":[";
    bool first_entry = true;
    for (const auto& e : s.entries) {
      if (!first_entry) out += ',';
      first_entry = false;
      out += "[\"";
      out += std::to_string(e.timestamp_ns);
      out += "\",";
      sluice::append_json_string(e.line.data(), e.line.size(), out);
      if (with_metadata && e.record->metadata_count > 0) {
        out += ",{";
        for (uint32_t i = 0; i < e.record->metadata_count; ++i) {
          const auto& m = e.record->metadata[i];
          if (i > 0) out += ',';
          sluice::append_json_string(m.name.data, m.name.size, out);
          out += ':';
          sluice::append_json_string(m.value.data, m.value.size, out);
        }
        out += '}';
      }
      out += ']';
    }
    out += "]}";
  }
  out += "]}";
}

void gzip(const std::string& in, std::string& out) {
  z_stream z{};
  // 15 + 16: a gzip wrapper rather than zlib's, which Content-Encoding: gzip means.
  if (deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("gzip: cannot initialise deflate");
  }
  out.resize(deflateBound(&z, static_cast<uLong>(in.size())) + 32);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&z, Z_FINISH);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) throw std::runtime_error("gzip: deflate did not finish");
  out.resize(z.total_out);
}

}  // namespace

size_t PushBatch::cost(const std::string& selector, std::string_view line, const sluice_record_t& r,
                       bool with_metadata) const {
  size_t c = line.size() + entry_overhead;
  if (with_metadata) {
    for (uint32_t i = 0; i < r.metadata_count; ++i) {
      c += r.metadata[i].name.size + r.metadata[i].value.size + 8;
    }
  }
  if (!has_stream(selector)) c += selector.size() + 16;
  return c;
}

void PushBatch::clear() {
  streams_.clear();
  index_.clear();
  bytes_ = 0;
  entries_ = 0;
}

std::string PushBatch::encode(const Settings& settings, std::string& body, bool* gzipped) {
  for (auto& s : streams_) {
    std::stable_sort(s.entries.begin(), s.entries.end(), [](const Entry& a, const Entry& b) {
      return a.timestamp_ns < b.timestamp_ns;
    });
  }
  *gzipped = false;
  if (settings.encoding == Encoding::protobuf) {
    encode_protobuf(streams_, settings.structured_metadata, body);
    return "application/x-protobuf";
  }
  if (settings.gzip) {
    std::string text;
    encode_json(streams_, settings.structured_metadata, text);
    gzip(text, body);
    *gzipped = true;
  } else {
    encode_json(streams_, settings.structured_metadata, body);
  }
  return "application/json";
}

}  // namespace loki_sink
