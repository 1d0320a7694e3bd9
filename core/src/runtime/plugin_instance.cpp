#include "runtime/plugin_instance.hpp"

#include <filesystem>
#include <map>

#include "lifecycle/deadlines.hpp"
#include "observability/listing.hpp"
#include "observability/logging.hpp"
#include "runtime/config_access.hpp"

namespace sluice::core {

const char* to_string(InstanceState s) {
  switch (s) {
    case InstanceState::loaded: return "loaded";
    case InstanceState::configured: return "configured";
    case InstanceState::running: return "running";
    case InstanceState::stopping: return "stopping";
    case InstanceState::stopped: return "stopped";
    case InstanceState::failed: return "failed";
    case InstanceState::violated: return "violated";
  }
  return "?";
}

PluginInstance::PluginInstance(std::shared_ptr<const PluginLibrary> library,
                               InstanceSettings settings, Metrics& metrics)
    : library_(std::move(library)),
      d_(library_->descriptor),
      settings_(std::move(settings)),
      metrics_(metrics),
      counters_(
          metrics.component(settings_.id, library_->name, settings_.kind != NodeKind::source)),
      logger_(component_logger(settings_.id)),
      ledger_(settings_.id, library_->name) {}

PluginInstance::~PluginInstance() {
  destroy();
}

bool PluginInstance::configure(const YAML::Node& node, const YamlReader& reader,
                               const std::string& path, const std::vector<std::string>& ignored) {
  ConfigAccess::Hints hints;
  for (const auto& setting : library_->settings) {
    for (const auto& other_name : setting.hints) hints.emplace(other_name, setting.name);
  }
  ConfigAccess access(node, path, reader, ignored, &hints);
  size_t errors_before = reader.diags().size();
  sluice_status_t status = SLUICE_ERROR;
  status = d_.on_create(host_api(), reinterpret_cast<sluice_context_host_ptr>(this),
                        reinterpret_cast<sluice_config_host_ptr>(&access), &self_);
  if (status == SLUICE_OK && self_ != nullptr) access.report_unknown_keys();
  bool clean = status == SLUICE_OK && self_ != nullptr && reader.diags().size() == errors_before;
  if (status != SLUICE_OK && reader.diags().size() == errors_before) {
    access.error(nullptr, "plugin '" + library_->name + "' refused its configuration");
  }
  if (!clean) {
    if (self_ != nullptr) d_.on_destroy(self_);
    self_ = nullptr;
    state_ = InstanceState::failed;
    return false;
  }
  if (settings_.kind == NodeKind::source) ack_target_ = std::make_shared<AckTarget>(&d_, self_);
  state_ = InstanceState::configured;
  return true;
}

bool PluginInstance::start() {
  auto status = call_within(settings_.start_deadline,
                            [start = d_.on_start, self = self_] { return start(self); });
  if (!status) {
    record_violation(
        "start_deadline",
        "start did not return within " + std::to_string(settings_.start_deadline.count()) + " ms");
    return false;
  }
  if (*status != SLUICE_OK) {
    logger_->error("start failed");
    state_ = InstanceState::failed;
    return false;
  }
  state_ = InstanceState::running;
  return true;
}

bool PluginInstance::wait_for_threads(std::chrono::steady_clock::time_point deadline) {
  return ledger_.join_until(deadline, false).empty();
}

StopReport PluginInstance::stop() {
  StopReport report;
  auto started = std::chrono::steady_clock::now();
  if (state_ == InstanceState::running || state_ == InstanceState::configured) {
    state_ = InstanceState::stopping;
  }
  take_stop_.request_stop();
  ledger_.request_stop();
  if (self_ != nullptr && d_.on_stop != nullptr) d_.on_stop(self_);
  report.late_threads = ledger_.join_until(started + settings_.stop_deadline, true);
  report.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  report.spawned = ledger_.spawned();
  report.joined = ledger_.joined();
  report.met_deadline = report.late_threads.empty();
  metrics_.stop_duration(settings_.id, library_->name, report.seconds);
  if (!report.met_deadline) {
    record_violation("stop_deadline",
                     "threads still running " + std::to_string(settings_.stop_deadline.count()) +
                         " ms after stop: " + comma_list(report.late_threads) +
                         " (ledger: " + std::to_string(report.spawned) + " spawned, " +
                         std::to_string(report.joined) + " joined)");
  } else if (state_ != InstanceState::violated && state_ != InstanceState::failed) {
    state_ = InstanceState::stopped;
  }
  return report;
}

void PluginInstance::stop_taking() {
  take_stop_.request_stop();
}

bool PluginInstance::wait_acknowledged(std::chrono::steady_clock::time_point deadline) {
  return ack_target_ == nullptr || ack_target_->wait_idle(deadline);
}

void PluginInstance::record_violation(const std::string& kind, const std::string& message) {
  state_ = InstanceState::violated;
  metrics_.lifecycle_violation(settings_.id, library_->name, kind);
  logger_->error("lifecycle violation ({}): {}", kind, message);
  if (on_violation_) on_violation_();
}

void PluginInstance::end_run(std::string_view reason) {
  logger_->error("ends the run: {}", reason);
  if (on_end_run_) on_end_run_(settings_.id + ": " + std::string(reason));
}

void PluginInstance::destroy() {
  if (self_ == nullptr) return;
  if (state_ == InstanceState::violated) {
    // Its threads may still run in its memory: leave the instance (and its library) alone.
    self_ = nullptr;
    return;
  }
  if (ack_target_) ack_target_->detach();
  {
    std::lock_guard lock(taken_mutex_);
    for (Batch* b : taken_) delete b;  // unfinished: fails back to the source
    taken_.clear();
  }
  {
    std::lock_guard lock(holds_mutex_);
    if (!holds_.empty()) {
      logger_->warn(
          "{} held acknowledgements still open at destroy: released as failed, so "
          "their sources read those records again",
          holds_.size());
    }
    for (Hold* h : holds_) {
      if (h->ack) h->ack->complete(SLUICE_OUTCOME_FAILED);
      delete h;
    }
    holds_.clear();
  }
  d_.on_destroy(self_);
  self_ = nullptr;
  std::lock_guard lock(metrics_mutex_);
  plugin_metrics_.clear();
}

bool PluginInstance::process(Batch& batch) {
  return d_.on_process(self_, reinterpret_cast<sluice_batch_host_ptr>(&batch)) == SLUICE_OK;
}

bool PluginInstance::flush(Batch& batch, bool final) {
  if (d_.on_flush == nullptr) return true;
  return d_.on_flush(self_, reinterpret_cast<sluice_batch_host_ptr>(&batch), final ? 1 : 0) ==
         SLUICE_OK;
}

sluice_hold_host_ptr PluginInstance::hold_open(Batch& batch) {
  auto hold = std::make_unique<Hold>(Hold{batch.hold(), this});
  std::lock_guard lock(holds_mutex_);
  holds_.insert(hold.get());
  return reinterpret_cast<sluice_hold_host_ptr>(hold.release());
}

PluginInstance* PluginInstance::owner_of(sluice_hold_host_ptr hold) {
  return hold == nullptr ? nullptr : reinterpret_cast<Hold*>(hold)->owner;
}

std::unique_ptr<PluginInstance::Hold> PluginInstance::take_hold(sluice_hold_host_ptr hold) {
  auto* h = reinterpret_cast<Hold*>(hold);
  std::lock_guard lock(holds_mutex_);
  if (holds_.erase(h) == 0) {
    logger_->error("a hold was ended twice, or was not this instance's: ignored");
    return nullptr;
  }
  return std::unique_ptr<Hold>(h);
}

void PluginInstance::hold_attach(sluice_hold_host_ptr hold, Batch& batch) {
  if (auto h = take_hold(hold)) batch.carry(std::move(h->ack));
}

void PluginInstance::hold_release(sluice_hold_host_ptr hold, sluice_outcome_t outcome) {
  auto h = take_hold(hold);
  if (h && h->ack) h->ack->complete(outcome);
}

sluice_status_t PluginInstance::emit(StopSignal* stop, const sluice_record_t* records, size_t count,
                                     uint64_t cookie, const sluice_buffer_t* blocks,
                                     size_t block_count) {
  if (output_ == nullptr || settings_.kind != NodeKind::source) {
    for (size_t b = 0; b < block_count; ++b) BufferPool::release(blocks[b].data);
    logger_->error("emit called by a plugin that is not a running source");
    return SLUICE_ERROR;
  }
  auto batch = Batch::copy_of(records, count, std::make_shared<AckState>(ack_target_, cookie),
                              blocks, block_count);
  counters_.received->Increment(static_cast<double>(count));
  std::stop_token token = stop != nullptr ? stop->token() : ledger_.stop_signal().token();
  if (!output_->deliver(std::move(batch), token)) return SLUICE_STOPPED;
  counters_.sent->Increment(static_cast<double>(count));
  return SLUICE_OK;
}

sluice_status_t PluginInstance::take(int64_t timeout_ms, Batch** out) {
  *out = nullptr;
  if (inbox_ == nullptr) return SLUICE_ERROR;
  std::unique_ptr<Batch> batch;
  auto r = inbox_->pop(batch, std::chrono::milliseconds(timeout_ms < 0 ? 0 : timeout_ms),
                       take_stop_.get_token());
  if (counters_.queue_events) {
    counters_.queue_events->Set(static_cast<double>(inbox_->events()));
    counters_.queue_bytes->Set(static_cast<double>(inbox_->bytes()));
  }
  if (r == BatchQueue::Pop::timeout) return SLUICE_TIMEOUT;
  if (r == BatchQueue::Pop::closed) return SLUICE_STOPPED;
  counters_.received->Increment(static_cast<double>(batch->size()));
  *out = batch.release();
  std::lock_guard lock(taken_mutex_);
  taken_.insert(*out);
  return SLUICE_OK;
}

void PluginInstance::finish(Batch* batch, sluice_outcome_t outcome, std::string_view reason) {
  {
    std::lock_guard lock(taken_mutex_);
    if (taken_.erase(batch) == 0) {
      logger_->error("finish called with a batch this sink does not hold");
      return;
    }
  }
  if (outcome == SLUICE_OUTCOME_DELIVERED) {
    counters_.sent->Increment(static_cast<double>(batch->size()));
  } else {
    counters_.errors->Increment();
    if (outcome == SLUICE_OUTCOME_REJECTED) {
      logger_->debug("batch of {} records rejected: {}", batch->size(), reason);
    }
  }
  batch->finish(outcome);
  delete batch;
}

sluice_metric_host_ptr PluginInstance::metric_new(sluice_metric_type_t type, const char* name,
                                                  const char* help, const sluice_label_t* labels,
                                                  size_t label_count, const double* buckets,
                                                  size_t bucket_count) {
  std::map<std::string, std::string> all;
  for (size_t i = 0; i < label_count; ++i) {
    all[std::string(labels[i].name.data, labels[i].name.size)] =
        std::string(labels[i].value.data, labels[i].value.size);
  }
  all["component_id"] = settings_.id;
  all["component_type"] = library_->name;
  std::string why;
  auto metric =
      metrics_.plugin_metric(type, name != nullptr ? name : "", help != nullptr ? help : "", all,
                             std::vector<double>(buckets, buckets + bucket_count), why);
  if (!metric) {
    logger_->error("{}", why);
    return nullptr;
  }
  std::lock_guard lock(metrics_mutex_);
  plugin_metrics_.push_back(std::move(metric));
  return reinterpret_cast<sluice_metric_host_ptr>(plugin_metrics_.back().get());
}

const std::string& PluginInstance::state_dir() {
  std::call_once(state_dir_once_, [&] {
    std::error_code ec;
    std::filesystem::create_directories(settings_.state_dir, ec);
    if (ec)
      logger_->error("cannot create state directory {}: {}", settings_.state_dir, ec.message());
  });
  return settings_.state_dir;
}

}  // namespace sluice::core
