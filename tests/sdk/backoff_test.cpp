// The SDK's retry timing: jittered, bounded, doubling, reset by a success.
#include "sluice/backoff.hpp"

#include <catch2/catch.hpp>
#include <set>

using namespace std::chrono_literals;

TEST_CASE("backoff waits at least min, doubles its ceiling to max, and resets", "[sdk]") {
  sluice::Backoff b(100ms, 1000ms);
  for (int i = 0; i < 50; ++i) {
    auto ceiling = b.ceiling();
    auto w = b.next();
    CHECK(w >= 100ms);
    CHECK(w <= ceiling);
  }
  CHECK(b.ceiling() == 1000ms);
  b.reset();
  CHECK(b.ceiling() == 100ms);
  CHECK(b.next() == 100ms);
}

TEST_CASE("backoff waits are spread, not in step", "[sdk]") {
  // At the ceiling of 10 s, 200 draws from 100 ms..10 s that all fell on a few values would
  // mean no jitter: agents would retry together after an outage.
  sluice::Backoff b(100ms, 10'000ms);
  for (int i = 0; i < 10; ++i) b.next();
  std::set<int64_t> seen;
  for (int i = 0; i < 200; ++i) seen.insert(b.next().count());
  CHECK(seen.size() > 100);
}

TEST_CASE("a max below min is min, and lowering max lowers the ceiling", "[sdk]") {
  sluice::Backoff b(500ms, 100ms);
  CHECK(b.next() == 500ms);
  CHECK(b.ceiling() == 500ms);
  sluice::Backoff c(100ms, 10'000ms);
  for (int i = 0; i < 10; ++i) c.next();
  c.set_max(300ms);
  CHECK(c.ceiling() == 300ms);
  CHECK(c.next() <= 300ms);
}
