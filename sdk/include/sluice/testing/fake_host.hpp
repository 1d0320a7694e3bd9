// A stand-in for the engine, for unit-testing a plugin without it: the same C host services,
// kept in memory. Header-only, like the rest of the SDK.
//
//   sluice::testing::FakeHost host(sluice_plugin_entry(SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR));
//   REQUIRE(host.create({{"pattern", "error"}}));
//   auto out = host.process({{"an error"}, {"fine"}});
#pragma once

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
#include <variant>
#include <vector>

#include "sluice/abi.h"

namespace sluice::testing {

// A config tree: each key holds a scalar (as text, like YAML), a list, a nested mapping, or
// a list of mappings.
class FakeConfig {
 public:
  struct Value;
  using List = std::vector<std::string>;
  using Maps = std::vector<FakeConfig>;
  using Entries = std::vector<std::pair<std::string, Value>>;
  struct Value {
    Value(const char* s) : v(std::string(s)) {}
    Value(std::string s) : v(std::move(s)) {}
    Value(int64_t n) : v(std::to_string(n)) {}
    Value(int n) : v(std::to_string(n)) {}
    Value(double d) : v(std::to_string(d)) {}
    Value(bool b) : v(std::string(b ? "true" : "false")) {}
    Value(List l) : v(std::move(l)) {}
    Value(FakeConfig m) : v(std::make_shared<FakeConfig>(std::move(m))) {}
    Value(Maps m) : v(std::make_shared<Maps>(std::move(m))) {}
    std::variant<std::string, List, std::shared_ptr<FakeConfig>, std::shared_ptr<Maps>> v;
  };
  FakeConfig() = default;
  FakeConfig(std::initializer_list<std::pair<std::string, Value>> entries)
      : entries_(entries.begin(), entries.end()) {}
  const Value* find(const std::string& key) const {
    for (const auto& [k, v] : entries_) {
      if (k == key) return &v;
    }
    return nullptr;
  }
  const Entries& entries() const { return entries_; }
  // One more key, for a config built piece by piece.
  void add(std::string key, Value value) {
    entries_.emplace_back(std::move(key), std::move(value));
  }

