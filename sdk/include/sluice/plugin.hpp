// The C++ layer a plugin is written against: derive from Source, Processor or Sink, and
// declare the library with SLUICE_PLUGIN. Everything here compiles into the plugin; nothing
// but the C ABI of abi.h crosses into the host.
#pragma once

#include <exception>
#include <memory>
#include <string>
#include <type_traits>

#include "sluice/abi.h"
#include "sluice/config.hpp"
#include "sluice/context.hpp"
#include "sluice/records.hpp"

namespace sluice {

// Each kind is constructed as T(Context&, const Config&): read and validate the config there,
// reporting problems with cfg.error(); start no thread before start().
class Source {
 public:
  static constexpr sluice_kind_t kind = SLUICE_KIND_SOURCE;
  virtual ~Source() = default;
  // Returns promptly; long work goes on threads from Context::spawn.
  virtual bool start() = 0;
  // Called after the stop tokens are signalled: wake anything they cannot reach.
  virtual void stop() {}
  // The fate of the records emitted with cookie; may be called on any thread.
  virtual void on_ack(uint64_t /*cookie*/, sluice_outcome_t /*outcome*/) {}
};

class Processor {
 public:
  static constexpr sluice_kind_t kind = SLUICE_KIND_PROCESSOR;
  virtual ~Processor() = default;
  virtual bool start() { return true; }
  virtual void stop() {}
  // Transforms the batch in place, on a host worker thread. false reports a failure.
  virtual bool process(Batch& batch) = 0;
  // A processor that holds records across batches (ABI 1.2) declares
  //   static constexpr bool holds_records = true;
  // and sends them on here, into the empty batch, about every 100 ms and, with final, when
  // its input ends. Called on the same worker thread as process().
  static constexpr bool holds_records = false;
  virtual bool flush(Batch& /*batch*/, bool /*final*/) { return true; }
};

class Sink {
 public:
  static constexpr sluice_kind_t kind = SLUICE_KIND_SINK;
  virtual ~Sink() = default;
  virtual bool start() = 0;
  virtual void stop() {}
};

namespace detail {

// A plugin that declares its settings (sluice/settings.hpp) has
//   static const sluice::SettingsDescription& settings_table();
template <class T, class = void>
struct HasSettingsTable : std::false_type {};
template <class T>
struct HasSettingsTable<T, std::void_t<decltype(T::settings_table().c_settings())>>
    : std::true_type {};

template <class T>
struct Instance {
  Context ctx;
  std::unique_ptr<T> plugin;
};

template <class T>
struct Adapter {
  static sluice_status_t create(const sluice_host_api_t* host, sluice_context_host_ptr ctx,
                                sluice_config_host_ptr cfg, sluice_instance_plugin_ptr* out) {
    Config config(host, cfg);
    try {
      auto* inst = new Instance<T>{Context(host, ctx), nullptr};
      try {
        inst->plugin = std::make_unique<T>(inst->ctx, config);
      } catch (...) {
        delete inst;
        throw;
      }
      *out = inst;
      return SLUICE_OK;
    } catch (const std::exception& e) {
      config.error(nullptr, e.what());
    } catch (...) {
      config.error(nullptr, "unknown exception while configuring");
    }
    return SLUICE_ERROR;
  }
  static T& self(sluice_instance_plugin_ptr p) { return *static_cast<Instance<T>*>(p)->plugin; }
  static const Context& context(sluice_instance_plugin_ptr p) {
    return static_cast<Instance<T>*>(p)->ctx;
  }
  static sluice_status_t start(sluice_instance_plugin_ptr p) {
    try {
      return self(p).start() ? SLUICE_OK : SLUICE_ERROR;
    } catch (const std::exception& e) {
      context(p).error(std::string("start failed: ") + e.what());
    } catch (...) {
      context(p).error("start failed: unknown exception");
    }
    return SLUICE_ERROR;
  }
  static void stop(sluice_instance_plugin_ptr p) {
    try {
      self(p).stop();
    } catch (...) {
      context(p).error("stop threw an exception");
    }
  }
  static void destroy(sluice_instance_plugin_ptr p) {
    try {
      delete static_cast<Instance<T>*>(p);
    } catch (...) {
    }
  }
  static void ack(sluice_instance_plugin_ptr p, uint64_t cookie, sluice_outcome_t outcome) {
    if constexpr (T::kind == SLUICE_KIND_SOURCE) {
      try {
        self(p).on_ack(cookie, outcome);
      } catch (...) {
        context(p).error("on_ack threw an exception");
      }
    }
  }
  static sluice_status_t process(sluice_instance_plugin_ptr p, sluice_batch_host_ptr b) {
    if constexpr (T::kind == SLUICE_KIND_PROCESSOR) {
      try {
        Batch batch(context(p).host(), b);
        return self(p).process(batch) ? SLUICE_OK : SLUICE_ERROR;
      } catch (const std::exception& e) {
        context(p).error(std::string("process failed: ") + e.what());
      } catch (...) {
        context(p).error("process failed: unknown exception");
      }
    }
    return SLUICE_ERROR;
  }
  static sluice_status_t flush(sluice_instance_plugin_ptr p, sluice_batch_host_ptr b, int final) {
    if constexpr (T::kind == SLUICE_KIND_PROCESSOR) {
      try {
        Batch batch(context(p).host(), b);
        return self(p).flush(batch, final != 0) ? SLUICE_OK : SLUICE_ERROR;
      } catch (const std::exception& e) {
        context(p).error(std::string("flush failed: ") + e.what());
      } catch (...) {
        context(p).error("flush failed: unknown exception");
      }
    }
    return SLUICE_ERROR;
  }
  static sluice_plugin_descriptor_t descriptor(const char* name, const char* version,
                                               const char* description) {
    sluice_plugin_descriptor_t d{};
    d.struct_size = sizeof(sluice_plugin_descriptor_t);
    d.abi_major = SLUICE_ABI_MAJOR;
    d.abi_minor = SLUICE_ABI_MINOR;
    d.kind = T::kind;
    d.name = name;
    d.version = version;
    d.description = description;
    d.on_create = &create;
    d.on_start = &start;
    d.on_stop = &stop;
    d.on_destroy = &destroy;
    d.on_ack = T::kind == SLUICE_KIND_SOURCE ? &ack : nullptr;
    d.on_process = T::kind == SLUICE_KIND_PROCESSOR ? &process : nullptr;
    if constexpr (T::kind == SLUICE_KIND_PROCESSOR) {
      if constexpr (T::holds_records) d.on_flush = &flush;
    }
    if constexpr (HasSettingsTable<T>::value) {
      d.settings = T::settings_table().c_settings();
      d.setting_count = T::settings_table().c_count();
      d.setting_size = sizeof(sluice_setting_t);
    }
    return d;
  }
};

}  // namespace detail
}  // namespace sluice

// Declares the library's one plugin. Use once, in one source file of the library.
#define SLUICE_PLUGIN(Class, Name, Version, Description)                          \
  extern "C" SLUICE_EXPORT const sluice_plugin_descriptor_t* sluice_plugin_entry( \
      uint16_t /*host_abi_major*/, uint16_t /*host_abi_minor*/) {                 \
    static const sluice_plugin_descriptor_t descriptor =                          \
        ::sluice::detail::Adapter<Class>::descriptor(Name, Version, Description); \
    return &descriptor;                                                           \
  }
