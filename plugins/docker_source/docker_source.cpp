// docker_source: container logs through the Docker Engine API. One thread reads every
// container's stream (collector.cpp); a second hands batches to the engine, where
// backpressure may hold it; acknowledgements move each container's checkpoint, which a third
// saves.
#include <utility>  // Boost 1.74's Asio needs it first

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <memory>
#include <mutex>

#include "checkpoints.hpp"
#include "collector.hpp"
#include "handoff.hpp"
#include "settings.hpp"
#include "sluice/plugin.hpp"

namespace docker_source {
namespace {

class DockerSource final : public sluice::Source {
 public:
  static const sluice::SettingsDescription& settings_table() { return Settings::table(); }
  DockerSource(sluice::Context& ctx, const sluice::Config& cfg)
      : ctx_(ctx), settings_(Settings::read(cfg)), metrics_(ctx) {
    const char* help = "Batches whose end-to-end acknowledgement came back, by outcome.";
    for (const char* outcome : {"delivered", "rejected", "failed"}) {
      acked_.push_back(ctx.counter("sluice_docker_acknowledged_events_total", help,
                                   sluice::LabelSet{{"outcome", outcome}}));
    }
  }

  ~DockerSource() override { save_checkpoints(); }

  bool start() override {
    std::vector<std::string> problems;
    std::string refused;
    bool loaded = checkpoints_.load(ctx_.state_dir(), &problems, &refused);
    for (const auto& p : problems) ctx_.warn(p);
    if (!loaded) {
      ctx_.error(refused);
      return false;
    }
    handoff_.reopen();
    // Checkpoints are saved by a thread of their own: the emitting thread may wait a long
    // time for room downstream while acknowledgements keep coming.
    return ctx_.spawn("docker-read", [this](sluice::StopToken stop) { read(stop); }) &&
           ctx_.spawn("docker-emit", [this](sluice::StopToken stop) { emit(stop); }) &&
           ctx_.spawn("docker-checkpoints", [this](sluice::StopToken stop) {
             while (!stop.wait_for(settings_.sync_interval)) save_checkpoints();
             save_checkpoints();
           });
  }

  void stop() override {
    {
      std::lock_guard lock(io_mutex_);
      if (io_ != nullptr) io_->stop();
    }
    handoff_.close();
  }

  // A rejection is final: it would be refused again. A failure (a sink giving up, or the
  // engine stopping before it was delivered) holds its containers' checkpoints before it, so
  // the next start collects it again rather than losing it.
  void on_ack(uint64_t cookie, sluice_outcome_t outcome) override {
    if (outcome == SLUICE_OUTCOME_FAILED) {
      if (checkpoints_.failed(cookie) > 0) {
        ctx_.warn(
            "a batch was not delivered: its containers' checkpoints stay before it, and "
            "it is collected again at the next start");
      }
    } else {
      checkpoints_.acknowledged(cookie);
    }
    const size_t i = outcome == SLUICE_OUTCOME_DELIVERED  ? 0
                     : outcome == SLUICE_OUTCOME_REJECTED ? 1
                                                          : 2;
    acked_[i].add();
  }

 private:
  void read(const sluice::StopToken& stop) {
    // The io_context lives on this thread only, so its descriptors close when it ends.
    auto io = std::make_unique<asio::io_context>(1);
    Collector collector(*io, settings_, ctx_, metrics_, checkpoints_, handoff_, next_cookie_);
    {
      std::lock_guard lock(io_mutex_);
      io_ = io.get();
      collector_ = &collector;
    }
    if (!stop.requested()) {
      asio::co_spawn(*io, collector.run(), [this](std::exception_ptr e) {
        if (!e) return;
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          ctx_.error(std::string("discovery ended: ") + ex.what());
        }
      });
      io->run();
    }
    {
      std::lock_guard lock(io_mutex_);
      io_ = nullptr;
      collector_ = nullptr;
    }
    // The pending operations (and the coroutines suspended in them) go first, while the
    // collector they point at still exists.
    io.reset();
  }

  void emit(const sluice::StopToken& stop) {
    while (!stop.requested()) {
      if (auto batch = handoff_.pop(std::chrono::seconds(1))) {
        checkpoints_.sent(batch->cookie, batch->read_to);
        notify_room();
        if (ctx_.emit(stop, batch->builder, batch->cookie) != sluice::Status::ok) break;
      }
    }
  }

  void notify_room() {
    std::lock_guard lock(io_mutex_);
    if (io_ == nullptr) return;
    Collector* collector = collector_;
    asio::post(*io_, [collector] { collector->on_room(); });
  }

  void save_checkpoints() {
    std::string error;
    if (!checkpoints_.save(ctx_.state_dir(), &error)) {
      metrics_.checkpoint_errors.add();
      ctx_.error("cannot write checkpoints: " + error);
    }
  }

  sluice::Context& ctx_;
  Settings settings_;
  Metrics metrics_;
  std::vector<sluice::Metric> acked_;
  Checkpoints checkpoints_;
  Handoff handoff_{4};
  std::atomic<uint64_t> next_cookie_{1};
  std::mutex io_mutex_;
  asio::io_context* io_ = nullptr;
  Collector* collector_ = nullptr;
};

}  // namespace
}  // namespace docker_source

SLUICE_PLUGIN(docker_source::DockerSource, "docker_source", "1.0.0",
              "Container logs through the Docker Engine API, with stream rotation and checkpoints")
