// file_source's container log decoding (CRI and json-file), joining pieces: whatever the
// lines, each stream's text comes out whole and in order (the records of a stream joined
// give what its pieces gave), every line not of the format comes out once as it was, and
// after the final flush nothing is held. Also the raw line parsers on arbitrary bytes.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "container_log.hpp"

using namespace file_source;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  const bool json = in.ConsumeBool();
  ContainerLog log(json ? Format::docker_json : Format::cri, size_t{1} << 20);
  DockerJsonParser raw_json;
  std::map<Stream, std::string> sent, received;
  std::vector<std::string> malformed_sent, malformed_received;
  auto on = [&](const Joined& j) {
    if (j.cut) std::abort();  // nothing here comes near the limit
    if (j.malformed) {
      malformed_received.emplace_back(j.line);
    } else {
      received[j.stream] += j.line;
    }
  };
  while (in.remaining_bytes() > 0) {
    const int kind = in.ConsumeIntegralInRange<int>(0, 2);
    const bool err = in.ConsumeBool();
    const bool last = in.ConsumeBool();
    std::string text = in.ConsumeRandomLengthString(64);
    std::string line;
    if (kind == 0) {
      // Arbitrary bytes: either format's parser must take them or refuse them.
      line = text;
      parse_cri(line);
      raw_json.parse(line);
    } else if (json) {
      // dockerd ends a log value with a newline only at a line's end: none inside.
      std::erase(text, '\n');
      std::string escaped;
      for (unsigned char c : text) {
        if (c == '"' || c == '\\') {
          escaped += '\\';
          escaped += static_cast<char>(c);
        } else if (c < 0x20 || c >= 0x80) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          escaped += buf;
        } else {
          escaped += static_cast<char>(c);
        }
      }
      line = R"({"log":")" + escaped + (last ? "\\n" : "") + R"(","stream":")" +
             (err ? "stderr" : "stdout") + R"(","time":"2026-12-03T10:00:00.000000001Z"})";
      // \u escapes of bytes >= 0x80 decode to UTF-8 of that code point, not the byte.
      std::string decoded;
      for (unsigned char c : text) {
        if (c >= 0x80) {
          decoded += static_cast<char>(0xC0 | (c >> 6));
          decoded += static_cast<char>(0x80 | (c & 0x3F));
        } else {
          decoded += static_cast<char>(c);
        }
      }
      text = decoded;
      // A line's closing \r\n goes, as a raw file's does.
      if (last && !text.empty() && text.back() == '\r') text.pop_back();
    } else {
      line = std::string("2026-12-03T10:00:00.000000001Z ") + (err ? "stderr" : "stdout") +
             (last ? " F " : " P ") + text;
    }
    if (kind == 0 && (json ? raw_json.parse(line).has_value() : parse_cri(line).has_value())) {
      continue;  // arbitrary bytes that happen to be a valid line: not counted either way
    }
    if (kind == 0) {
      malformed_sent.push_back(line);
    } else {
      sent[err ? Stream::stderr_stream : Stream::stdout_stream] += text;
    }
    log.decode(line, on);
  }
  log.flush(on);
  if (log.holding()) std::abort();
  if (sent != received) std::abort();
  if (malformed_sent != malformed_received) std::abort();
  return 0;
}
