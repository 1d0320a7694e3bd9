// stdout_sink on the SDK's fake host, with standard output redirected to a file or a pipe.
#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "record_format.hpp"
#include "sluice/testing/fake_host.hpp"

extern "C" const sluice_plugin_descriptor_t* sluice_plugin_entry(uint16_t, uint16_t);

using sluice::testing::FakeHost;

namespace {
const sluice_plugin_descriptor_t* descriptor() {
  return sluice_plugin_entry(SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR);
}

// Points fd 1 at another descriptor for the life of the object.
class StdoutRedirect {
 public:
  explicit StdoutRedirect(int fd) : saved_(::dup(1)) {
    std::fflush(stdout);
    ::dup2(fd, 1);
  }
  ~StdoutRedirect() {
    ::dup2(saved_, 1);
    ::close(saved_);
  }

 private:
  int saved_;
};

std::string render(const sluice_record_t& r, Format f) {
  std::string out;
  append_record(r, f, out);
  return out;
}
}  // namespace

TEST_CASE("records render as text and as JSON", "[stdout_sink]") {
  sluice_label_t labels[] = {{{"app", 3}, {"web", 3}}, {{"q", 1}, {"a\"b", 3}}};
  std::string line = "hello\tworld";
  sluice_record_t r{1'700'000'000'123'456'789, {line.data(), line.size()}, labels, 2, nullptr, 0};
  CHECK(render(r, Format::text) ==
        "2023-11-14T22:13:20.123456789Z {app=\"web\", q=\"a\\\"b\"} hello\tworld\n");
  CHECK(render(r, Format::json) ==
        "{\"timestamp\":\"2023-11-14T22:13:20.123456789Z\",\"labels\":{\"app\":\"web\",\"q\":"
        "\"a\\\"b\"},"
        "\"line\":\"hello\\tworld\"}\n");
}

TEST_CASE("invalid UTF-8 becomes U+FFFD in JSON, valid multi-byte text stays", "[stdout_sink]") {
  std::string line = "ok \xc3\xa9 bad \xff\xc3 end \xed\xa0\x80";
  sluice_record_t r{0, {line.data(), line.size()}, nullptr, 0, nullptr, 0};
  std::string json = render(r, Format::json);
  CHECK(json.find(
            "ok \xc3\xa9 bad \xEF\xBF\xBD\xEF\xBF\xBD end \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD") !=
        std::string::npos);
}

TEST_CASE("stdout_sink writes each batch and acknowledges it after the write", "[stdout_sink]") {
  char path[] = "/tmp/sluice-stdout-XXXXXX";
  int fd = ::mkstemp(path);
  REQUIRE(fd >= 0);
  {
    StdoutRedirect redirect(fd);
    FakeHost host(descriptor());
    REQUIRE(host.create({{"format", "json"}}));
    REQUIRE(host.start());
    host.push({{"first", {{"a", "1"}}}, {"second", {}}});
    host.push({{"third", {}}});
    REQUIRE(host.wait_for_finished(2));
    CHECK(host.outcomes() ==
          std::vector<sluice_outcome_t>{SLUICE_OUTCOME_DELIVERED, SLUICE_OUTCOME_DELIVERED});
    CHECK(host.stop());
  }
  ::close(fd);
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  ::unlink(path);
  CHECK(s.str() ==
        "{\"timestamp\":\"1970-01-01T00:00:00.000000000Z\",\"labels\":{\"a\":\"1\"},\"line\":"
        "\"first\"}\n"
        "{\"timestamp\":\"1970-01-01T00:00:00.000000000Z\",\"labels\":{},\"line\":\"second\"}\n"
        "{\"timestamp\":\"1970-01-01T00:00:00.000000000Z\",\"labels\":{},\"line\":\"third\"}\n");
}

TEST_CASE("a closed standard output fails the batches and ends the run once", "[stdout_sink]") {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  ::close(fds[0]);  // its reader has gone: every write fails with EPIPE
  {
    StdoutRedirect redirect(fds[1]);
    FakeHost host(descriptor());
    REQUIRE(host.create({}));
    REQUIRE(host.start());
    host.push({{"lost", {}}});
    host.push({{"also lost", {}}});
    REQUIRE(host.wait_for_finished(2));
    // Failed, not delivered: their sources read them again at the next start.
    CHECK(host.outcomes() ==
          std::vector<sluice_outcome_t>{SLUICE_OUTCOME_FAILED, SLUICE_OUTCOME_FAILED});
    CHECK(host.metric("sluice_stdout_write_errors_total") == 2);
    auto ended = host.end_run_requests();
    REQUIRE(ended.size() == 1);
    CHECK(ended[0].find("standard output was closed") != std::string::npos);
    CHECK(host.stop());
  }
  ::close(fds[1]);
}

TEST_CASE("a write error fails the batch, is reported once, and the sink keeps going",
          "[stdout_sink]") {
  int full = ::open("/dev/full", O_WRONLY);
  REQUIRE(full >= 0);
  {
    StdoutRedirect redirect(full);
    FakeHost host(descriptor());
    REQUIRE(host.create({}));
    REQUIRE(host.start());
    host.push({{"lost", {}}});
    host.push({{"also lost", {}}});
    REQUIRE(host.wait_for_finished(2));
    CHECK(host.outcomes() ==
          std::vector<sluice_outcome_t>{SLUICE_OUTCOME_FAILED, SLUICE_OUTCOME_FAILED});
    CHECK(host.metric("sluice_stdout_write_errors_total") == 2);
    auto logs = host.logs();
    REQUIRE(logs.size() == 1);
    CHECK(logs[0].find("No space left on device") != std::string::npos);
    CHECK(host.end_run_requests().empty());  // a full disk may pass: the run goes on
    CHECK(host.stop());
  }
  ::close(full);
}

TEST_CASE("stdout_sink refuses an unknown format", "[stdout_sink]") {
  FakeHost host(descriptor());
  CHECK_FALSE(host.create({{"format", "xml"}}));
  CHECK(host.config_errors() ==
        std::vector<std::string>{"format: expected 'text' or 'json', got 'xml'"});
}
