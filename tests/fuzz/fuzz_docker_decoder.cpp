// docker_source's log decoder. Under any bytes it must not crash, must hold no more than its
// bound, and must decode the same however the reads cut the stream. In oracle mode the input
// is a list of lines, framed as the daemon frames them (timestamp prefixes, 16 KiB pieces,
// 8-byte headers without a TTY): each must come back whole, with its stream and time.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "log_decoder.hpp"

using docker_source::LogDecoder;
using docker_source::LogLine;
using docker_source::Stream;

namespace {

using Decoded = std::tuple<int, int64_t, std::string, bool>;  // stream, time, text, truncated

struct Run {
  std::vector<Decoded> lines;
  std::vector<std::string> errors;
  bool refused = false;
  size_t most_buffered = 0;
  bool operator==(const Run& o) const {
    return lines == o.lines && errors == o.errors && refused == o.refused;
  }
};

constexpr size_t max_frame_bytes = 16 * 1024 * 1024;

Run decode(bool tty, size_t max_line, const std::string& bytes, uint32_t seed, bool whole) {
  Run run;
  LogDecoder decoder(
      tty, max_line,
      [&](const LogLine& l) {
        run.lines.emplace_back(static_cast<int>(l.stream), l.timestamp_ns, std::string(l.text),
                               l.truncated);
      },
      [&](const char* type, const std::string&) { run.errors.emplace_back(type); });
  std::minstd_rand cuts(seed);
  size_t at = 0;
  while (at < bytes.size()) {
    size_t n = whole ? bytes.size() : 1 + cuts() % 20000;
    n = std::min(n, bytes.size() - at);
    if (!decoder.feed(std::string_view(bytes).substr(at, n))) {
      run.refused = true;
      break;
    }
    run.most_buffered = std::max(run.most_buffered, decoder.buffered_bytes());
    at += n;
  }
  // As the collector does when the container has stopped.
  if (!run.refused && !decoder.inside_frame()) decoder.flush();
  return run;
}

std::string timestamp(int64_t ns) {
  const int64_t seconds = ns / 1'000'000'000;
  const int64_t fraction = ns % 1'000'000'000;
  // 2026-11-23T23:01:32 plus whole seconds: within one day, so only the time moves.
  const int64_t base = 1795474892;
  const int64_t s = seconds - base + 23 * 3600 + 1 * 60 + 32;
  char buf[64];
  std::snprintf(buf, sizeof buf, "2026-11-23T%02lld:%02lld:%02lld.%09lldZ",
                static_cast<long long>(s / 3600 % 24), static_cast<long long>(s / 60 % 60),
                static_cast<long long>(s % 60), static_cast<long long>(fraction));
  return buf;
}

void frame(std::string& out, int type, const std::string& payload) {
  const auto n = static_cast<uint32_t>(payload.size());
  const char header[8] = {static_cast<char>(type),
                          0,
                          0,
                          0,
                          static_cast<char>(n >> 24),
                          static_cast<char>(n >> 16),
                          static_cast<char>(n >> 8),
                          static_cast<char>(n)};
  out.append(header, 8);
  out += payload;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  const bool tty = in.ConsumeBool();
  const bool oracle = in.ConsumeBool();
  const size_t max_line = in.ConsumeIntegralInRange<size_t>(16, 64 * 1024);
  const uint32_t seed = in.ConsumeIntegral<uint32_t>();
  std::string bytes;
  std::vector<Decoded> expected;
  if (oracle) {
    int64_t ns = INT64_C(1795474892278091305);
    while (in.remaining_bytes() > 0) {
      std::string line = in.ConsumeRandomLengthString(40000);
      for (auto& c : line)
        if (c == '\n') c = ' ';
      const int stream = !tty && in.ConsumeBool() ? 1 : 0;
      ns += in.ConsumeIntegralInRange<int64_t>(0, 1'000'000);  // within the day timestamp() writes
      // The terminal ends a line with \r\n; the decoder drops the \r, after the cut.
      std::string raw = tty ? line + "\r" : line;
      const std::string content = raw + "\n";
      for (size_t at = 0; at < content.size(); at += LogDecoder::piece_bytes) {
        const std::string message =
            timestamp(ns) + " " + content.substr(at, LogDecoder::piece_bytes);
        if (tty) {
          bytes += message;
        } else {
          frame(bytes, stream + 1, message);
        }
      }
      const bool truncated = raw.size() > max_line;
      std::string text = raw.substr(0, max_line);
      if (tty && !text.empty() && text.back() == '\r') text.pop_back();
      expected.emplace_back(stream, ns, text, truncated);
    }
  } else {
    bytes = in.ConsumeRemainingBytesAsString();
  }
  const Run whole = decode(tty, max_line, bytes, seed, true);
  const Run cut = decode(tty, max_line, bytes, seed, false);
  if (!(whole == cut)) {
    std::fprintf(stderr, "decoded differently when the reads were cut differently\n");
    std::abort();
  }
  // Per stream: a line of max_line bytes and a piece; the frame being read, up to its limit.
  const size_t bound = max_frame_bytes + 2 * (max_line + LogDecoder::piece_bytes) + 64;
  if (cut.most_buffered > bound) {
    std::fprintf(stderr, "held %zu bytes, over its bound of %zu\n", cut.most_buffered, bound);
    std::abort();
  }
  if (oracle && (whole.lines != expected || !whole.errors.empty() || whole.refused)) {
    std::fprintf(stderr, "framed lines did not come back: %zu of %zu, %zu errors\n",
                 whole.lines.size(), expected.size(), whole.errors.size());
    std::abort();
  }
  return 0;
}
