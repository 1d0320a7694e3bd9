// loki_sink against the test receiver, a real HTTP server decoding what Loki decodes:
// numbered lines from demo_source or file_source are accounted for exactly at the receiver.
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "accounting.hpp"
#include "helpers.hpp"
#include "http_client.hpp"
#include "loki_receiver.hpp"
#include "pipeline.hpp"
#include "subprocess.hpp"
#include "test_paths.hpp"

using namespace sluice;
using namespace std::chrono_literals;

namespace {

std::vector<std::string> lines_of(const std::vector<test::LokiEntry>& entries) {
  std::vector<std::string> out;
  out.reserve(entries.size());
  for (const auto& e : entries) out.push_back(e.line);
  return out;
}

// Every record's end-to-end acknowledgement came back to demo_source (of any outcome).
bool acknowledged(core::Engine& engine, double count) {
  return test::metric_value(engine.metrics(), "sluice_demo_acknowledged_events_total") >= count;
}

double demo_outcome(core::Engine& engine, const std::string& outcome) {
  return test::metric_value(engine.metrics(), "sluice_demo_acknowledged_events_total",
                            {{"outcome", outcome}});
}

double loki_metric(core::Engine& engine, const std::string& name,
                   const std::map<std::string, std::string>& labels = {}) {
  return test::metric_value(engine.metrics(), name, labels);
}

std::string demo(const std::string& id, int count, int rate, const std::string& app) {
  return "  " + id + ":\n    type: demo_source\n    count: " + std::to_string(count) +
         "\n    rate: " + std::to_string(rate) + "\n    batch_size: 500\n    line: \"" + app +
         " {seq} end\"\n    labels:\n      app: " + app + "\n";
}

std::string sink_yaml(const std::string& url, const std::string& inputs, const std::string& extra) {
  return "sinks:\n  loki:\n    type: loki_sink\n    inputs: [" + inputs + "]\n    url: " + url +
         "\n    batch_max_wait: 50ms\n" + extra;
}

size_t numbered(const std::vector<test::LokiEntry>& entries, const std::string& prefix) {
  return test::count_numbers(lines_of(entries), prefix).size();
}

}  // namespace

TEST_CASE("every entry arrives once, in the right stream, in order", "[loki]") {
  test::LokiReceiver loki;
  test::TempDir dir;
  const int n = 20000;
  auto engine =
      test::start_engine(dir, "sources:\n" + demo("a", n, 0, "alpha") + demo("b", n, 0, "beta") +
                                  sink_yaml(loki.url(), "a, b", "    batch_max_bytes: 65536\n"));
  REQUIRE(loki.wait_for([&](const auto& e) { return e.size() >= 2u * n; }));
  REQUIRE(test::wait_until([&] { return acknowledged(*engine, 2.0 * n); }));
  engine->stop();
  auto entries = loki.entries();
  std::map<std::string, std::vector<test::LokiEntry>> by_stream;
  for (const auto& e : entries) by_stream[e.labels].push_back(e);
  REQUIRE(by_stream.size() == 2);
  test::require_each(test::count_numbers(lines_of(by_stream["{app=\"alpha\"}"]), "alpha"), n);
  test::require_each(test::count_numbers(lines_of(by_stream["{app=\"beta\"}"]), "beta"), n);
  for (const auto& [labels, list] : by_stream) {
    for (size_t i = 1; i < list.size(); ++i) {
      INFO(labels << " entry " << i);
      REQUIRE(list[i - 1].timestamp_ns <= list[i].timestamp_ns);
    }
  }
  CHECK(demo_outcome(*engine, "delivered") == 2.0 * n);
  CHECK(loki_metric(*engine, "sluice_loki_entries_sent_total") == 2.0 * n);
  CHECK(loki.max_in_flight() == 1);
  // Batches were bounded by batch_max_bytes: many requests, each well under it compressed.
  auto requests = loki.requests();
  CHECK(requests.size() > 5);
  for (const auto& r : requests) {
    CHECK(r.content_type == "application/x-protobuf");
    CHECK(r.body_bytes < 65536);
  }
}

