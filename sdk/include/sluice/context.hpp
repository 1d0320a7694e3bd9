// A plugin instance's view of the host: threads, data flow, logging, metrics, state.
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sluice/batch_builder.hpp"
#include "sluice/config.hpp"
#include "sluice/records.hpp"

namespace sluice {

// Handed to every spawned thread: poll requested(), sleep with wait_for(), or put fd() in a
// poll() set so that a blocking read ends when the instance is stopped.
class StopToken {
 public:
  StopToken(const sluice_host_api_t* host, sluice_stop_host_ptr stop) : host_(host), stop_(stop) {}
  bool requested() const { return host_->callback_stop_requested(stop_) != 0; }
  // Returns true when stop was requested before the time-out.
  bool wait_for(std::chrono::milliseconds timeout) const {
    return host_->callback_stop_wait(stop_, timeout.count()) != 0;
  }
  int fd() const { return host_->callback_stop_fd(stop_); }
  sluice_stop_host_ptr raw() const { return stop_; }

 private:
  const sluice_host_api_t* host_;
  sluice_stop_host_ptr stop_;
};

class Metric {
 public:
  Metric() = default;
  Metric(const sluice_host_api_t* host, sluice_metric_host_ptr m) : host_(host), m_(m) {}
  void add(double v = 1) const { record(v); }
  void set(double v) const { record(v); }
  void observe(double v) const { record(v); }
  explicit operator bool() const { return m_ != nullptr; }

 private:
  void record(double v) const {
    if (m_) host_->callback_metric_record(m_, v);
  }
  const sluice_host_api_t* host_ = nullptr;
  sluice_metric_host_ptr m_ = nullptr;
};

// A batch handed to a sink or a processor. Valid until finished (sinks) or until
// process() returns (processors).
class Batch {
 public:
  Batch() = default;
  Batch(const sluice_host_api_t* host, sluice_batch_host_ptr b) : host_(host), b_(b) {}
  const sluice_record_t* begin() const { return load().first; }
  const sluice_record_t* end() const {
    auto [p, n] = load();
    return p + n;
  }
  size_t size() const { return load().second; }
  const sluice_record_t& operator[](size_t i) const { return load().first[i]; }
  void keep(const std::vector<uint8_t>& mask) {
    host_->callback_batch_keep(b_, mask.data(), mask.size());
  }
  void replace(const std::vector<sluice_record_t>& records) {
    host_->callback_batch_replace(b_, records.data(), records.size());
  }
  sluice_batch_host_ptr raw() const { return b_; }
  explicit operator bool() const { return b_ != nullptr; }

 private:
  std::pair<const sluice_record_t*, size_t> load() const {
    const sluice_record_t* p = nullptr;
    size_t n = 0;
    host_->callback_batch_records(b_, &p, &n);
    return {p, n};
  }
  const sluice_host_api_t* host_ = nullptr;
  sluice_batch_host_ptr b_ = nullptr;
};

// A share of a batch's acknowledgement that a processor keeps past process() (ABI 1.2): for
// records it carries into a later batch. End it with Context::attach or Context::release;
// one dropped while still open is released as FAILED, so its source reads the records again.
class Hold {
 public:
  Hold() = default;
  Hold(const sluice_host_api_t* host, sluice_hold_host_ptr h) : host_(host), h_(h) {}
  Hold(Hold&& other) noexcept : host_(other.host_), h_(std::exchange(other.h_, nullptr)) {}
  Hold& operator=(Hold&& other) noexcept {
    if (this != &other) {
      release(SLUICE_OUTCOME_FAILED);
      host_ = other.host_;
      h_ = std::exchange(other.h_, nullptr);
    }
    return *this;
  }
  Hold(const Hold&) = delete;
  Hold& operator=(const Hold&) = delete;
  ~Hold() { release(SLUICE_OUTCOME_FAILED); }

  explicit operator bool() const { return h_ != nullptr; }
  // The held acknowledgement completes with batch (see callback_hold_attach).
  void attach(Batch& batch) {
    if (h_ != nullptr) host_->callback_hold_attach(std::exchange(h_, nullptr), batch.raw());
  }
  void release(sluice_outcome_t outcome) {
    if (h_ != nullptr) host_->callback_hold_release(std::exchange(h_, nullptr), outcome);
  }

 private:
  const sluice_host_api_t* host_ = nullptr;
  sluice_hold_host_ptr h_ = nullptr;
};

enum class Status { ok, timeout, stopped, error };

inline Status to_status(sluice_status_t s) {
  switch (s) {
    case SLUICE_OK: return Status::ok;
    case SLUICE_TIMEOUT: return Status::timeout;
    case SLUICE_STOPPED: return Status::stopped;
    default: return Status::error;
  }
}

class Context {
 public:
  Context(const sluice_host_api_t* host, sluice_context_host_ptr ctx) : host_(host), ctx_(ctx) {}

