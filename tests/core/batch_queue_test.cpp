// The bounded queue: never over its bound, blocking and waking as it should.
#include "runtime/batch_queue.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

#include "helpers.hpp"

using namespace sluice::core;
using namespace std::chrono_literals;

namespace {
std::unique_ptr<Batch> batch_of(size_t n) {
  static const std::string line = "x";
  std::vector<sluice_record_t> recs(n,
                                    sluice_record_t{0, {line.data(), 1}, nullptr, 0, nullptr, 0});
  return Batch::copy_of(recs.data(), recs.size(), nullptr);
}
}  // namespace

TEST_CASE("a producer faster than its consumer never takes the queue over its bound", "[queue]") {
  BatchQueue q(100);
  std::atomic<size_t> consumed{0};
  std::stop_source stop;
  std::thread consumer([&] {
    std::unique_ptr<Batch> b;
    while (q.pop(b, 100ms, stop.get_token()) != BatchQueue::Pop::closed) {
      if (b) consumed += b->size();
      b.reset();
    }
  });
  for (int i = 0; i < 2000; ++i) {
    auto b = batch_of(7);
    REQUIRE(q.push(b, stop.get_token()));
    REQUIRE(q.events() <= 100);
  }
  q.close();
  consumer.join();
  CHECK(consumed == 2000 * 7);
  CHECK(q.peak_events() <= 100);
  CHECK(q.peak_events() > 50);
}

TEST_CASE("a push blocked on a full queue returns when stop is requested", "[queue]") {
  BatchQueue q(10);
  std::stop_source stop;
  auto first = batch_of(10);
  REQUIRE(q.push(first, stop.get_token()));
  std::atomic<bool> returned{false};
  std::unique_ptr<Batch> second = batch_of(1);
  std::thread producer([&] {
    bool pushed = q.push(second, stop.get_token());
    CHECK_FALSE(pushed);
    returned = true;
  });
  CHECK_FALSE(sluice::test::wait_until([&] { return returned.load(); }, 100ms));
  stop.request_stop();
  CHECK(sluice::test::wait_until([&] { return returned.load(); }));
  producer.join();
  CHECK(second);  // still the caller's: it was not queued
}

TEST_CASE("a batch larger than the bound is let into an empty queue alone", "[queue]") {
  BatchQueue q(10);
  std::stop_source stop;
  auto big = batch_of(25);
  REQUIRE(q.push(big, stop.get_token()));
  auto small = batch_of(1);
  CHECK_FALSE(q.try_push(small));
}

TEST_CASE("a closed queue hands out what it holds, then says closed", "[queue]") {
  BatchQueue q(10);
  std::stop_source stop;
  auto b = batch_of(3);
  REQUIRE(q.push(b, stop.get_token()));
  q.close();
  auto late = batch_of(1);
  CHECK_FALSE(q.push(late, stop.get_token()));
  std::unique_ptr<Batch> out;
  CHECK(q.pop(out, 10ms, stop.get_token()) == BatchQueue::Pop::item);
  CHECK(out->size() == 3);
  CHECK(q.pop(out, 10ms, stop.get_token()) == BatchQueue::Pop::closed);
}