TEST_CASE("max_concurrency senders share the requests, and every entry arrives once", "[loki]") {
  test::LokiReceiver loki;
  // Slow answers, so that requests overlap when senders are free to overlap them.
  loki.set_delay(50ms);
  test::TempDir dir;
  const int n = 20000;
  auto engine = test::start_engine(
      dir, "sources:\n" + demo("a", n, 0, "many") +
               sink_yaml(loki.url(), "a", "    batch_max_bytes: 16384\n    max_concurrency: 4\n"));
  REQUIRE(loki.wait_for([&](const auto& e) { return e.size() >= size_t(n); }));
  REQUIRE(test::wait_until([&] { return acknowledged(*engine, n); }));
  engine->stop();
  test::require_each(test::count_numbers(lines_of(loki.entries()), "many"), n);
  CHECK(demo_outcome(*engine, "delivered") == n);
  CHECK(loki.max_in_flight() > 1);
  CHECK(loki.max_in_flight() <= 4);
}

TEST_CASE("JSON encoding, gzipped or not, carries the same entries", "[loki]") {
  for (bool gzip : {false, true}) {
    test::LokiReceiver loki;
    test::TempDir dir;
    const int n = 3000;
    auto engine = test::start_engine(
        dir, "sources:\n" + demo("a", n, 0, "json") +
                 sink_yaml(loki.url(), "a",
                           "    encoding: json\n    gzip: " + std::string(gzip ? "true" : "false") +
                               "\n    structured_metadata: true\n"));
    REQUIRE(loki.wait_for([&](const auto& e) { return e.size() >= size_t(n); }));
    engine->stop();
    auto entries = loki.entries();
    test::require_each(test::count_numbers(lines_of(entries), "json"), n);
    for (const auto& e : entries) REQUIRE(e.labels == "{app=\"json\"}");
    auto requests = loki.requests();
    REQUIRE_FALSE(requests.empty());
    CHECK(requests[0].content_type == "application/json");
    CHECK(requests[0].content_encoding == (gzip ? "gzip" : ""));
  }
}

TEST_CASE("429 bursts and 500s are retried until every entry arrives, and backoff resets",
          "[loki]") {
  test::LokiReceiver loki;
  for (int i = 0; i < 3; ++i) loki.script({429, "Ingestion rate limit exceeded", "1"});
  loki.script({500, "internal error"});
  loki.script({503, "", ""});
  // Two connection resets: the first may be taken for a keep-alive connection the server
  // had closed, which is sent again at once on a new one; the second is an error.
  loki.script({0, "", "", true});
  loki.script({0, "", "", true});
  test::TempDir dir;
  test::write_file(dir.file("later.log"), "");
  const int n = 5000;
  auto engine = test::start_engine(
      dir, "sources:\n" + demo("a", n, 0, "retry") +
               "  later:\n    type: file_source\n    include: [\"" + dir.file("later.log") +
               "\"]\n    start_at: beginning\n" +
               sink_yaml(loki.url(), "a, later", "    min_backoff: 20ms\n    max_backoff: 10s\n"));
  REQUIRE(loki.wait_for([&](const auto& e) { return numbered(e, "retry") >= size_t(n); }));
  REQUIRE(test::wait_until([&] { return acknowledged(*engine, n); }));
  CHECK(loki_metric(*engine, "sluice_loki_retries_total") == 6);
  CHECK(loki_metric(*engine, "sluice_loki_requests_total", {{"status", "429"}}) == 3);
  CHECK(loki_metric(*engine, "sluice_loki_requests_total", {{"status", "5xx"}}) == 2);
  CHECK(loki_metric(*engine, "sluice_loki_requests_total", {{"status", "error"}}) == 1);
  CHECK(loki_metric(*engine, "sluice_loki_backoff_seconds") == 0);
  // Retry-After: 1 was honoured, though the backoff alone would have waited less.
  const double waited = loki_metric(*engine, "sluice_loki_retry_wait_seconds_total");
  CHECK(waited >= 3.0);
  // After the success the backoff starts again from its minimum: the next failure waits
  // exactly min_backoff, not something up to the ceiling the burst had reached (1,280 ms).
  loki.script({500, "again"});
  test::write_file(dir.file("later.log"), "later 1\n");
  REQUIRE(loki.wait_for([&](const auto& e) { return numbered(e, "later") >= 1u; }));
  CHECK(loki_metric(*engine, "sluice_loki_retries_total") == 7);
  CHECK(loki_metric(*engine, "sluice_loki_retry_wait_seconds_total") - waited ==
        Approx(0.020).margin(0.0005));
  engine->stop();
  test::require_each(test::count_numbers(lines_of(loki.entries()), "retry"), n);
  CHECK(demo_outcome(*engine, "delivered") == n);
}

