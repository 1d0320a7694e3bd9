// A stand-in for the engine, for unit-testing a plugin without it: the same C host services,
// kept in memory, with the engine's rules for reading config values and a real stop
// descriptor. Header-only, like the rest of the SDK. Its config tree is in fake_config.hpp,
// its records and batches in fake_records.hpp.
//
//   sluice::testing::FakeHost host(sluice_plugin_entry(SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR));
//   REQUIRE(host.create({{"pattern", "error"}}));
//   auto out = host.process({{"an error"}, {"fine"}});
#pragma once

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdlib>
#include <deque>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "sluice/abi.h"
#include "sluice/testing/fake_config.hpp"
#include "sluice/testing/fake_records.hpp"

namespace sluice::testing {

class FakeHost {
 public:
  explicit FakeHost(const sluice_plugin_descriptor_t* descriptor) : d_(*descriptor) {
    api_.struct_size = sizeof(api_);
    api_.abi_major = SLUICE_ABI_MAJOR;
    api_.abi_minor = SLUICE_ABI_MINOR;
    api_.callback_log = &cb_log;
    api_.callback_spawn = &cb_spawn;
    api_.callback_stop_requested = &cb_stop_requested;
    api_.callback_stop_wait = &cb_stop_wait;
    api_.callback_stop_fd = &cb_stop_fd;
    api_.callback_emit = &cb_emit;
    api_.callback_buffer_alloc = &cb_buffer_alloc;
    api_.callback_buffer_free = &cb_buffer_free;
    api_.callback_take = &cb_take;
    api_.callback_finish = &cb_finish;
    detail::FakeBatch::install(api_);
    detail::FakeConfigNode::install(api_);
    api_.callback_batch_hold = &cb_batch_hold;
    api_.callback_hold_attach = &cb_hold_attach;
    api_.callback_hold_release = &cb_hold_release;
    api_.callback_end_run = &cb_end_run;
    api_.callback_metric_new = &cb_metric_new;
    api_.callback_metric_record = &cb_metric_record;
    api_.callback_state_dir = &cb_state_dir;
  }
  ~FakeHost() {
    stop();
    destroy();
    if (stop_fd_ >= 0) ::close(stop_fd_);
    std::lock_guard owners(hold_owner_mutex_);
    for (const auto& h : holds_) hold_owner_.erase(h.get());
  }
  FakeHost(const FakeHost&) = delete;
  FakeHost& operator=(const FakeHost&) = delete;

  // Acts as an engine of an older ABI minor, whose host table ends before the services a
  // later minor added: to test how a plugin copes with an engine older than its SDK.
  void pretend_host_minor(uint16_t minor) {
    api_.abi_minor = minor;
    if (minor < 1) {
      api_.struct_size = offsetof(sluice_host_api_t, callback_config_list_child);
    } else if (minor < 2) {
      api_.struct_size = offsetof(sluice_host_api_t, callback_batch_hold);
    } else if (minor < 3) {
      api_.struct_size = offsetof(sluice_host_api_t, callback_end_run);
    }
  }

  // Configuration. Returns false when the plugin reported errors (see config_errors()).
  bool create(FakeConfig config) {
    config_ = std::make_unique<detail::FakeConfigNode>(&errors_, std::move(config), "");
    sluice_status_t s = d_.on_create(&api_, ctx(), config_->handle(), &self_);
    if (s == SLUICE_OK && self_ != nullptr) config_->unknown_keys(errors_);
    if (s != SLUICE_OK && errors_.empty()) errors_.emplace_back("on_create failed");
    if (!errors_.empty() && self_ != nullptr) {
      d_.on_destroy(self_);
      self_ = nullptr;
    }
    return errors_.empty();
  }
  const std::vector<std::string>& config_errors() const { return errors_; }
  void set_state_dir(std::string dir) { state_dir_ = std::move(dir); }

