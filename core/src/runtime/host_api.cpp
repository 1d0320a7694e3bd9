// The C table of host services: each callback turns the opaque handles back into the host's
// objects and forwards. Nothing here may throw across the ABI.
#include <exception>

#include "runtime/config_access.hpp"
#include "runtime/plugin_instance.hpp"

namespace sluice::core {

namespace {

PluginInstance& instance(sluice_context_host_ptr ctx) {
  return *reinterpret_cast<PluginInstance*>(ctx);
}
StopSignal& stop_of(sluice_stop_host_ptr stop) {
  return *reinterpret_cast<StopSignal*>(stop);
}
Batch& batch_of(sluice_batch_host_ptr b) {
  return *reinterpret_cast<Batch*>(b);
}
ConfigAccess& config_of(sluice_config_host_ptr c) {
  return *reinterpret_cast<ConfigAccess*>(c);
}
std::string_view sv(sluice_str_t s) {
  return {s.data, s.size};
}
sluice_str_t to_str(const std::string& s) {
  return {s.data(), s.size()};
}

template <class F>
auto guarded(F&& f, decltype(f()) on_error) noexcept -> decltype(f()) {
  try {
    return f();
  } catch (...) {
    return on_error;
  }
}

void cb_end_run(sluice_context_host_ptr ctx, sluice_str_t reason) {
  try {
    instance(ctx).end_run(sv(reason));
  } catch (...) {
  }
}

void cb_log(sluice_context_host_ptr ctx, sluice_log_level_t level, sluice_str_t message) {
  try {
    auto lvl = spdlog::level::info;
    switch (level) {
      case SLUICE_LOG_TRACE: lvl = spdlog::level::trace; break;
      case SLUICE_LOG_DEBUG: lvl = spdlog::level::debug; break;
      case SLUICE_LOG_INFO: lvl = spdlog::level::info; break;
      case SLUICE_LOG_WARN: lvl = spdlog::level::warn; break;
      default: lvl = spdlog::level::err; break;
    }
    instance(ctx).log().log(lvl, "{}", sv(message));
  } catch (...) {
  }
}

sluice_status_t cb_spawn(sluice_context_host_ptr ctx, sluice_str_t name, sluice_thread_fn_t fn,
                         void* arg) {
  return guarded(
      [&] {
        bool ok = instance(ctx).ledger().spawn(std::string(sv(name)), [fn, arg](StopSignal& stop) {
          fn(arg, reinterpret_cast<sluice_stop_host_ptr>(&stop));
        });
        return ok ? SLUICE_OK : SLUICE_STOPPED;
      },
      SLUICE_ERROR);
}

int cb_stop_requested(sluice_stop_host_ptr stop) {
  return stop_of(stop).requested() ? 1 : 0;
}

int cb_stop_wait(sluice_stop_host_ptr stop, int64_t timeout_ms) {
  return guarded(
      [&] { return stop_of(stop).wait_for(std::chrono::milliseconds(timeout_ms)) ? 1 : 0; }, 1);
}

int cb_stop_fd(sluice_stop_host_ptr stop) {
  return guarded([&] { return stop_of(stop).fd(); }, -1);
}

sluice_status_t cb_emit(sluice_context_host_ptr ctx, sluice_stop_host_ptr stop,
                        const sluice_record_t* records, size_t count, uint64_t cookie,
                        const sluice_buffer_t* blocks, size_t block_count) {
  return guarded(
      [&] {
        return instance(ctx).emit(stop != nullptr ? &stop_of(stop) : nullptr, records, count,
                                  cookie, blocks, block_count);
      },
      SLUICE_ERROR);
}

void* cb_buffer_alloc(sluice_context_host_ptr, size_t size) {
  return guarded([&] { return BufferPool::allocate(size); }, static_cast<void*>(nullptr));
}

void cb_buffer_free(sluice_context_host_ptr, void* block) {
  BufferPool::release(block);
}

sluice_status_t cb_take(sluice_context_host_ptr ctx, int64_t timeout_ms,
                        sluice_batch_host_ptr* out) {
  return guarded(
      [&] {
        Batch* b = nullptr;
        auto s = instance(ctx).take(timeout_ms, &b);
        *out = reinterpret_cast<sluice_batch_host_ptr>(b);
        return s;
      },
      SLUICE_ERROR);
}

void cb_finish(sluice_context_host_ptr ctx, sluice_batch_host_ptr batch, sluice_outcome_t outcome,
               sluice_str_t reason) {
  try {
    if (batch != nullptr) instance(ctx).finish(&batch_of(batch), outcome, sv(reason));
  } catch (...) {
  }
}

void cb_batch_records(sluice_batch_host_ptr batch, const sluice_record_t** records, size_t* count) {
  auto r = batch_of(batch).records();
  *records = r.data();
  *count = r.size();
}

void cb_batch_keep(sluice_batch_host_ptr batch, const uint8_t* mask, size_t count) {
  try {
    batch_of(batch).keep(mask, count);
  } catch (...) {
  }
}

void cb_batch_replace(sluice_batch_host_ptr batch, const sluice_record_t* records, size_t count) {
  try {
    batch_of(batch).replace(records, count);
  } catch (...) {
  }
}

// Typed config reads: present with the right type → 1; absent → 0; wrong type → reported, 0.
template <class T, class Read>
int config_read(sluice_config_host_ptr cfg, const char* key, T* out, Read read) {
  return guarded(
      [&] {
        auto& access = config_of(cfg);
        YAML::Node n = access.get(key);
        if (!n.IsDefined() || n.IsNull()) return 0;
        auto v = read(access.reader(), n, access.path_of(key));
        if (!v) return 0;
        *out = *v;
        return 1;
      },
      0);
}

int cb_config_string(sluice_config_host_ptr cfg, const char* key, sluice_str_t* out) {
  return guarded(
      [&] {
        auto& access = config_of(cfg);
        YAML::Node n = access.get(key);
        if (!n.IsDefined() || n.IsNull()) return 0;
        if (!n.IsScalar()) {
          access.reader().error(n, access.path_of(key), "expected a string, got " + describe(n));
          return 0;
        }
        // The scalar lives in the YAML tree, which outlives on_create.
        *out = to_str(n.Scalar());
        return 1;
      },
      0);
}

int cb_config_int(sluice_config_host_ptr cfg, const char* key, int64_t* out) {
  return config_read(cfg, key, out,
                     [](const YamlReader& r, const YAML::Node& n, const std::string& p) {
                       return r.integer(n, p);
                     });
}

int cb_config_double(sluice_config_host_ptr cfg, const char* key, double* out) {
  return config_read(cfg, key, out,
                     [](const YamlReader& r, const YAML::Node& n, const std::string& p) {
                       return r.number(n, p);
                     });
}

int cb_config_bool(sluice_config_host_ptr cfg, const char* key, int* out) {
  return config_read(
      cfg, key, out,
      [](const YamlReader& r, const YAML::Node& n, const std::string& p) -> std::optional<int> {
        auto b = r.boolean(n, p);
        if (!b) return std::nullopt;
        return *b ? 1 : 0;
      });
}

int cb_config_duration_ms(sluice_config_host_ptr cfg, const char* key, int64_t* out) {
  return config_read(
      cfg, key, out,
      [](const YamlReader& r, const YAML::Node& n, const std::string& p) -> std::optional<int64_t> {
        auto d = r.duration(n, p);
        if (!d) return std::nullopt;
        return d->count();
      });
}

int cb_config_list_item(sluice_config_host_ptr cfg, const char* key, size_t index,
                        sluice_str_t* out) {
  return guarded(
      [&] {
        auto& access = config_of(cfg);
        YAML::Node n = access.get(key);
        if (!n.IsDefined() || n.IsNull()) return 0;
        if (n.IsScalar() && index == 0) {
          *out = to_str(n.Scalar());
          return 1;
        }
        if (!n.IsSequence()) {
          if (index == 0 && !n.IsScalar()) {
            access.reader().error(n, access.path_of(key),
                                  "expected a sequence of strings, got " + describe(n));
          }
          return 0;
        }
        if (index >= n.size()) return 0;
        YAML::Node item = n[index];
        if (!item.IsScalar()) {
          access.reader().error(item, access.path_of(key) + "[" + std::to_string(index) + "]",
                                "expected a string, got " + describe(item));
          return 0;
        }
        *out = to_str(item.Scalar());
        return 1;
      },
      0);
}

int cb_config_map_item(sluice_config_host_ptr cfg, const char* key, size_t index,
                       sluice_str_t* name, sluice_str_t* value) {
  return guarded(
      [&] {
        auto& access = config_of(cfg);
        YAML::Node n = access.get(key);
        if (!n.IsDefined() || n.IsNull()) return 0;
        if (!n.IsMap()) {
          if (index == 0) {
            access.reader().error(n, access.path_of(key), "expected a mapping, got " + describe(n));
          }
          return 0;
        }
        size_t i = 0;
        for (const auto& kv : n) {
          if (i++ != index) continue;
          if (!kv.second.IsScalar()) {
            access.reader().error(kv.second, access.path_of(key) + "." + kv.first.Scalar(),
                                  "expected a string, got " + describe(kv.second));
            return 0;
          }
          *name = to_str(kv.first.Scalar());
          *value = to_str(kv.second.Scalar());
          return 1;
        }
        return 0;
      },
      0);
}

sluice_config_host_ptr cb_config_child(sluice_config_host_ptr cfg, const char* key) {
  return guarded(
      [&] { return reinterpret_cast<sluice_config_host_ptr>(config_of(cfg).child(key)); },
      static_cast<sluice_config_host_ptr>(nullptr));
}

sluice_config_host_ptr cb_config_list_child(sluice_config_host_ptr cfg, const char* key,
                                            size_t index) {
  return guarded(
      [&] {
        return reinterpret_cast<sluice_config_host_ptr>(config_of(cfg).list_child(key, index));
      },
      static_cast<sluice_config_host_ptr>(nullptr));
}

sluice_hold_host_ptr cb_batch_hold(sluice_context_host_ptr ctx, sluice_batch_host_ptr batch) {
  return guarded([&] { return instance(ctx).hold_open(batch_of(batch)); },
                 static_cast<sluice_hold_host_ptr>(nullptr));
}

void cb_hold_attach(sluice_hold_host_ptr hold, sluice_batch_host_ptr batch) {
  try {
    if (auto* owner = PluginInstance::owner_of(hold)) owner->hold_attach(hold, batch_of(batch));
  } catch (...) {
  }
}

void cb_hold_release(sluice_hold_host_ptr hold, sluice_outcome_t outcome) {
  try {
    if (auto* owner = PluginInstance::owner_of(hold)) owner->hold_release(hold, outcome);
  } catch (...) {
  }
}

void cb_config_error(sluice_config_host_ptr cfg, const char* key, sluice_str_t message) {
  try {
    config_of(cfg).error(key, std::string(sv(message)));
  } catch (...) {
  }
}

sluice_metric_host_ptr cb_metric_new(sluice_context_host_ptr ctx, sluice_metric_type_t type,
                                     const char* name, const char* help,
                                     const sluice_label_t* labels, size_t label_count,
                                     const double* buckets, size_t bucket_count) {
  return guarded(
      [&] {
        return instance(ctx).metric_new(type, name, help, labels, label_count, buckets,
                                        bucket_count);
      },
      static_cast<sluice_metric_host_ptr>(nullptr));
}

void cb_metric_record(sluice_metric_host_ptr metric, double value) {
  if (metric != nullptr) reinterpret_cast<PluginMetric*>(metric)->record(value);
}

sluice_str_t cb_state_dir(sluice_context_host_ptr ctx) {
  return guarded([&] { return to_str(instance(ctx).state_dir()); }, sluice_str_t{nullptr, 0});
}

const sluice_host_api_t table = [] {
  sluice_host_api_t t{};
  t.struct_size = sizeof(sluice_host_api_t);
  t.abi_major = SLUICE_ABI_MAJOR;
  t.abi_minor = SLUICE_ABI_MINOR;
  t.callback_log = cb_log;
  t.callback_spawn = cb_spawn;
  t.callback_stop_requested = cb_stop_requested;
  t.callback_stop_wait = cb_stop_wait;
  t.callback_stop_fd = cb_stop_fd;
  t.callback_emit = cb_emit;
  t.callback_buffer_alloc = cb_buffer_alloc;
  t.callback_buffer_free = cb_buffer_free;
  t.callback_take = cb_take;
  t.callback_finish = cb_finish;
  t.callback_batch_records = cb_batch_records;
  t.callback_batch_keep = cb_batch_keep;
  t.callback_batch_replace = cb_batch_replace;
  t.callback_config_string = cb_config_string;
  t.callback_config_int = cb_config_int;
  t.callback_config_double = cb_config_double;
  t.callback_config_bool = cb_config_bool;
  t.callback_config_duration_ms = cb_config_duration_ms;
  t.callback_config_list_item = cb_config_list_item;
  t.callback_config_map_item = cb_config_map_item;
  t.callback_config_child = cb_config_child;
  t.callback_config_error = cb_config_error;
  t.callback_metric_new = cb_metric_new;
  t.callback_metric_record = cb_metric_record;
  t.callback_state_dir = cb_state_dir;
  t.callback_config_list_child = cb_config_list_child;
  t.callback_batch_hold = cb_batch_hold;
  t.callback_hold_attach = cb_hold_attach;
  t.callback_hold_release = cb_hold_release;
  t.callback_end_run = cb_end_run;
  return t;
}();

}  // namespace

const sluice_host_api_t* host_api() {
  return &table;
}

}  // namespace sluice::core