TEST_CASE("a 400 fails its batch alone, counted by reason, and later batches flow", "[loki]") {
  test::LokiReceiver loki;
  // As Loki does, the refused entry is named and the rest of its request is stored.
  loki.refuse_lines_containing("bad 500 end");
  test::TempDir dir;
  const int n = 3000;
  auto engine = test::start_engine(
      dir, "sources:\n" + demo("a", n, 0, "bad") +
               sink_yaml(loki.url(), "a", "    min_backoff: 20ms\n    batch_max_bytes: 4096\n"));
  REQUIRE(test::wait_until([&] { return acknowledged(*engine, n); }));
  engine->stop();
  auto seen = test::count_numbers(lines_of(loki.entries()), "bad");
  CHECK(seen.count(500) == 0);
  seen[500] = 1;
  test::require_each(seen, n);
  CHECK(loki_metric(*engine, "sluice_loki_requests_total", {{"status", "4xx"}}) == 1);
  CHECK(loki_metric(*engine, "sluice_loki_rejected_requests_total", {{"reason", "status_400"}}) ==
        1);
  CHECK(loki_metric(*engine, "sluice_loki_retries_total") == 0);
  CHECK(demo_outcome(*engine, "rejected") > 0);
  CHECK(demo_outcome(*engine, "delivered") > 0);
  CHECK(demo_outcome(*engine, "failed") == 0);
}

TEST_CASE("Loki down for 30 seconds under load: memory stays flat, then everything arrives",
          "[loki]") {
  test::LokiReceiver loki;
  test::TempDir dir;
  const int rate = 5000;
  const int n = rate * 40;
  auto engine = test::start_engine(
      dir, "sources:\n" + demo("a", n, rate, "down") +
               sink_yaml(loki.url(), "a", "    min_backoff: 50ms\n    max_backoff: 1s\n"));
  REQUIRE(loki.wait_for([&](const auto& e) { return numbered(e, "down") >= 5000u; }));
  loki.set_down(true);
  std::vector<size_t> rss;
  auto until = std::chrono::steady_clock::now() + 30s;
  // Sampled once a second: the wait is the sampling period, not a wait for an outcome.
  while (std::chrono::steady_clock::now() < until) {
    rss.push_back(test::rss_kib());
    std::this_thread::sleep_for(1s);
  }
  CHECK(loki_metric(*engine, "sluice_loki_retries_total") > 0);
  loki.set_down(false);
  REQUIRE(loki.wait_for([&](const auto& e) { return numbered(e, "down") >= size_t(n); },
                        std::chrono::seconds(120)));
  engine->stop();
  test::require_each(test::count_numbers(lines_of(loki.entries()), "down"), n, false);
  // Backpressure held the source: the later samples are no higher than the early ones
  // (within 16 MiB of noise), though 150,000 lines would have been generated meanwhile.
  size_t early = *std::max_element(rss.begin(), rss.begin() + 5);
  size_t late = *std::max_element(rss.end() - 10, rss.end());
  INFO("RSS early " << early << " KiB, late " << late << " KiB");
  CHECK(late <= early + 16 * 1024);
}

