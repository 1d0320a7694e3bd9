// Collector: stream slots. At most max_streams streams are open; past that, containers wait
// in arrival order, and a stream whose turn is over yields its slot to the longest waiter.
#include "collector.hpp"  // first: it includes what Boost 1.74's Asio needs first

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

namespace docker_source {

using clock = std::chrono::steady_clock;

void Collector::want_stream(const ContainerPtr& c) {
  if (active_ >= max_streams_) {
    enqueue(c);
    offer_turns();
    return;
  }
  ++active_;
  c->state = Container::State::streaming;
  asio::co_spawn(io_, follow(c), asio::detached);
  update_gauges();
}

void Collector::enqueue(const ContainerPtr& c) {
  c->state = Container::State::waiting;
  c->since = clock::now();
  waiting_.push_back(c->info.id);
  if (!waiting_said_) {
    waiting_said_ = true;
    ctx_.warn("containers wait for a log stream: " + ceiling_ +
              "; while one waits, each stream gives its slot up after a turn of " +
              std::to_string(settings_.stream_turn.count()) +
              " ms (stream_turn), and Docker keeps the lines meanwhile. "
              "sluice_docker_oldest_wait_seconds shows the longest wait");
  }
  update_gauges();
}

void Collector::release_stream() {
  --active_;
  while (active_ < max_streams_ && !waiting_.empty()) {
    std::string id = waiting_.front();
    waiting_.pop_front();
    auto it = containers_.find(id);
    if (it == containers_.end() || it->second->state != Container::State::waiting) continue;
    ++active_;
    it->second->state = Container::State::streaming;
    asio::co_spawn(io_, follow(it->second), asio::detached);
  }
  update_gauges();
}

// A stream's turn is over: it gives its slot up now if a container waits, or when one comes.
void Collector::turn_ended(Container& c) {
  c.turn_over = true;
  offer_turns();
}

// Closes, for each container waiting without a slot on its way, the stream whose turn began
// longest ago among those whose turn is over. The others keep reading, and a waiter is served
// within a turn of its arrival. A stream that yields queues behind the waiters without asking
// for a turn itself: it had one, and it is served at the next turn's end.
void Collector::offer_turns() {
  while (waiting_.size() > yielding_) {
    Container* oldest = nullptr;
    for (const auto& [id, c] : containers_) {
      if (c->state != Container::State::streaming || !c->turn_over || c->yield ||
          c->stream == nullptr) {
        continue;
      }
      if (oldest == nullptr || c->since < oldest->since) oldest = c.get();
    }
    if (oldest == nullptr) return;
    oldest->yield = true;
    ++yielding_;
    interrupt(*oldest);
  }
}

asio::awaitable<void> Collector::watch_waits() {
  // The gauge of the longest wait moves with time, not with events.
  // Not `while (co_await ...)`: built by GCC 12, that loop ended in an illegal instruction.
  for (;;) {
    const bool slept = co_await sleep(std::chrono::seconds(1));
    if (!slept) co_return;
    update_gauges();
  }
}

}  // namespace docker_source
