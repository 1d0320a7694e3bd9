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
// n records of one line of line_bytes bytes each.
std::unique_ptr<Batch> batch_of_lines(size_t n, size_t line_bytes) {
  static const std::string line(1 << 20, 'y');
  std::vector<sluice_record_t> recs(
      n, sluice_record_t{0, {line.data(), line_bytes}, nullptr, 0, nullptr, 0});
  return Batch::copy_of(recs.data(), recs.size(), nullptr);
}
}  // namespace

TEST_CASE("a queue of long lines is bounded by its bytes, not only its records", "[queue]") {
  // 10,000 records of 256 KiB would be 2.5 GiB; the bytes bound holds it to 4 MiB.
  const size_t max_bytes = 4 << 20;
  BatchQueue q(10'000, max_bytes);
  std::stop_source stop;
  size_t pushed = 0;
  for (;;) {
    auto b = batch_of_lines(1, 256 << 10);
    if (!q.try_push(b)) break;
    ++pushed;
    REQUIRE(pushed < 1000);
  }
  CHECK(q.bytes() <= max_bytes);
  CHECK(q.bytes() > max_bytes - (257 << 10));
  CHECK(pushed == q.events());
  CHECK(pushed < 16);

  // A blocked producer goes in once half the bytes are free, and the bytes are given back.
  std::atomic<bool> returned{false};
  auto waiting = batch_of_lines(1, 256 << 10);
  std::thread producer([&] {
    q.push(waiting, stop.get_token());
    returned = true;
  });
  CHECK_FALSE(sluice::test::wait_until([&] { return returned.load(); }, 100ms));
  std::unique_ptr<Batch> out;
  while (!returned.load()) {
    REQUIRE(q.pop(out, 1s, stop.get_token()) == BatchQueue::Pop::item);
    out.reset();
    if (q.events() == 0) break;
  }
  producer.join();
  CHECK(returned);
  while (q.pop(out, 10ms, stop.get_token()) == BatchQueue::Pop::item) out.reset();
  CHECK(q.bytes() == 0);
  CHECK(q.events() == 0);

  // One batch over the whole bound still goes into an empty queue, alone.
  auto huge = batch_of_lines(8, 1 << 20);
  CHECK(q.try_push(huge));
  auto small = batch_of_lines(1, 10);
  CHECK_FALSE(q.try_push(small));
}

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
  std::atomic<bool> pushed{true};
  std::unique_ptr<Batch> second = batch_of(1);
  // Assertions stay on the main thread: Catch2's are not thread-safe.
  std::thread producer([&] {
    pushed = q.push(second, stop.get_token());
    returned = true;
  });
  CHECK_FALSE(sluice::test::wait_until([&] { return returned.load(); }, 100ms));
  stop.request_stop();
  CHECK(sluice::test::wait_until([&] { return returned.load(); }));
  producer.join();
  CHECK_FALSE(pushed);
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

TEST_CASE("a consumer waiting on an empty queue returns when stop is requested", "[queue]") {
  BatchQueue q(10);
  std::stop_source stop;
  std::atomic<bool> returned{false};
  std::atomic<bool> closed{false};
  std::thread consumer([&] {
    std::unique_ptr<Batch> b;
    closed = q.pop(b, std::chrono::hours(1), stop.get_token()) == BatchQueue::Pop::closed;
    returned = true;
  });
  CHECK_FALSE(sluice::test::wait_until([&] { return returned.load(); }, 100ms));
  stop.request_stop();
  CHECK(sluice::test::wait_until([&] { return returned.load(); }));
  consumer.join();
  CHECK(closed);
}

TEST_CASE("a blocked producer is woken once half the room is free", "[queue]") {
  BatchQueue q(100);
  std::stop_source stop;
  for (int i = 0; i < 10; ++i) {
    auto b = batch_of(10);
    REQUIRE(q.push(b, stop.get_token()));
  }
  std::atomic<bool> pushed{false};
  std::thread producer([&] {
    auto b = batch_of(10);
    pushed = q.push(b, stop.get_token());
  });
  REQUIRE(sluice::test::wait_until([&] { return q.producers_waiting() == 1; }));
  std::unique_ptr<Batch> out;
  // Room for it once a batch is taken, but it is not woken for so little: not while
  // less than half the room is free.
  for (int i = 0; i < 4; ++i) REQUIRE(q.pop(out, 10ms, stop.get_token()) == BatchQueue::Pop::item);
  CHECK_FALSE(sluice::test::wait_until([&] { return pushed.load(); }, 100ms));
  CHECK(q.events() == 60);
  // The fifth batch taken frees half the room; the producer may push at once, so the
  // queue is not read between that pop and the push.
  REQUIRE(q.pop(out, 10ms, stop.get_token()) == BatchQueue::Pop::item);
  CHECK(sluice::test::wait_until([&] { return pushed.load(); }));
  producer.join();
  CHECK(q.events() == 60);
}

namespace {
// A consumer on its own thread: one pop, with what it returned. Stopped when it goes, so
// that a failed check cannot leave it waiting for an hour.
struct Consumer {
  explicit Consumer(BatchQueue& queue) : q(queue) {}
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;
  ~Consumer() {
    stop.request_stop();
    thread.join();
  }
  BatchQueue& q;
  std::stop_source stop;
  std::atomic<bool> returned{false};
  BatchQueue::Pop result = BatchQueue::Pop::timeout;
  std::unique_ptr<Batch> out;
  std::thread thread{[this] {
    result = q.pop(out, std::chrono::hours(1), stop.get_token());
    returned = true;
  }};
};
}  // namespace

TEST_CASE("a consumer that just took a batch lingers until half the room is taken", "[queue]") {
  BatchQueue q(100, BatchQueue::default_max_bytes, std::chrono::hours(1));
  std::stop_source stop;
  auto first = batch_of(10);
  REQUIRE(q.push(first, stop.get_token()));
  std::unique_ptr<Batch> taken;
  REQUIRE(q.pop(taken, 10ms, stop.get_token()) == BatchQueue::Pop::item);
  {
    Consumer consumer(q);
    REQUIRE(sluice::test::wait_until([&] { return q.consumers_lingering() == 1; }));
    auto small = batch_of(10);
    REQUIRE(q.push(small, stop.get_token()));
    CHECK_FALSE(sluice::test::wait_until([&] { return consumer.returned.load(); }, 100ms));
    auto more = batch_of(40);  // 50 of 100: half the room
    REQUIRE(q.push(more, stop.get_token()));
    REQUIRE(sluice::test::wait_until([&] { return consumer.returned.load(); }));
    CHECK(consumer.result == BatchQueue::Pop::item);
    CHECK(consumer.out->size() == 10);
  }
  REQUIRE(q.pop(taken, 10ms, stop.get_token()) == BatchQueue::Pop::item);
  CHECK(taken->size() == 40);
}

TEST_CASE("a batch after a pause is taken at once, and a lingering consumer takes it anyway",
          "[queue]") {
  std::stop_source stop;
  SECTION("a consumer that has taken nothing yet waits idle: any push wakes it") {
    BatchQueue q(100, BatchQueue::default_max_bytes, std::chrono::hours(1));
    Consumer consumer(q);
    auto lone = batch_of(1);
    REQUIRE(q.push(lone, stop.get_token()));
    REQUIRE(sluice::test::wait_until([&] { return consumer.returned.load(); }));
    CHECK(consumer.result == BatchQueue::Pop::item);
    CHECK(q.consumers_lingering() == 0);
  }
  SECTION("a lingering consumer takes a lone batch when its linger ends") {
    BatchQueue q(100, BatchQueue::default_max_bytes, 20ms);
    auto first = batch_of(1);
    REQUIRE(q.push(first, stop.get_token()));
    std::unique_ptr<Batch> taken;
    REQUIRE(q.pop(taken, 10ms, stop.get_token()) == BatchQueue::Pop::item);
    Consumer consumer(q);
    auto lone = batch_of(1);
    REQUIRE(q.push(lone, stop.get_token()));
    REQUIRE(sluice::test::wait_until([&] { return consumer.returned.load(); }));
    CHECK(consumer.result == BatchQueue::Pop::item);
  }
}

TEST_CASE("a lingering consumer returns at once on stop and on close", "[queue]") {
  BatchQueue q(100, BatchQueue::default_max_bytes, std::chrono::hours(1));
  std::stop_source stop;
  auto linger = [&] {
    auto b = batch_of(1);
    REQUIRE(q.push(b, stop.get_token()));
    std::unique_ptr<Batch> taken;
    REQUIRE(q.pop(taken, 10ms, stop.get_token()) == BatchQueue::Pop::item);
  };
  SECTION("stop") {
    linger();
    Consumer consumer(q);
    REQUIRE(sluice::test::wait_until([&] { return q.consumers_lingering() == 1; }));
    consumer.stop.request_stop();
    REQUIRE(sluice::test::wait_until([&] { return consumer.returned.load(); }));
    CHECK(consumer.result == BatchQueue::Pop::closed);
  }
  SECTION("close, with a batch still to hand out") {
    linger();
    Consumer consumer(q);
    REQUIRE(sluice::test::wait_until([&] { return q.consumers_lingering() == 1; }));
    auto last = batch_of(1);
    REQUIRE(q.push(last, stop.get_token()));
    q.close();
    REQUIRE(sluice::test::wait_until([&] { return consumer.returned.load(); }));
    CHECK(consumer.result == BatchQueue::Pop::item);
  }
}