  bool start() { return d_.on_start(self_) == SLUICE_OK; }
  // Signals stop, calls on_stop, and joins every spawned thread; false if one is still
  // running at the deadline (a broken contract).
  bool stop(std::chrono::milliseconds deadline = std::chrono::seconds(5)) {
    {
      std::lock_guard lock(mutex_);
      if (stopped_) return true;
      stopped_ = true;
      stop_requested_ = true;
      inbox_closed_ = true;
      if (stop_fd_ >= 0) {
        uint64_t one = 1;
        [[maybe_unused]] auto written = ::write(stop_fd_, &one, sizeof one);
      }
    }
    cv_.notify_all();
    if (self_ != nullptr && d_.on_stop != nullptr) d_.on_stop(self_);
    auto until = std::chrono::steady_clock::now() + deadline;
    std::unique_lock lock(mutex_);
    bool all = cv_.wait_until(lock, until, [&] { return running_threads_ == 0; });
    lock.unlock();
    for (auto& t : threads_) {
      if (all) {
        t.join();
      } else {
        t.detach();
      }
    }
    threads_.clear();
    return all;
  }
  void destroy() {
    if (self_ != nullptr) d_.on_destroy(self_);
    self_ = nullptr;
  }

  // Sources: what was emitted, and acknowledging it.
  std::vector<FakeRecord> emitted() const {
    std::lock_guard lock(mutex_);
    return emitted_;
  }
  bool wait_for_emitted(size_t n, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, limit, [&] { return emitted_.size() >= n; });
  }
  // Calls on_ack with outcome for every emitted batch not yet acknowledged.
  void ack_all(sluice_outcome_t outcome) {
    std::vector<uint64_t> cookies;
    {
      std::lock_guard lock(mutex_);
      cookies.swap(pending_cookies_);
    }
    for (uint64_t c : cookies) {
      if (d_.on_ack != nullptr) d_.on_ack(self_, c, outcome);
    }
  }
  // Calls on_ack with outcome for the oldest n emitted batches not yet acknowledged: a sink
  // that has delivered those and not yet the rest.
  void ack_oldest(size_t n, sluice_outcome_t outcome) {
    std::vector<uint64_t> cookies;
    {
      std::lock_guard lock(mutex_);
      n = std::min(n, pending_cookies_.size());
      cookies.assign(pending_cookies_.begin(), pending_cookies_.begin() + static_cast<long>(n));
      pending_cookies_.erase(pending_cookies_.begin(),
                             pending_cookies_.begin() + static_cast<long>(n));
    }
    for (uint64_t c : cookies) {
      if (d_.on_ack != nullptr) d_.on_ack(self_, c, outcome);
    }
  }
  // Makes emit block, as a full queue would, until release_backpressure().
  void hold_backpressure() {
    std::lock_guard lock(mutex_);
    full_ = true;
  }
  void release_backpressure() {
    {
      std::lock_guard lock(mutex_);
      full_ = false;
    }
    cv_.notify_all();
  }

  // Processors: runs one batch through on_process and returns what came out.
  // Each batch processed or flushed is numbered from 1, for the holds below.
  std::vector<FakeRecord> process(const std::vector<FakeRecord>& in, bool* ok = nullptr) {
    auto batch = std::make_unique<detail::FakeBatch>(in);
    batch->id = ++batch_seq_;
    bool s = d_.on_process(self_, batch->handle()) == SLUICE_OK;
    if (ok != nullptr) *ok = s;
    return batch->records;
  }
  // Processors that hold records (ABI 1.2): runs on_flush on an empty batch, as the engine
  // does every 100 ms and (final) when the input ends. Empty when the plugin has no on_flush.
  std::vector<FakeRecord> flush(bool final, bool* ok = nullptr) {
    detail::FakeBatch batch({});
    batch.id = ++batch_seq_;
    bool s =
        d_.on_flush == nullptr || d_.on_flush(self_, batch.handle(), final ? 1 : 0) == SLUICE_OK;
    if (ok != nullptr) *ok = s;
    return batch.records;
  }
  uint64_t last_batch() const { return batch_seq_; }
  // The batches whose holds are still open, in the order they were taken.
  std::vector<uint64_t> open_holds() const {
    std::lock_guard lock(mutex_);
    std::vector<uint64_t> out;
    for (const auto& h : holds_) out.push_back(h->batch);
    return out;
  }
  // The batches whose held acknowledgement was attached to batch.
  std::vector<uint64_t> carried_by(uint64_t batch) const {
    std::lock_guard lock(mutex_);
    auto it = attached_.find(batch);
    return it == attached_.end() ? std::vector<uint64_t>{} : it->second;
  }
  // Holds ended without a batch: (batch, outcome).
  std::vector<std::pair<uint64_t, sluice_outcome_t>> released_holds() const {
    std::lock_guard lock(mutex_);
    return released_;
  }