TEST_CASE("tenant, extra headers, basic auth and bearer token reach Loki", "[loki]") {
  test::TempDir dir;
  test::write_file(dir.file("password"), "s3cret-pass\n");
  test::write_file(dir.file("token"), "t0ken-value\n");
  {
    test::LokiReceiver loki;
    auto engine = test::start_engine(
        dir, "sources:\n" + demo("a", 10, 0, "auth") +
                 sink_yaml(loki.url(), "a",
                           "    tenant_id: team-a\n    username: user\n    password_file: " +
                               dir.file("password") + "\n    headers:\n      X-Extra: yes\n"));
    REQUIRE(loki.wait_for([](const auto& e) { return e.size() >= 10u; }));
    engine->stop();
    auto r = loki.requests().at(0);
    CHECK(r.tenant == "team-a");
    CHECK(r.headers["x-extra"] == "yes");
    CHECK(r.authorization == "Basic dXNlcjpzM2NyZXQtcGFzcw==");  // user:s3cret-pass
  }
  {
    test::LokiReceiver loki;
    auto engine = test::start_engine(
        dir, "sources:\n" + demo("a", 10, 0, "auth") +
                 sink_yaml(loki.url(), "a", "    bearer_token_file: " + dir.file("token") + "\n"));
    REQUIRE(loki.wait_for([](const auto& e) { return e.size() >= 10u; }));
    engine->stop();
    CHECK(loki.requests().at(0).authorization == "Bearer t0ken-value");
  }
}

TEST_CASE("secrets never reach the log, even at debug level and on errors", "[loki]") {
  test::TempDir dir;
  test::write_file(dir.file("password"), "s3cret-pass\n");
  test::LokiReceiver loki;
  loki.script({500, "try later"});
  loki.script({401, "bad credentials"});
  test::write_file(dir.file("pipeline.yaml"),
                   "data_dir: " + dir.file("data") + "\napi: {enabled: false}\nsources:\n" +
                       demo("a", 100, 0, "secret") +
                       sink_yaml(loki.url(), "a",
                                 "    min_backoff: 10ms\n    username: user\n"
                                 "    password_file: " +
                                     dir.file("password") + "\n"));
  test::Subprocess sluice({test::sluice_binary(), "run", "-c", dir.file("pipeline.yaml"),
                           "--plugin-dir", test::plugin_dir(), "--log-level", "debug"},
                          dir.file("out"), dir.file("err"));
  REQUIRE(test::wait_until([&] { return loki.request_count() >= 2; }));
  sluice.signal(SIGTERM);
  REQUIRE(sluice.wait() == std::optional<int>(0));
  std::string log = test::read_file(dir.file("err"));
  INFO(log);
  CHECK(log.find("bad credentials") != std::string::npos);  // the errors were logged
  CHECK(log.find("s3cret-pass") == std::string::npos);
  CHECK(log.find("dXNlcjpzM2NyZXQtcGFzcw") == std::string::npos);
  CHECK(loki.requests().at(0).authorization == "Basic dXNlcjpzM2NyZXQtcGFzcw==");
}