 private:
  Entries entries_;
};

struct FakeRecord {
  std::string line;
  std::vector<std::pair<std::string, std::string>> labels;
  int64_t timestamp_ns = 0;
  std::vector<std::pair<std::string, std::string>> metadata;
};

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
    api_.callback_batch_records = &cb_batch_records;
    api_.callback_batch_keep = &cb_batch_keep;
    api_.callback_batch_replace = &cb_batch_replace;
    api_.callback_config_string = &cb_config_string;
    api_.callback_config_int = &cb_config_int;
    api_.callback_config_double = &cb_config_double;
    api_.callback_config_bool = &cb_config_bool;
    api_.callback_config_duration_ms = &cb_config_duration_ms;
    api_.callback_config_list_item = &cb_config_list_item;
    api_.callback_config_map_item = &cb_config_map_item;
    api_.callback_config_child = &cb_config_child;
    api_.callback_config_error = &cb_config_error;
    api_.callback_config_list_child = &cb_config_list_child;
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
    config_ = std::make_unique<Cfg>(this, std::move(config), "");
    sluice_status_t s =
        d_.on_create(&api_, ctx(), reinterpret_cast<sluice_config_host_ptr>(config_.get()), &self_);
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
    auto batch = std::make_unique<Batch>(in);
    batch->id = ++batch_seq_;
    bool s =
        d_.on_process(self_, reinterpret_cast<sluice_batch_host_ptr>(batch.get())) == SLUICE_OK;
    if (ok != nullptr) *ok = s;
    return batch->records;
  }
  // Processors that hold records (ABI 1.2): runs on_flush on an empty batch, as the engine
  // does every 100 ms and (final) when the input ends. Empty when the plugin has no on_flush.
  std::vector<FakeRecord> flush(bool final, bool* ok = nullptr) {
    Batch batch({});
    batch.id = ++batch_seq_;
    bool s = d_.on_flush == nullptr ||
             d_.on_flush(self_, reinterpret_cast<sluice_batch_host_ptr>(&batch), final ? 1 : 0) ==
                 SLUICE_OK;
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
      inbox_.push_back(std::make_unique<Batch>(records));
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
  struct Batch {
    explicit Batch(const std::vector<FakeRecord>& in) : records(in) { refresh(); }
    uint64_t id = 0;
    void refresh() {
      views.clear();
      labels.clear();
      labels.reserve(records.size());
      metadata.clear();
      metadata.reserve(records.size());
      for (const auto& r : records) {
        auto& l = labels.emplace_back();
        for (const auto& [k, v] : r.labels)
          l.push_back({{k.data(), k.size()}, {v.data(), v.size()}});
        auto& m = metadata.emplace_back();
        for (const auto& [k, v] : r.metadata)
          m.push_back({{k.data(), k.size()}, {v.data(), v.size()}});
        views.push_back({r.timestamp_ns,
                         {r.line.data(), r.line.size()},
                         l.data(),
                         static_cast<uint32_t>(l.size()),
                         m.data(),
                         static_cast<uint32_t>(m.size())});
      }
    }
    std::vector<FakeRecord> records;
    std::vector<sluice_record_t> views;
    std::vector<std::vector<sluice_label_t>> labels, metadata;
  };
  struct Cfg {
    Cfg(FakeHost* h, FakeConfig c, std::string p)
        : host(h), config(std::move(c)), path(std::move(p)) {}
    const FakeConfig::Value* get(const char* key) {
      asked.emplace_back(key);
      return config.find(key);
    }
    std::string where(const char* key) const {
      return key == nullptr ? (path.empty() ? "<root>" : path)
                            : (path.empty() ? key : path + "." + key);
    }
    void unknown_keys(std::vector<std::string>& errors) const {
      for (const auto& [k, v] : config.entries()) {
        if (std::find(asked.begin(), asked.end(), k) == asked.end()) {
          errors.push_back(where(k.c_str()) + ": unknown key '" + k + "'");
        }
      }
      for (const auto& c : children) c.unknown_keys(errors);
    }
    FakeHost* host;
    FakeConfig config;
    std::string path;
    std::vector<std::string> asked;
    std::list<Cfg> children;
  };
  struct Metric {
    FakeHost* host;
    std::string name;
    sluice_metric_type_t type;
    double value = 0;
  };
  struct StopHandle {};

  sluice_context_host_ptr ctx() { return reinterpret_cast<sluice_context_host_ptr>(this); }
  static FakeHost& host(sluice_context_host_ptr c) { return *reinterpret_cast<FakeHost*>(c); }
  static FakeHost& host_of_stop(sluice_stop_host_ptr s) { return *reinterpret_cast<FakeHost*>(s); }
  static Cfg& cfg(sluice_config_host_ptr c) { return *reinterpret_cast<Cfg*>(c); }
  static std::string sv(sluice_str_t s) { return std::string(s.data, s.size); }

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
  static int cb_stop_fd(sluice_stop_host_ptr) { return -1; }  // the fake offers no descriptor
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
    for (size_t i = 0; i < n; ++i) {
      FakeRecord rec;
      rec.line = sv(r[i].line);
      rec.timestamp_ns = r[i].timestamp_ns;
      for (uint32_t l = 0; l < r[i].label_count; ++l) {
        rec.labels.emplace_back(sv(r[i].labels[l].name), sv(r[i].labels[l].value));
      }
      for (uint32_t m = 0; m < r[i].metadata_count; ++m) {
        rec.metadata.emplace_back(sv(r[i].metadata[m].name), sv(r[i].metadata[m].value));
      }
      h.emitted_.push_back(std::move(rec));
    }
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
      Batch* b = h.inbox_.front().release();
      h.inbox_.pop_front();
      *out = reinterpret_cast<sluice_batch_host_ptr>(b);
      return SLUICE_OK;
    }
    return ready ? SLUICE_STOPPED : SLUICE_TIMEOUT;
  }
  static void cb_finish(sluice_context_host_ptr c, sluice_batch_host_ptr b, sluice_outcome_t o,
                        sluice_str_t) {
    FakeHost& h = host(c);
    delete reinterpret_cast<Batch*>(b);
    std::lock_guard lock(h.mutex_);
    h.outcomes_.push_back(o);
    h.cv_.notify_all();
  }
  static void cb_batch_records(sluice_batch_host_ptr b, const sluice_record_t** r, size_t* n) {
    auto& batch = *reinterpret_cast<Batch*>(b);
    *r = batch.views.data();
    *n = batch.views.size();
  }
  static void cb_batch_keep(sluice_batch_host_ptr b, const uint8_t* mask, size_t n) {
    auto& batch = *reinterpret_cast<Batch*>(b);
    std::vector<FakeRecord> kept;
    for (size_t i = 0; i < batch.records.size() && i < n; ++i) {
      if (mask[i] != 0) kept.push_back(batch.records[i]);
    }
    batch.records = std::move(kept);
    batch.refresh();
  }
  struct FakeHold {
    uint64_t batch;
  };
  static sluice_hold_host_ptr cb_batch_hold(sluice_context_host_ptr c, sluice_batch_host_ptr b) {
    FakeHost& h = host(c);
    std::lock_guard owners(hold_owner_mutex_);
    std::lock_guard lock(h.mutex_);
    h.holds_.push_back(std::make_unique<FakeHold>(FakeHold{reinterpret_cast<Batch*>(b)->id}));
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
    h->attached_[reinterpret_cast<Batch*>(b)->id].push_back(id);
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
  static void cb_batch_replace(sluice_batch_host_ptr b, const sluice_record_t* r, size_t n) {
    auto& batch = *reinterpret_cast<Batch*>(b);
    std::vector<FakeRecord> fresh;
    for (size_t i = 0; i < n; ++i) {
      FakeRecord rec;
      rec.line = sv(r[i].line);
      rec.timestamp_ns = r[i].timestamp_ns;
      for (uint32_t l = 0; l < r[i].label_count; ++l)
        rec.labels.emplace_back(sv(r[i].labels[l].name), sv(r[i].labels[l].value));
      for (uint32_t m = 0; m < r[i].metadata_count; ++m)
        rec.metadata.emplace_back(sv(r[i].metadata[m].name), sv(r[i].metadata[m].value));
      fresh.push_back(std::move(rec));
    }
    batch.records = std::move(fresh);
    batch.refresh();
  }
  static const std::string* scalar(sluice_config_host_ptr c, const char* key) {
    auto* v = cfg(c).get(key);
    if (v == nullptr) return nullptr;
    if (auto* s = std::get_if<std::string>(&v->v)) return s;
    cfg(c).host->errors_.push_back(cfg(c).where(key) + ": expected a scalar");
    return nullptr;
  }
  static int cb_config_string(sluice_config_host_ptr c, const char* key, sluice_str_t* out) {
    auto* s = scalar(c, key);
    if (s == nullptr) return 0;
    *out = {s->data(), s->size()};
    return 1;
  }
  template <class T, class Parse>
  static int parse_scalar(sluice_config_host_ptr c, const char* key, T* out, Parse parse,
                          const char* what) {
    auto* s = scalar(c, key);
    if (s == nullptr) return 0;
    try {
      size_t used = 0;
      T v = parse(*s, &used);
      if (used == s->size()) {
        *out = v;
        return 1;
      }
    } catch (...) {
    }
    cfg(c).host->errors_.push_back(cfg(c).where(key) + ": expected " + what + ", got '" + *s + "'");
    return 0;
  }
  static int cb_config_int(sluice_config_host_ptr c, const char* key, int64_t* out) {
    return parse_scalar<int64_t>(
        c, key, out, [](const std::string& s, size_t* u) { return std::stoll(s, u); },
        "an integer");
  }
  static int cb_config_double(sluice_config_host_ptr c, const char* key, double* out) {
    return parse_scalar<double>(
        c, key, out, [](const std::string& s, size_t* u) { return std::stod(s, u); }, "a number");
  }
  static int cb_config_bool(sluice_config_host_ptr c, const char* key, int* out) {
    return parse_scalar<int>(
        c, key, out,
        [](const std::string& s, size_t* u) {
          *u = s.size();
          if (s == "true") return 1;
          if (s == "false") return 0;
          throw std::invalid_argument(s);
        },
        "true or false");
  }
  static int cb_config_duration_ms(sluice_config_host_ptr c, const char* key, int64_t* out) {
    return parse_scalar<int64_t>(
        c, key, out,
        [](const std::string& s, size_t* u) -> int64_t {
          double v = std::stod(s, u);
          std::string unit = s.substr(*u);
          *u = s.size();
          if (unit.empty() || unit == "s") return static_cast<int64_t>(v * 1000);
          if (unit == "ms") return static_cast<int64_t>(v);
          if (unit == "m") return static_cast<int64_t>(v * 60000);
          if (unit == "h") return static_cast<int64_t>(v * 3600000);
          throw std::invalid_argument(s);
        },
        "a duration");
  }
  static int cb_config_list_item(sluice_config_host_ptr c, const char* key, size_t i,
                                 sluice_str_t* out) {
    auto* v = cfg(c).get(key);
    if (v == nullptr) return 0;
    if (auto* s = std::get_if<std::string>(&v->v)) {
      if (i != 0) return 0;
      *out = {s->data(), s->size()};
      return 1;
    }
    if (auto* l = std::get_if<FakeConfig::List>(&v->v)) {
      if (i >= l->size()) return 0;
      *out = {(*l)[i].data(), (*l)[i].size()};
      return 1;
    }
    return 0;
  }
  static int cb_config_map_item(sluice_config_host_ptr c, const char* key, size_t i,
                                sluice_str_t* name, sluice_str_t* value) {
    auto* v = cfg(c).get(key);
    if (v == nullptr) return 0;
    auto* m = std::get_if<std::shared_ptr<FakeConfig>>(&v->v);
    if (m == nullptr || i >= (*m)->entries().size()) return 0;
    const auto& [k, val] = (*m)->entries()[i];
    auto* s = std::get_if<std::string>(&val.v);
    if (s == nullptr) return 0;
    *name = {k.data(), k.size()};
    *value = {s->data(), s->size()};
    return 1;
  }
  static sluice_config_host_ptr cb_config_child(sluice_config_host_ptr c, const char* key) {
    auto* v = cfg(c).get(key);
    if (v == nullptr) return nullptr;
    auto* m = std::get_if<std::shared_ptr<FakeConfig>>(&v->v);
    if (m == nullptr) return nullptr;
    auto& child = cfg(c).children.emplace_back(cfg(c).host, **m, cfg(c).where(key));
    return reinterpret_cast<sluice_config_host_ptr>(&child);
  }
  static sluice_config_host_ptr cb_config_list_child(sluice_config_host_ptr c, const char* key,
                                                     size_t i) {
    auto* v = cfg(c).get(key);
    if (v == nullptr) return nullptr;
    auto* maps = std::get_if<std::shared_ptr<FakeConfig::Maps>>(&v->v);
    if (maps == nullptr) {
      if (i == 0)
        cfg(c).host->errors_.push_back(cfg(c).where(key) + ": expected a list of mappings");
      return nullptr;
    }
    if (i >= (*maps)->size()) return nullptr;
    auto& child = cfg(c).children.emplace_back(cfg(c).host, (**maps)[i],
                                               cfg(c).where(key) + "[" + std::to_string(i) + "]");
    return reinterpret_cast<sluice_config_host_ptr>(&child);
  }
  static void cb_config_error(sluice_config_host_ptr c, const char* key, sluice_str_t m) {
    cfg(c).host->errors_.push_back(cfg(c).where(key) + ": " + sv(m));
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
  std::unique_ptr<Cfg> config_;
  std::vector<std::string> errors_;
  std::string state_dir_ = ".";

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_requested_ = false;
  bool stopped_ = false;
  bool full_ = false;
  bool inbox_closed_ = false;
  size_t running_threads_ = 0;
  std::vector<std::thread> threads_;
  std::vector<FakeRecord> emitted_;
  std::vector<uint64_t> pending_cookies_;
  std::deque<std::unique_ptr<Batch>> inbox_;
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
