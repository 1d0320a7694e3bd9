#include "observability/metrics.hpp"

#include <prometheus/text_serializer.h>

#include "lifecycle/process_counts.hpp"
#include "observability/process_stats.hpp"
#include "version.hpp"

namespace sluice::core {

namespace pm = prometheus;

namespace {
pm::Labels component_labels(const std::string& id, const std::string& type) {
  return {{"component_id", id}, {"component_type", type}};
}
}  // namespace

void PluginMetric::record(double value) {
  switch (type_) {
    case SLUICE_METRIC_COUNTER:
      if (value >= 0) static_cast<pm::Counter*>(metric_)->Increment(value);
      break;
    case SLUICE_METRIC_GAUGE: static_cast<pm::Gauge*>(metric_)->Set(value); break;
    case SLUICE_METRIC_HISTOGRAM: static_cast<pm::Histogram*>(metric_)->Observe(value); break;
  }
}

Metrics::Metrics()
    : registry_(std::make_shared<pm::Registry>()),
      received_(pm::BuildCounter()
                    .Name("sluice_component_received_events_total")
                    .Help("Records a component took in.")
                    .Register(*registry_)),
      sent_(pm::BuildCounter()
                .Name("sluice_component_sent_events_total")
                .Help("Records a component passed on (sinks: delivered).")
                .Register(*registry_)),
      discarded_(pm::BuildCounter()
                     .Name("sluice_component_discarded_events_total")
                     .Help("Records dropped on purpose: filtered, or dropped by a full buffer.")
                     .Register(*registry_)),
      errors_(pm::BuildCounter()
                  .Name("sluice_component_errors_total")
                  .Help("Batches a component failed or could not process.")
                  .Register(*registry_)),
      queue_events_(pm::BuildGauge()
                        .Name("sluice_queue_events")
                        .Help("Records waiting in a component's input buffer.")
                        .Register(*registry_)),
      queue_bytes_(pm::BuildGauge()
                       .Name("sluice_queue_bytes")
                       .Help("Bytes of the records waiting in a component's input buffer "
                             "(their lines and a fixed cost per record).")
                       .Register(*registry_)),
      queue_max_events_(pm::BuildGauge()
                            .Name("sluice_queue_max_events")
                            .Help("The bound of a component's input buffer in records.")
                            .Register(*registry_)),
      queue_max_bytes_(pm::BuildGauge()
                           .Name("sluice_queue_max_bytes")
                           .Help("The bound of a component's input buffer in bytes.")
                           .Register(*registry_)),
      violations_(pm::BuildCounter()
                      .Name("sluice_lifecycle_violations_total")
                      .Help("Breaches of the lifecycle contract: missed deadlines, threads or "
                            "descriptors left behind.")
                      .Register(*registry_)),
      stop_duration_(pm::BuildHistogram()
                         .Name("sluice_stop_duration_seconds")
                         .Help("How long a component took to stop.")
                         .Register(*registry_)),
      reloads_(pm::BuildCounter()
                   .Name("sluice_config_reloads_total")
                   .Help("Configuration reloads by result.")
                   .Register(*registry_)),
      last_reload_(pm::BuildGauge()
                       .Name("sluice_config_last_reload_success_timestamp_seconds")
                       .Help("When the configuration was last loaded successfully (Unix time).")
                       .Register(*registry_)),
      restarts_(pm::BuildCounter()
                    .Name("sluice_component_restarts_total")
                    .Help("Times a component was replaced by a changed successor on reload.")
                    .Register(*registry_)),
      threads_(pm::BuildGauge()
                   .Name("sluice_process_threads")
                   .Help("Threads of the process.")
                   .Register(*registry_)),
      fds_(pm::BuildGauge()
               .Name("sluice_process_open_fds")
               .Help("Open file descriptors of the process.")
               .Register(*registry_)) {
  // Present from the start, so that rate() sees the first reload.
  reloads_.Add({{"result", "success"}});
  reloads_.Add({{"result", "failure"}});
  last_reload_.Add({}).SetToCurrentTime();
  threads_.Add({});
  fds_.Add({});
  auto gauge = [this](const char* name, const char* help) {
    return &pm::BuildGauge().Name(name).Help(help).Register(*registry_).Add({});
  };
  process_.cpu_seconds = &pm::BuildCounter()
                              .Name("process_cpu_seconds_total")
                              .Help("Total user and system CPU time spent in seconds.")
                              .Register(*registry_)
                              .Add({});
  process_.resident = gauge("process_resident_memory_bytes", "Resident memory size in bytes.");
  process_.virtual_bytes = gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.");
  process_.open_fds = gauge("process_open_fds", "Number of open file descriptors.");
  process_.max_fds = gauge("process_max_fds", "Maximum number of open file descriptors.");
  process_.start_time =
      gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.");
  pm::BuildGauge()
      .Name("sluice_build_info")
      .Help("The version and source revision of this build; always 1.")
      .Register(*registry_)
      .Add({{"version", SLUICE_VERSION}, {"revision", SLUICE_REVISION}})
      .Set(1);
}

ComponentMetrics Metrics::component(const std::string& id, const std::string& type,
                                    bool has_queue) {
  auto labels = component_labels(id, type);
  ComponentMetrics m;
  m.received = &received_.Add(labels);
  m.sent = &sent_.Add(labels);
  m.discarded = &discarded_.Add(labels);
  m.errors = &errors_.Add(labels);
  if (has_queue) {
    m.queue_events = &queue_events_.Add(labels);
    m.queue_bytes = &queue_bytes_.Add(labels);
    m.queue_max_events = &queue_max_events_.Add(labels);
    m.queue_max_bytes = &queue_max_bytes_.Add(labels);
  }
  // Present at zero from the start, so that alerts on increase() see the first violation
  // or restart.
  restarts_.Add(labels);
  for (const char* v : {"start_deadline", "stop_deadline"}) {
    auto with_kind = labels;
    with_kind["violation"] = v;
    violations_.Add(with_kind);
  }
  return m;
}

void Metrics::lifecycle_violation(const std::string& id, const std::string& type,
                                  const std::string& violation) {
  auto labels = component_labels(id, type);
  labels["violation"] = violation;
  violations_.Add(labels).Increment();
}

void Metrics::stop_duration(const std::string& id, const std::string& type, double seconds) {
  static const pm::Histogram::BucketBoundaries buckets = {0.001, 0.01, 0.05, 0.1, 0.25,
                                                          0.5,   1,    2.5,  5,   10};
  stop_duration_.Add(component_labels(id, type), buckets).Observe(seconds);
}

void Metrics::reload(bool success) {
  reloads_.Add({{"result", success ? "success" : "failure"}}).Increment();
  if (success) last_reload_.Add({}).SetToCurrentTime();
}

void Metrics::component_restart(const std::string& id, const std::string& type) {
  restarts_.Add(component_labels(id, type)).Increment();
}

std::unique_ptr<PluginMetric> Metrics::plugin_metric(
    sluice_metric_type_t type, const std::string& name, const std::string& help,
    const std::map<std::string, std::string>& labels, const std::vector<double>& buckets,
    std::string& why) {
  std::lock_guard lock(plugin_mutex_);
  try {
    auto it = plugin_families_.find(name);
    if (it != plugin_families_.end() && it->second.first != type) {
      why = "metric '" + name + "' already exists with another type";
      return nullptr;
    }
    void* family = it != plugin_families_.end() ? it->second.second : nullptr;
    void* metric = nullptr;
    switch (type) {
      case SLUICE_METRIC_COUNTER: {
        auto* f = family ? static_cast<pm::Family<pm::Counter>*>(family)
                         : &pm::BuildCounter().Name(name).Help(help).Register(*registry_);
        family = f;
        metric = &f->Add(labels);
        break;
      }
      case SLUICE_METRIC_GAUGE: {
        auto* f = family ? static_cast<pm::Family<pm::Gauge>*>(family)
                         : &pm::BuildGauge().Name(name).Help(help).Register(*registry_);
        family = f;
        metric = &f->Add(labels);
        break;
      }
      case SLUICE_METRIC_HISTOGRAM: {
        auto* f = family ? static_cast<pm::Family<pm::Histogram>*>(family)
                         : &pm::BuildHistogram().Name(name).Help(help).Register(*registry_);
        family = f;
        metric = &f->Add(labels, pm::Histogram::BucketBoundaries(buckets));
        break;
      }
      default: why = "unknown metric type"; return nullptr;
    }
    plugin_families_[name] = {type, family};
    return std::make_unique<PluginMetric>(type, metric);
  } catch (const std::exception& e) {
    why = "metric '" + name + "' refused: " + e.what();
    return nullptr;
  }
}

std::string Metrics::render() {
  std::lock_guard lock(render_mutex_);
  threads_.Add({}).Set(static_cast<double>(count_threads()));
  fds_.Add({}).Set(static_cast<double>(count_open_fds()));
  if (auto s = read_process_stats()) {
    // A counter only grows: it is given what was spent since the last render.
    if (s->cpu_seconds > process_.cpu_counted) {
      process_.cpu_seconds->Increment(s->cpu_seconds - process_.cpu_counted);
      process_.cpu_counted = s->cpu_seconds;
    }
    process_.resident->Set(s->resident_bytes);
    process_.virtual_bytes->Set(s->virtual_bytes);
    process_.open_fds->Set(s->open_fds);
    process_.max_fds->Set(s->max_fds);
    process_.start_time->Set(s->start_time_seconds);
  }
  return pm::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace sluice::core