TEST_CASE("loki_sink's metrics pass promtool check metrics", "[loki]") {
  test::LokiReceiver loki;
  loki.script({500, "once"});
  loki.refuse_lines_containing("promtool 7 end");
  test::TempDir dir;
  auto engine = test::start_engine(
      dir,
      "sources:\n" + demo("a", 1000, 0, "promtool") +
          sink_yaml(loki.url(), "a", "    min_backoff: 10ms\n    batch_max_bytes: 4096\n"),
      true);
  REQUIRE(test::wait_until([&] { return acknowledged(*engine, 1000); }));
  auto reply = test::http_get(engine->api_port(), "/metrics");
  REQUIRE(reply.status == 200);
  for (const char* name :
       {"sluice_loki_entries_sent_total", "sluice_loki_bytes_sent_total",
        "sluice_loki_requests_total", "sluice_loki_request_duration_seconds_bucket",
        "sluice_loki_retries_total", "sluice_loki_entries_dropped_total",
        "sluice_loki_rejected_requests_total", "sluice_loki_requests_in_flight",
        "sluice_loki_backoff_seconds"}) {
    CHECK(reply.body.find(name) != std::string::npos);
  }
  test::write_file(dir.file("metrics.txt"), reply.body);
  auto r = test::run({"/bin/sh", "-c", "promtool check metrics < " + dir.file("metrics.txt")});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  engine->stop();
}

TEST_CASE("a request past request_timeout is abandoned and sent again", "[loki]") {
  test::LokiReceiver loki;
  test::LokiAnswer slow;
  slow.delay = 3s;
  loki.script(slow);
  test::TempDir dir;
  auto engine = test::start_engine(
      dir, "sources:\n" + demo("a", 100, 0, "timeout") +
               sink_yaml(loki.url(), "a", "    request_timeout: 300ms\n    min_backoff: 10ms\n"));
  REQUIRE(loki.wait_for([](const auto& e) { return e.size() >= 100u; }));
  REQUIRE(test::wait_until([&] { return acknowledged(*engine, 100); }));
  engine->stop();
  CHECK(loki_metric(*engine, "sluice_loki_requests_total", {{"status", "error"}}) == 1);
  CHECK(loki_metric(*engine, "sluice_loki_retries_total") == 1);
  // The slow answer was stored too, late: Loki keeps one copy of exact duplicates, and
  // the lines are all there.
  test::require_each(test::count_numbers(lines_of(loki.entries()), "timeout"), 100, false);
}

namespace {

// A test CA, a server certificate for 127.0.0.1 signed by it, and an unrelated CA.
struct TestCerts {
  explicit TestCerts(const test::TempDir& dir) {
    auto sh = [](const std::string& cmd) {
      auto r = test::run({"/bin/sh", "-c", cmd}, std::chrono::seconds(60));
      INFO(cmd << "\n" << r.out << r.err);
      REQUIRE(r.exit_code == 0);
    };
    std::string d = dir.path().string();
    sh("cd " + d +
       " && openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=test-ca"
       " -keyout ca.key -out ca.pem 2>/dev/null"
       " && openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=other-ca"
       " -keyout other.key -out other.pem 2>/dev/null"
       " && openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1"
       " -keyout server.key -out server.csr 2>/dev/null"
       " && printf 'subjectAltName=IP:127.0.0.1\\n' > san.ext"
       " && openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial"
       " -days 2 -extfile san.ext -out server.pem 2>/dev/null");
    ca = dir.file("ca.pem");
    other_ca = dir.file("other.pem");
    tls.cert_file = dir.file("server.pem");
    tls.key_file = dir.file("server.key");
  }
  std::string ca, other_ca;
  test::LokiTls tls;
};

}  // namespace

