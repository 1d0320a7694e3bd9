// A Loki push receiver for tests: a real HTTP server on 127.0.0.1 (plain or TLS) that
// decodes requests as Loki does (snappy + protobuf, or JSON, gzipped or not), records every
// entry it accepts, and can be told to misbehave: answer 429 with Retry-After, 500, 400 with a
// body, be slow, reset connections, or be down. One thread serves every connection.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "loki_decode.hpp"

namespace sluice::test {

struct LokiRequest {
  std::string content_type;
  std::string content_encoding;
  std::string authorization;
  std::string tenant;
  std::map<std::string, std::string> headers;  // every header, names in lower case
  size_t body_bytes = 0;
  unsigned status = 0;  // what was answered
};

// One scripted answer; scripted answers are used up in order, then requests succeed.
struct LokiAnswer {
  unsigned status = 204;
  std::string body;
  std::string retry_after;
  bool reset = false;  // close the connection without answering
  std::chrono::milliseconds delay{0};
};

struct LokiTls {
  std::string cert_file;
  std::string key_file;
};

class LokiReceiver {
 public:
  explicit LokiReceiver(const LokiTls* tls = nullptr);
  ~LokiReceiver();
  LokiReceiver(const LokiReceiver&) = delete;
  LokiReceiver& operator=(const LokiReceiver&) = delete;

  unsigned short port() const { return port_; }
  std::string url() const;

  void script(LokiAnswer answer);
  // Every request waits this long before it is answered.
  void set_delay(std::chrono::milliseconds delay);
  // Refuses (400, per entry, as Loki does) the entries whose line contains text; the other
  // entries of the same request are stored.
  void refuse_lines_containing(std::string text);
  // Down: the listener and every connection are closed; up: listening again on the same port.
  void set_down(bool down);

  // Off: entries are decoded and counted but not kept (for the benchmark's millions).
  void keep_entries(bool keep);
  size_t entry_count() const;
  // The most requests that were being answered at one time.
  size_t max_in_flight() const;

  std::vector<LokiEntry> entries() const;
  std::vector<LokiRequest> requests() const;
  size_t request_count() const;
  // Waits until pred(entries) holds, up to timeout.
  bool wait_for(const std::function<bool(const std::vector<LokiEntry>&)>& pred,
                std::chrono::milliseconds timeout = std::chrono::seconds(60)) const;

  // The decoding, exposed for the benchmark and unit tests. Returns an error text, or empty.
  static std::string decode(const std::string& content_type, const std::string& encoding,
                            const std::string& body, std::vector<LokiEntry>& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  unsigned short port_ = 0;
};

}  // namespace sluice::test
