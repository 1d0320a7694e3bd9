// The engine's Prometheus registry: the core's own metrics (per component, per queue, the
// process), and the metrics plugins create through the SDK facade.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "sluice/abi.h"

namespace sluice::core {

// The core's counters for one component, resolved once so the hot path only adds.
struct ComponentMetrics {
  prometheus::Counter* received = nullptr;
  prometheus::Counter* sent = nullptr;
  prometheus::Counter* discarded = nullptr;
  prometheus::Counter* errors = nullptr;
  prometheus::Gauge* queue_events = nullptr;  // sinks and processors only
  prometheus::Gauge* queue_bytes = nullptr;   // sinks and processors only
  // The queue's bounds beside its fill, so that a dashboard or an alert can tell how full it is.
  prometheus::Gauge* queue_max_events = nullptr;
  prometheus::Gauge* queue_max_bytes = nullptr;
};

// A metric a plugin made. Its series outlives the instance: a node restarted under the same
// id (a reload) goes on counting in the same series, and totals never go back.
class PluginMetric {
 public:
  PluginMetric(sluice_metric_type_t type, void* metric) : type_(type), metric_(metric) {}
  void record(double value);

 private:
  sluice_metric_type_t type_;
  void* metric_;
};

class Metrics {
 public:
  Metrics();

  ComponentMetrics component(const std::string& id, const std::string& type, bool has_queue);
  void lifecycle_violation(const std::string& id, const std::string& type,
                           const std::string& violation);
  void stop_duration(const std::string& id, const std::string& type, double seconds);
  // A reload's outcome; a success also sets the time of the last successful one.
  void reload(bool success);
  // A node replaced by a successor in a reload.
  void component_restart(const std::string& id, const std::string& type);

  // For a plugin: name and help as given, the component labels added. Null, with why set,
  // when the name is not a valid metric name or is taken by another type.
  std::unique_ptr<PluginMetric> plugin_metric(sluice_metric_type_t type, const std::string& name,
                                              const std::string& help,
                                              const std::map<std::string, std::string>& labels,
                                              const std::vector<double>& buckets, std::string& why);

  // The text exposition, with the process gauges read just before.
  std::string render();
  std::shared_ptr<prometheus::Registry> registry() { return registry_; }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& received_;
  prometheus::Family<prometheus::Counter>& sent_;
  prometheus::Family<prometheus::Counter>& discarded_;
  prometheus::Family<prometheus::Counter>& errors_;
  prometheus::Family<prometheus::Gauge>& queue_events_;
  prometheus::Family<prometheus::Gauge>& queue_bytes_;
  prometheus::Family<prometheus::Gauge>& queue_max_events_;
  prometheus::Family<prometheus::Gauge>& queue_max_bytes_;
  prometheus::Family<prometheus::Counter>& violations_;
  prometheus::Family<prometheus::Histogram>& stop_duration_;
  prometheus::Family<prometheus::Counter>& reloads_;
  prometheus::Family<prometheus::Gauge>& last_reload_;
  prometheus::Family<prometheus::Counter>& restarts_;
  prometheus::Family<prometheus::Gauge>& threads_;
  prometheus::Family<prometheus::Gauge>& fds_;
  // The standard process_* metrics, read at each render, and sluice_build_info.
  struct Process {
    prometheus::Counter* cpu_seconds = nullptr;
    prometheus::Gauge *resident = nullptr, *virtual_bytes = nullptr, *open_fds = nullptr,
                      *max_fds = nullptr, *start_time = nullptr;
    double cpu_counted = 0;
  } process_;
  std::mutex render_mutex_;
  std::mutex plugin_mutex_;
  std::map<std::string, std::pair<sluice_metric_type_t, void*>> plugin_families_;
};

}  // namespace sluice::core
