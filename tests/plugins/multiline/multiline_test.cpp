// multiline on the SDK's fake host: joins, streams, limits, flushes, and the holds that keep
// sources' positions behind lines not yet sent on.
#include <catch2/catch.hpp>

#include "sluice/testing/fake_host.hpp"

extern "C" const sluice_plugin_descriptor_t* sluice_plugin_entry(uint16_t, uint16_t);

using sluice::testing::FakeConfig;
using sluice::testing::FakeHost;
using sluice::testing::FakeRecord;
using Lines = std::vector<std::string>;
using Ids = std::vector<uint64_t>;

namespace {
const sluice_plugin_descriptor_t* descriptor() {
  return sluice_plugin_entry(SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR);
}

Lines lines(const std::vector<FakeRecord>& records) {
  Lines out;
  for (const auto& r : records) out.push_back(r.line);
  return out;
}

std::vector<FakeRecord> from(const Lines& in, const std::string& container = "a") {
  std::vector<FakeRecord> out;
  int64_t t = 100;
  for (const auto& l : in) out.push_back({l, {{"container", container}}, t++});
  return out;
}

const Lines java_trace = {
    "2026-11-23 10:00:00 ERROR request failed",      "java.lang.IllegalStateException: boom",
    "\tat com.example.Service.run(Service.java:42)", "\tat com.example.Main.main(Main.java:7)",
    "Caused by: java.io.IOException: disk",          "\t... 2 more",
};
}  // namespace

TEST_CASE("multiline joins a Java stack trace, split across batches, and holds the first",
          "[multiline]") {
  FakeHost host(descriptor());
  REQUIRE(host.create({{"mode", "java"}}));
  auto first = host.process(
      from({"2026-11-23 09:59:59 INFO ok", java_trace[0], java_trace[1], java_trace[2]}));
  // The INFO line is finished (a new record started after it); the trace is still open.
  CHECK(lines(first) == Lines{"2026-11-23 09:59:59 INFO ok"});
  CHECK(host.open_holds() == Ids{1});
  auto second = host.process(
      from({java_trace[3], java_trace[4], java_trace[5], "2026-11-23 10:00:01 INFO next"}));
  REQUIRE(second.size() == 1);
  std::string joined;
  for (const auto& l : java_trace) joined += (joined.empty() ? "" : "\n") + l;
  CHECK(second[0].line == joined);
  CHECK(second[0].timestamp_ns == 101);  // the first line's time
  CHECK(second[0].labels == FakeRecord{"", {{"container", "a"}}}.labels);
  // Batch 1's hold now rides on batch 2; batch 2 is held for its last line.
  CHECK(host.carried_by(2) == Ids{1});
  CHECK(host.open_holds() == Ids{2});
  auto last = host.flush(true);
  CHECK(lines(last) == Lines{"2026-11-23 10:00:01 INFO next"});
  CHECK(host.carried_by(3) == Ids{2});
  CHECK(host.open_holds().empty());
  CHECK(host.metric("sluice_multiline_joined_lines_total") == 5);
}

TEST_CASE("multiline keeps interleaved streams of two containers apart", "[multiline]") {
  FakeHost host(descriptor());
  REQUIRE(host.create({{"mode", "python"}}));
  std::vector<FakeRecord> in = {
      {"ERROR:root:failed", {{"container", "a"}}},
      {"ERROR:root:other", {{"container", "b"}}},
      {"Traceback (most recent call last):", {{"container", "a"}}},
      {"Traceback (most recent call last):", {{"container", "b"}}},
      {"  File \"a.py\", line 1, in <module>", {{"container", "a"}}},
      {"  File \"b.py\", line 9, in <module>", {{"container", "b"}}},
      {"ValueError: a", {{"container", "a"}}},
      {"KeyError: 'b'", {{"container", "b"}}},
      {"INFO:root:a again", {{"container", "a"}}},
      {"INFO:root:b again", {{"container", "b"}}},
  };
  auto out = host.process(in);
  REQUIRE(out.size() == 2);
  CHECK(out[0].line ==
        "ERROR:root:failed\nTraceback (most recent call last):\n  File \"a.py\", line 1, in "
        "<module>\nValueError: a");
  CHECK(out[1].line ==
        "ERROR:root:other\nTraceback (most recent call last):\n  File \"b.py\", line 9, in "
        "<module>\nKeyError: 'b'");
  CHECK(lines(host.flush(true)) == Lines{"INFO:root:a again", "INFO:root:b again"});
}