TEST_CASE("TLS: the test CA is trusted, a wrong CA is refused", "[loki]") {
  test::TempDir dir;
  TestCerts certs(dir);
  test::LokiReceiver loki(&certs.tls);
  {
    auto engine = test::start_engine(
        dir, "sources:\n" + demo("a", 100, 0, "tls") +
                 sink_yaml(loki.url(), "a", "    tls:\n      ca_file: " + certs.ca + "\n"));
    REQUIRE(loki.wait_for([](const auto& e) { return e.size() >= 100u; }));
    engine->stop();
    test::require_each(test::count_numbers(lines_of(loki.entries()), "tls"), 100);
  }
  {
    auto engine = test::start_engine(
        dir,
        "sources:\n" + demo("b", 100, 0, "wrong") +
            sink_yaml(loki.url(), "b",
                      "    min_backoff: 20ms\n    tls:\n      ca_file: " + certs.other_ca + "\n"));
    REQUIRE(test::wait_until([&] {
      return loki_metric(*engine, "sluice_loki_requests_total", {{"status", "error"}}) >= 2;
    }));
    engine->stop();
    CHECK(numbered(loki.entries(), "wrong") == 0);
    CHECK(demo_outcome(*engine, "delivered") == 0);
  }
  {
    // The name check is on by default: a certificate for 127.0.0.1 does not pass as
    // another name, unless insecure_skip_verify says not to check at all.
    auto engine = test::start_engine(
        dir, "sources:\n" + demo("c", 100, 0, "name") +
                 sink_yaml(loki.url(), "c",
                           "    min_backoff: 20ms\n    tls:\n      ca_file: " + certs.ca +
                               "\n      server_name: loki.example\n"));
    REQUIRE(test::wait_until([&] {
      return loki_metric(*engine, "sluice_loki_requests_total", {{"status", "error"}}) >= 2;
    }));
    engine->stop();
    CHECK(numbered(loki.entries(), "name") == 0);
  }
  {
    auto engine = test::start_engine(
        dir, "sources:\n" + demo("d", 100, 0, "skip") +
                 sink_yaml(loki.url(), "d", "    tls:\n      insecure_skip_verify: true\n"));
    REQUIRE(loki.wait_for([](const auto& e) { return e.size() >= 200u; }));
    engine->stop();
  }
}

TEST_CASE("1,000 label sets against max_streams: 100", "[loki]") {
  test::LokiReceiver loki;
  test::TempDir dir;
  std::filesystem::create_directories(dir.file("logs"));
  for (int i = 1; i <= 1000; ++i) {
    test::write_file(dir.file("logs/f" + std::to_string(i) + ".log"),
                     "file " + std::to_string(i) + "\n");
  }
  auto engine =
      test::start_engine(dir, "sources:\n  files:\n    type: file_source\n    include: [\"" +
                                  dir.file("logs") + "/*.log\"]\n    start_at: beginning\n" +
                                  sink_yaml(loki.url(), "files", "    max_streams: 100\n"));
  REQUIRE(test::wait_until([&] {
    return loki_metric(*engine, "sluice_loki_entries_dropped_total", {{"reason", "max_streams"}}) +
               loki_metric(*engine, "sluice_loki_entries_sent_total") >=
           1000;
  }));
  engine->stop();
  auto entries = loki.entries();
  std::set<std::string> streams;
  for (const auto& e : entries) streams.insert(e.labels);
  CHECK(streams.size() == 100);
  CHECK(entries.size() == 100);
  CHECK(loki_metric(*engine, "sluice_loki_entries_dropped_total", {{"reason", "max_streams"}}) ==
        900);
  CHECK(loki_metric(*engine, "sluice_loki_active_streams") == 100);
}

TEST_CASE("invalid UTF-8 passes as bytes in protobuf, and a 1 MiB line is truncated", "[loki]") {
  test::LokiReceiver loki;
  test::TempDir dir;
  std::string invalid = "bad \xff\xfe utf8 \xc3\x28 end";
  std::string big(1024 * 1024, 'x');
  test::write_file(dir.file("in.log"), invalid + "\n" + big + "\nlast line\n");
  auto engine = test::start_engine(
      dir, "sources:\n  files:\n    type: file_source\n    include: [\"" + dir.file("in.log") +
               "\"]\n    start_at: beginning\n    max_line_bytes: 2097152\n" +
               sink_yaml(loki.url(), "files", "    labels:\n      job: utf8\n"));
  REQUIRE(loki.wait_for([](const auto& e) { return e.size() >= 3u; }));
  engine->stop();
  auto entries = loki.entries();
  REQUIRE(entries.size() == 3);
  CHECK(entries[0].line == invalid);
  CHECK(entries[1].line == std::string(256 * 1024, 'x'));
  CHECK(entries[2].line == "last line");
  CHECK(entries[0].labels.find("job=\"utf8\"") != std::string::npos);
  CHECK(loki_metric(*engine, "sluice_loki_lines_truncated_total") == 1);
}

