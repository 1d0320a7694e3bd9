#include "runtime/processor_worker.hpp"

#include <chrono>

#include "runtime/graph_node.hpp"

namespace sluice::core {

void start_processor_worker(GraphNode& node) {
  node.leave_after_batch = std::stop_source();
  node.worker = std::make_unique<ThreadLedger>(node.config.id, node.config.type);
  node.worker->spawn("worker",
                     [&node, instance = node.instance.get(), leave = node.leave_after_batch](
                         StopSignal& stop) { run_processor_worker(node, *instance, leave, stop); });
}

void run_processor_worker(GraphNode& node, PluginInstance& instance, const std::stop_source& leave,
                          StopSignal& stop) {
  // Stopping the worker also ends its wait for the next batch.
  std::stop_callback leave_on_stop(stop.token(), [leave]() mutable { leave.request_stop(); });
  auto& counters = instance.counters();
  auto& log = instance.log();
  // A processor that holds records (on_flush) is given the chance to send them on about
  // every 100 ms, busy or idle, and once more when its input ends.
  constexpr auto flush_every = std::chrono::milliseconds(100);
  const bool flushes = instance.has_flush();
  auto last_flush = std::chrono::steady_clock::now();
  auto flush = [&](bool final) {
    last_flush = std::chrono::steady_clock::now();
    auto batch = Batch::copy_of(nullptr, 0, nullptr);
    if (!instance.flush(*batch, final)) {
      counters.errors->Increment();
      log.warn("flushing held records failed");
    }
    if (batch->size() == 0) {
      // Nothing to send: what it carries (records dropped on purpose) is done.
      batch->finish(SLUICE_OUTCOME_DELIVERED);
      return true;
    }
    counters.sent->Increment(static_cast<double>(batch->size()));
    return node.output->deliver(std::move(batch), stop.token());
  };
  while (true) {
    std::unique_ptr<Batch> batch;
    auto r = node.inbox->pop(batch, flushes ? flush_every : std::chrono::milliseconds(250),
                             leave.get_token());
    if (r == BatchQueue::Pop::closed) {
      // The input ended (drained, or handed to a successor): send on what is held. A hard
      // stop skips this; what is held then fails back to its sources.
      if (flushes && !stop.token().stop_requested()) flush(true);
      break;
    }
    if (flushes && std::chrono::steady_clock::now() - last_flush >= flush_every) {
      if (!flush(false)) break;
    }
    if (r == BatchQueue::Pop::timeout) continue;
    if (counters.queue_events) {
      counters.queue_events->Set(static_cast<double>(node.inbox->events()));
      counters.queue_bytes->Set(static_cast<double>(node.inbox->bytes()));
    }
    size_t before = batch->size();
    counters.received->Increment(static_cast<double>(before));
    if (!instance.process(*batch)) {
      // Nothing is lost to a processor's failure: the batch goes on as it is, and is counted.
      counters.errors->Increment();
      log.warn("processing failed for a batch of {} records; passing it on unprocessed", before);
    }
    size_t after = batch->size();
    if (after < before) counters.discarded->Increment(static_cast<double>(before - after));
    counters.sent->Increment(static_cast<double>(after));
    if (!node.output->deliver(std::move(batch), stop.token())) break;
  }
}

}  // namespace sluice::core