  // Sinks: batches into the inbox, and how each was finished.
  void push(const std::vector<FakeRecord>& records) {
    {
      std::lock_guard lock(mutex_);
      inbox_.push_back(std::make_unique<detail::FakeBatch>(records));
    }
    cv_.notify_all();
  }
  void close_inbox() {
    {
      std::lock_guard lock(mutex_);
      inbox_closed_ = true;
    }
    cv_.notify_all();
  }
  bool wait_for_finished(size_t n, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, limit, [&] { return outcomes_.size() >= n; });
  }
  std::vector<sluice_outcome_t> outcomes() const {
    std::lock_guard lock(mutex_);
    return outcomes_;
  }

  std::vector<std::string> logs() const {
    std::lock_guard lock(mutex_);
    return logs_;
  }
  // The reasons the plugin gave for ending the run (ABI 1.3), in order.
  std::vector<std::string> end_run_requests() const {
    std::lock_guard lock(mutex_);
    return end_runs_;
  }
  // The sum of a metric's records (counters), or its last value (gauges); 0 if unknown.
  double metric(const std::string& name) const {
    std::lock_guard lock(mutex_);
    double total = 0;
    for (const auto& m : metrics_) {
      if (m.name == name) total += m.value;
    }
    return total;
  }
  size_t threads_running() const {
    std::lock_guard lock(mutex_);
    return running_threads_;
  }

 private:
  struct Metric {
    FakeHost* host;
    std::string name;
    sluice_metric_type_t type;
    double value = 0;
  };

  sluice_context_host_ptr ctx() { return reinterpret_cast<sluice_context_host_ptr>(this); }
  static FakeHost& host(sluice_context_host_ptr c) { return *reinterpret_cast<FakeHost*>(c); }
  static FakeHost& host_of_stop(sluice_stop_host_ptr s) { return *reinterpret_cast<FakeHost*>(s); }
  static std::string sv(sluice_str_t s) { return detail::text_of(s); }

  static void cb_log(sluice_context_host_ptr c, sluice_log_level_t, sluice_str_t m) {
    std::lock_guard lock(host(c).mutex_);
    host(c).logs_.push_back(sv(m));
  }
  static sluice_status_t cb_spawn(sluice_context_host_ptr c, sluice_str_t, sluice_thread_fn_t fn,
                                  void* arg) {
    FakeHost& h = host(c);
    std::lock_guard lock(h.mutex_);
    if (h.stop_requested_) return SLUICE_STOPPED;
    ++h.running_threads_;
    h.threads_.emplace_back([&h, fn, arg] {
      fn(arg, reinterpret_cast<sluice_stop_host_ptr>(&h));
      std::lock_guard l(h.mutex_);
      --h.running_threads_;
      h.cv_.notify_all();
    });
    return SLUICE_OK;
  }
  static int cb_stop_requested(sluice_stop_host_ptr s) {
    std::lock_guard lock(host_of_stop(s).mutex_);
    return host_of_stop(s).stop_requested_ ? 1 : 0;
  }
  static int cb_stop_wait(sluice_stop_host_ptr s, int64_t ms) {
    FakeHost& h = host_of_stop(s);
    std::unique_lock lock(h.mutex_);
    return h.cv_.wait_for(lock, std::chrono::milliseconds(ms), [&] { return h.stop_requested_; })
               ? 1
               : 0;
  }
  // As the engine's: an eventfd made on first use, readable once stop is requested.
  static int cb_stop_fd(sluice_stop_host_ptr s) {
    FakeHost& h = host_of_stop(s);
    std::lock_guard lock(h.mutex_);
    if (h.stop_fd_ < 0) {
      h.stop_fd_ = ::eventfd(h.stop_requested_ ? 1 : 0, EFD_CLOEXEC | EFD_NONBLOCK);
    }
    return h.stop_fd_;
  }
  static void* cb_buffer_alloc(sluice_context_host_ptr, size_t size) { return std::malloc(size); }
  static void cb_buffer_free(sluice_context_host_ptr, void* block) { std::free(block); }
  static sluice_status_t cb_emit(sluice_context_host_ptr c, sluice_stop_host_ptr,
                                 const sluice_record_t* r, size_t n, uint64_t cookie,
                                 const sluice_buffer_t* blocks, size_t block_count) {
    FakeHost& h = host(c);
    // Like the engine, the fake takes the blocks whatever happens; it keeps copies of the lines.
    struct Free {
      const sluice_buffer_t* b;
      size_t n;
      ~Free() {
        for (size_t i = 0; i < n; ++i) std::free(b[i].data);
      }
    } free_blocks{blocks, block_count};
    std::unique_lock lock(h.mutex_);
    h.cv_.wait(lock, [&] { return !h.full_ || h.stop_requested_; });
    if (h.stop_requested_ && h.full_) return SLUICE_STOPPED;
    for (size_t i = 0; i < n; ++i) h.emitted_.push_back(detail::record_of(r[i]));
    h.pending_cookies_.push_back(cookie);
    h.cv_.notify_all();
    return SLUICE_OK;
  }
  static sluice_status_t cb_take(sluice_context_host_ptr c, int64_t ms,
                                 sluice_batch_host_ptr* out) {
    FakeHost& h = host(c);
    std::unique_lock lock(h.mutex_);
    *out = nullptr;
    bool ready = h.cv_.wait_for(lock, std::chrono::milliseconds(ms),
                                [&] { return !h.inbox_.empty() || h.inbox_closed_; });
    if (!h.inbox_.empty()) {
      *out = h.inbox_.front().release()->handle();
      h.inbox_.pop_front();
      return SLUICE_OK;
    }
    return ready ? SLUICE_STOPPED : SLUICE_TIMEOUT;
  }
  static void cb_finish(sluice_context_host_ptr c, sluice_batch_host_ptr b, sluice_outcome_t o,
                        sluice_str_t) {
    FakeHost& h = host(c);
    delete &detail::FakeBatch::of(b);
    std::lock_guard lock(h.mutex_);
    h.outcomes_.push_back(o);
    h.cv_.notify_all();
  }
  struct FakeHold {
    uint64_t batch;
  };
  static sluice_hold_host_ptr cb_batch_hold(sluice_context_host_ptr c, sluice_batch_host_ptr b) {
    FakeHost& h = host(c);
    std::lock_guard owners(hold_owner_mutex_);
    std::lock_guard lock(h.mutex_);
    h.holds_.push_back(std::make_unique<FakeHold>(FakeHold{detail::FakeBatch::of(b).id}));
    h.hold_owner_[h.holds_.back().get()] = &h;
    return reinterpret_cast<sluice_hold_host_ptr>(h.holds_.back().get());
  }
  // Ends a hold: its batch, or 0 (and an error in the log) if it was not open.
  static uint64_t end_hold(sluice_hold_host_ptr hp) {
    auto* fh = reinterpret_cast<FakeHold*>(hp);
    auto owner = hold_owner_.find(fh);
    if (owner == hold_owner_.end()) return 0;
    FakeHost& h = *owner->second;
    hold_owner_.erase(owner);
    for (auto it = h.holds_.begin(); it != h.holds_.end(); ++it) {
      if (it->get() == fh) {
        uint64_t id = fh->batch;
        h.holds_.erase(it);
        return id;
      }
    }
    return 0;
  }
  static FakeHost* owner_of(sluice_hold_host_ptr hp) {
    auto it = hold_owner_.find(reinterpret_cast<FakeHold*>(hp));
    return it == hold_owner_.end() ? nullptr : it->second;
  }
  static void cb_hold_attach(sluice_hold_host_ptr hp, sluice_batch_host_ptr b) {
    std::lock_guard owners(hold_owner_mutex_);
    FakeHost* h = owner_of(hp);
    if (h == nullptr) return;
    std::lock_guard lock(h->mutex_);
    uint64_t id = end_hold(hp);
    h->attached_[detail::FakeBatch::of(b).id].push_back(id);
  }
  static void cb_end_run(sluice_context_host_ptr c, sluice_str_t reason) {
    std::lock_guard lock(host(c).mutex_);
    host(c).end_runs_.push_back(sv(reason));
  }
  static void cb_hold_release(sluice_hold_host_ptr hp, sluice_outcome_t outcome) {
    std::lock_guard owners(hold_owner_mutex_);
    FakeHost* h = owner_of(hp);
    if (h == nullptr) return;
    std::lock_guard lock(h->mutex_);
    uint64_t id = end_hold(hp);
    h->released_.emplace_back(id, outcome);
  }
  static sluice_metric_host_ptr cb_metric_new(sluice_context_host_ptr c, sluice_metric_type_t t,
                                              const char* name, const char*, const sluice_label_t*,
                                              size_t, const double*, size_t) {
    FakeHost& h = host(c);
    std::lock_guard lock(h.mutex_);
    h.metrics_.push_back({&h, name, t, 0});
    return reinterpret_cast<sluice_metric_host_ptr>(&h.metrics_.back());
  }
  static void cb_metric_record(sluice_metric_host_ptr m, double v) {
    auto& metric = *reinterpret_cast<Metric*>(m);
    std::lock_guard lock(metric.host->mutex_);
    if (metric.type == SLUICE_METRIC_COUNTER) {
      metric.value += v;
    } else {
      metric.value = v;
    }
  }
  static sluice_str_t cb_state_dir(sluice_context_host_ptr c) {
    auto& d = host(c).state_dir_;
    return {d.data(), d.size()};
  }

  sluice_plugin_descriptor_t d_;
  sluice_host_api_t api_{};
  sluice_instance_plugin_ptr self_ = nullptr;
  std::unique_ptr<detail::FakeConfigNode> config_;
  std::vector<std::string> errors_;
  std::string state_dir_ = ".";

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_requested_ = false;
  bool stopped_ = false;
  int stop_fd_ = -1;
  bool full_ = false;
  bool inbox_closed_ = false;
  size_t running_threads_ = 0;
  std::vector<std::thread> threads_;
  std::vector<FakeRecord> emitted_;
  std::vector<uint64_t> pending_cookies_;
  std::deque<std::unique_ptr<detail::FakeBatch>> inbox_;
  std::vector<sluice_outcome_t> outcomes_;
  uint64_t batch_seq_ = 0;
  std::vector<std::unique_ptr<FakeHold>> holds_;
  std::map<uint64_t, std::vector<uint64_t>> attached_;
  std::vector<std::pair<uint64_t, sluice_outcome_t>> released_;
  // Which host a hold belongs to (a hold carries no context), so that a hold ended twice is
  // caught rather than read after it was freed.
  static inline std::mutex hold_owner_mutex_;
  static inline std::map<FakeHold*, FakeHost*> hold_owner_;
  std::vector<std::string> logs_;
  std::vector<std::string> end_runs_;
  std::list<Metric> metrics_;
};

}  // namespace sluice::testing