TEST_CASE("label names are made valid and counted, and Loki's limits are applied", "[loki]") {
  test::LokiReceiver loki;
  test::TempDir dir;
  const std::string long_value(3000, 'v');
  auto engine = test::start_engine(
      dir,
      "sources:\n  a:\n    type: demo_source\n    count: 5\n    rate: 0\n"
      "    line: \"labels {seq}\"\n    labels:\n      app.name: x\n      9lives: y\n"
      "      long: " +
          long_value + "\n" + sink_yaml(loki.url(), "a", "    max_label_value_length: 100\n"));
  REQUIRE(loki.wait_for([](const auto& e) { return e.size() >= 5u; }));
  engine->stop();
  auto e = loki.entries().at(0);
  CHECK(e.labels == "{_9lives=\"y\", app_name=\"x\", long=\"" + std::string(100, 'v') + "\"}");
  CHECK(loki_metric(*engine, "sluice_loki_label_fixes_total", {{"fix", "invalid_name"}}) == 2);
  CHECK(loki_metric(*engine, "sluice_loki_label_fixes_total", {{"fix", "long_value"}}) == 1);
}

TEST_CASE("configuration errors are named by key", "[loki]") {
  test::TempDir dir;
  core::Diagnostics diags;
  auto engine =
      test::load_engine(dir,
                        "sources:\n" + demo("a", 1, 0, "x") +
                            "sinks:\n  loki:\n    type: loki_sink\n    inputs: [a]\n"
                            "    url: ftp://loki\n    encoding: xml\n    line_too_long: fold\n"
                            "    password_file: /nonexistent/secret\n",
                        diags);
  CHECK(engine == nullptr);
  std::string text = diags.to_string();
  CHECK(text.find("url") != std::string::npos);
  CHECK(text.find("encoding") != std::string::npos);
  CHECK(text.find("line_too_long") != std::string::npos);
  CHECK(text.find("password_file") != std::string::npos);
  // The secret's path is named; no secret value could be.
}

TEST_CASE("sluice plugin-check passes on loki_sink over 100 cycles while Loki hangs or fails",
          "[loki]") {
  test::TempDir dir;
  {
    // Every request hangs far past the stop deadline: stop must cut it.
    test::LokiReceiver loki;
    loki.set_delay(std::chrono::seconds(60));
    test::write_file(dir.file("slow.yaml"), "url: " + loki.url() +
                                                "\nbatch_max_wait: 5ms\nrequest_timeout: 60s\n"
                                                "max_concurrency: 4\n");
    auto r = test::run({test::sluice_binary(), "plugin-check", test::plugin_dir() + "/loki_sink.so",
                        "--config", dir.file("slow.yaml"), "--cycles", "100", "--run-for", "50ms"},
                       std::chrono::seconds(300));
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("PASS") != std::string::npos);
    CHECK(loki.request_count() == 0);  // none was answered
  }
  {
    // Every request fails at once and the retry waits a minute: stop must cut the wait.
    test::LokiReceiver loki;
    for (int i = 0; i < 1000; ++i) loki.script({500, "down"});
    test::write_file(dir.file("failing.yaml"),
                     "url: " + loki.url() + "\nbatch_max_wait: 5ms\nmin_backoff: 60s\n");
    auto r =
        test::run({test::sluice_binary(), "plugin-check", test::plugin_dir() + "/loki_sink.so",
                   "--config", dir.file("failing.yaml"), "--cycles", "100", "--run-for", "50ms"},
                  std::chrono::seconds(300));
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("PASS") != std::string::npos);
    CHECK(loki.request_count() > 0);
  }
}
