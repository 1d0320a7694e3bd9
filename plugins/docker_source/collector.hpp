// The reading side of docker_source, on one thread and one io_context: it discovers
// containers (a listing, then the /events stream), follows each one's log stream, rotates the
// streams, and packs what it reads into batches for the emitting thread. Nothing here blocks:
// every wait is an asynchronous operation, so one thread serves every container.
#pragma once

#include <utility>  // Boost 1.74's Asio needs it first

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "checkpoints.hpp"
#include "daemon_client.hpp"
#include "daemon_messages.hpp"
#include "handoff.hpp"
#include "log_decoder.hpp"
#include "pacer.hpp"
#include "positions.hpp"
#include "settings.hpp"
#include "sluice/context.hpp"

namespace docker_source {

struct Metrics {
  explicit Metrics(const sluice::Context& ctx);
  void error(const std::string& type) const;
  sluice::Metric streams_active, streams_waiting, oldest_wait, containers_watched, rotations, turns,
      stream_age, lines, bytes, truncated, duplicates, reconnects, checkpoint_errors;
  std::map<std::string, sluice::Metric> errors;
};

class Collector {
 public:
  Collector(asio::io_context& io, const Settings& settings, const sluice::Context& ctx,
            const Metrics& metrics, Checkpoints& checkpoints, Handoff& handoff,
            std::atomic<uint64_t>& next_cookie);
  Collector(const Collector&) = delete;
  Collector& operator=(const Collector&) = delete;

  // Discovery, for as long as the io_context runs: connects, lists, follows the events, and
  // reconnects with backoff when the daemon goes away.
  asio::awaitable<void> run();
  // The emitting thread took a batch: there is room again. Runs on the io thread.
  void on_room();

 private:
  struct Container : std::enable_shared_from_this<Container> {
    ContainerInfo info;
    std::shared_ptr<const sluice::LabelSet> labels[2];
    Position read;  // past the last line put into a batch
    enum class State { idle, waiting, streaming } state = State::idle;
    // Since when it waits for a slot, or since its stream opened.
    std::chrono::steady_clock::time_point since;
    StreamingResponse* stream = nullptr;  // while streaming
    uint64_t serial = 0;                  // of its streams, for their timers
    asio::steady_timer* pause = nullptr;  // while the stream waits for its next read
    bool rotate = false;                  // the rotation timer closed the stream
    bool turn_over = false;               // the stream had its turn: it yields to a waiter
    bool yield = false;                   // the stream closes to give its slot to a waiter
    bool detach = false;                  // the container is gone or no longer wanted
  };
  using ContainerPtr = std::shared_ptr<Container>;
  // ended: the daemon closed a stream it follows; stopped: so, and the container has stopped;
  // drained: a stream read without following reached the end of the log.
  enum class End { rotated, yielded, ended, stopped, drained, failed, gone, detached };

  asio::awaitable<void> session();
  asio::awaitable<void> reconcile(const std::vector<ContainerInfo>& listed, bool first);
  asio::awaitable<void> on_event(const ContainerEvent& e);
  asio::awaitable<std::optional<ContainerInfo>> inspect(const std::string& id);
  void attach(const ContainerInfo& info, bool first_listing);
  void detach(const std::string& id);
  void want_stream(const ContainerPtr& c);
  void enqueue(const ContainerPtr& c);
  void release_stream();
  void turn_ended(Container& c);
  void offer_turns();
  asio::awaitable<void> watch_waits();
  asio::awaitable<void> follow(ContainerPtr c);
  asio::awaitable<End> read_stream(Container& c, std::chrono::steady_clock::time_point& opened,
                                   bool following);
  // The logs request for c's stream, from just past what was read.
  std::string logs_target(const Container& c, bool following) const;
  // How a stream ends when a read failed: by intent (rotation, turn, detach), by the daemon
  // closing it, or by an error (counted and logged).
  End end_of_failed_read(const Container& c, const boost::system::error_code& code, bool following);
  asio::awaitable<void> wait_for_room();
  asio::awaitable<void> pause_until(Container& c, std::chrono::steady_clock::time_point when);
  static void interrupt(Container& c);
  asio::awaitable<bool> sleep(std::chrono::milliseconds d);
  void set_labels(Container& c);
  void append(Container& c, const LogLine& line);
  void hand_off(bool force);
  // Hands off the batch begun in generation once batch_wait has passed, if still open.
  asio::awaitable<void> hand_off_after_wait(uint64_t generation);
  void publish_counts();
  void update_gauges();

  asio::io_context& io_;
  const Settings& settings_;
  const sluice::Context& ctx_;
  const Metrics& metrics_;
  Checkpoints& checkpoints_;
  Handoff& handoff_;
  std::atomic<uint64_t>& next_cookie_;
  DaemonClient client_;
  std::string api_;  // "/v1.41"
  bool listed_once_ = false;
  bool daemon_down_logged_ = false;

  std::map<std::string, ContainerPtr> containers_;
  // Containers waiting for a slot, the longest waiting first.
  std::deque<std::string> waiting_;
  size_t active_ = 0;
  size_t max_streams_;   // max_streams, or fewer when descriptors are short
  std::string ceiling_;  // why max_streams_ is what it is, for the warning
  size_t yielding_ = 0;  // streams closing to give a waiter their slot
  bool waiting_said_ = false;
  // Streams paused for room; on_room() wakes them.
  std::vector<asio::steady_timer*> room_waiters_;

  std::unique_ptr<OutBatch> batch_;
  std::chrono::steady_clock::time_point batch_started_;
  uint64_t batch_generation_ = 0;
  struct Counts {
    uint64_t bytes = 0, lines = 0, truncated = 0, duplicates = 0;
  } counts_;
  std::map<const Container*, size_t> batch_index_;
  std::vector<ContainerPtr> batch_pins_;
};

}  // namespace docker_source