  void log(sluice_log_level_t level, std::string_view message) const {
    host_->callback_log(ctx_, level, str(message));
  }
  void debug(std::string_view m) const { log(SLUICE_LOG_DEBUG, m); }
  void info(std::string_view m) const { log(SLUICE_LOG_INFO, m); }
  void warn(std::string_view m) const { log(SLUICE_LOG_WARN, m); }
  void error(std::string_view m) const { log(SLUICE_LOG_ERROR, m); }

  // Starts a host-owned thread. The function must return soon after its token is stopped.
  bool spawn(std::string_view name, std::function<void(StopToken)> fn) const {
    auto* arg = new Thunk{host_, std::move(fn), this};
    if (host_->callback_spawn(ctx_, str(name), &Context::run_thunk, arg) != SLUICE_OK) {
      delete arg;
      return false;
    }
    return true;
  }

  // Sources: a builder whose lines move into the engine at emit.
  BatchBuilder batch_builder(size_t chunk = 256 * 1024) const {
    return BatchBuilder(host_, ctx_, chunk);
  }
  // Sources: emits the builder's records (its blocks go to the host) and empties it.
  Status emit(const StopToken& stop, BatchBuilder& batch, uint64_t cookie) const {
    const auto& blocks = batch.buffers();
    auto s = host_->callback_emit(ctx_, stop.raw(), batch.data(), batch.size(), cookie,
                                  blocks.data(), blocks.size());
    batch.forget();
    return to_status(s);
  }
  // Sources: emits records whose bytes the plugin keeps (they are copied).
  Status emit(const StopToken& stop, const sluice_record_t* records, size_t count,
              uint64_t cookie) const {
    return to_status(host_->callback_emit(ctx_, stop.raw(), records, count, cookie, nullptr, 0));
  }

  // Sinks: the next batch of the inbox.
  Status take(std::chrono::milliseconds timeout, Batch& out) const {
    sluice_batch_host_ptr b = nullptr;
    auto s = host_->callback_take(ctx_, timeout.count(), &b);
    out = Batch(host_, b);
    return to_status(s);
  }
  void finish(Batch& batch, sluice_outcome_t outcome, std::string_view reason = {}) const {
    host_->callback_finish(ctx_, batch.raw(), outcome, str(reason));
    batch = Batch();
  }

  Metric counter(const char* name, const char* help, const LabelSet& labels = {}) const {
    return metric(SLUICE_METRIC_COUNTER, name, help, labels, {});
  }
  Metric gauge(const char* name, const char* help, const LabelSet& labels = {}) const {
    return metric(SLUICE_METRIC_GAUGE, name, help, labels, {});
  }
  Metric histogram(const char* name, const char* help, const std::vector<double>& buckets,
                   const LabelSet& labels = {}) const {
    return metric(SLUICE_METRIC_HISTOGRAM, name, help, labels, buckets);
  }

  std::string state_dir() const { return std::string(view(host_->callback_state_dir(ctx_))); }
  const sluice_host_api_t* host() const { return host_; }

  // Processors (ABI 1.2): whether the engine can hold acknowledgements, and a hold on the
  // batch being processed.
  bool can_hold() const { return SLUICE_HOST_HAS(host_, callback_hold_release); }
  Hold hold(const Batch& batch) const {
    if (!can_hold()) return {};
    return Hold(host_, host_->callback_batch_hold(ctx_, batch.raw()));
  }

  // The instance cannot go on, nor the run (ABI 1.3): the engine stops the pipeline and
  // exits non-zero. On an older engine the reason is logged as an error, and false returned.
  bool end_run(const std::string& reason) const {
    if (!SLUICE_HOST_HAS(host_, callback_end_run)) {
      error(reason);
      return false;
    }
    host_->callback_end_run(ctx_, {reason.data(), reason.size()});
    return true;
  }

 private:
  struct Thunk {
    const sluice_host_api_t* host;
    std::function<void(StopToken)> fn;
    const Context* ctx;
  };
  static void run_thunk(void* arg, sluice_stop_host_ptr stop) {
    std::unique_ptr<Thunk> t(static_cast<Thunk*>(arg));
    try {
      t->fn(StopToken(t->host, stop));
    } catch (const std::exception& e) {
      // No exception may cross into the host.
      t->ctx->error(std::string("thread ended by an exception: ") + e.what());
    } catch (...) {
      t->ctx->error("thread ended by an unknown exception");
    }
  }
  Metric metric(sluice_metric_type_t type, const char* name, const char* help,
                const LabelSet& labels, const std::vector<double>& buckets) const {
    return Metric(host_, host_->callback_metric_new(ctx_, type, name, help, labels.data(),
                                                    labels.size(), buckets.data(), buckets.size()));
  }

  const sluice_host_api_t* host_;
  sluice_context_host_ptr ctx_;
};

}  // namespace sluice