TEST_CASE("multiline joins a Go panic", "[multiline]") {
  FakeHost host(descriptor());
  REQUIRE(host.create({{"mode", "go"}}));
  Lines panic = {"panic: runtime error: index out of range [3] with length 2",
                 "",
                 "goroutine 1 [running]:",
                 "main.lookup(...)",
                 "\t/src/main.go:12",
                 "main.main()",
                 "\t/src/main.go:8 +0x1d",
                 "exit status 2"};
  auto in = panic;
  in.push_back("level=info msg=restarted");
  auto out = host.process(from(in));
  REQUIRE(out.size() == 1);
  CHECK(out[0].line.find("goroutine 1 [running]:\nmain.lookup(...)") != std::string::npos);
  CHECK(out[0].line.substr(out[0].line.size() - 13) == "exit status 2");
}

TEST_CASE("multiline with start_pattern, and flush by timeout", "[multiline]") {
  FakeHost host(descriptor());
  REQUIRE(host.create({{"start_pattern", R"(^\d{4}-\d\d-\d\d )"}, {"flush_after", "50ms"}}));
  CHECK(host.process(from({"2026-11-23 first", "  more", "  and more"})).empty());
  // Not yet due: nothing comes out.
  CHECK(host.flush(false).empty());
  std::vector<FakeRecord> out;
  for (int i = 0; i < 200 && out.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    out = host.flush(false);
  }
  REQUIRE(out.size() == 1);
  CHECK(out[0].line == "2026-11-23 first\n  more\n  and more");
  CHECK(host.carried_by(host.last_batch()) == Ids{1});
  CHECK(host.metric("sluice_multiline_flushed_total") == 1);
}

TEST_CASE("multiline cuts a record at max_lines and max_bytes", "[multiline]") {
  FakeHost host(descriptor());
  REQUIRE(host.create({{"continue_pattern", "^ "}, {"max_lines", 3}, {"max_bytes", 1000}}));
  auto out = host.process(from({"a", " 1", " 2", " 3", " 4", "b", std::string(2000, 'x'), " y"}));
  out = [&] {
    auto rest = host.flush(true);
    out.insert(out.end(), rest.begin(), rest.end());
    return out;
  }();
  CHECK(lines(out) == Lines{"a\n 1\n 2", " 3\n 4", "b", std::string(2000, 'x'), " y"});
  // Cut by the limits: at " 3" (max_lines) and at " y" (max_bytes).
  CHECK(host.metric("sluice_multiline_flushed_total") == 2);
}

TEST_CASE("multiline passes a 10 MiB line and binary data", "[multiline]") {
  FakeHost host(descriptor());
  REQUIRE(host.create({{"mode", "java"}}));
  std::string big(10 << 20, 'z');
  auto out = host.process(
      from({big, "\tat x.y(Z.java:1)", std::string("\xff\xfe\x00 binary", 10), "next"}));
  // The big line alone is over max_bytes (256 KiB): the line after it is not joined to it.
  REQUIRE(out.size() == 3);
  CHECK(out[0].line.size() == big.size());
  CHECK(out[1].line == "\tat x.y(Z.java:1)");
  CHECK(out[2].line == std::string("\xff\xfe\x00 binary", 10));
}

TEST_CASE("multiline releases what it holds as failed when destroyed unflushed", "[multiline]") {
  FakeHost host(descriptor());
  REQUIRE(host.create({{"mode", "java"}}));
  host.process(from({"start", "\tat a.b(C.java:1)"}));
  CHECK(host.open_holds() == Ids{1});
  host.destroy();
  auto released = host.released_holds();
  REQUIRE(released.size() == 1);
  CHECK(released[0].first == 1);
  CHECK(released[0].second == SLUICE_OUTCOME_FAILED);
}

TEST_CASE("multiline reports bad settings", "[multiline]") {
  struct Case {
    FakeConfig config;
    std::string error;
  };
  const std::vector<Case> cases = {
      {{},
       "<root>: give one of start_pattern (a line that begins a record) or continue_pattern "
       "(a line that continues one)"},
      {{{"mode", "cobol"}}, "mode: unknown mode 'cobol': expected custom, java, python or go"},
      {{{"mode", "java"}, {"start_pattern", "x"}},
       "mode: mode 'java' brings its own pattern: drop start_pattern and continue_pattern, or "
       "use mode: custom"},
      {{{"continue_pattern", "(["}}, "continue_pattern: invalid RE2 pattern: missing ]: ["},
      {{{"continue_pattern", "^ "}, {"max_lines", -1}}, "max_lines: must be at least 1, got -1"},
  };
  for (const auto& c : cases) {
    FakeHost host(descriptor());
    CHECK_FALSE(host.create(c.config));
    REQUIRE_FALSE(host.config_errors().empty());
    CHECK(host.config_errors()[0] == c.error);
  }
  FakeHost old(descriptor());
  old.pretend_host_minor(1);
  CHECK_FALSE(old.create({{"mode", "java"}}));
  CHECK(old.config_errors()[0] == "<root>: multiline needs an engine of plugin ABI 1.2 or later");
}
