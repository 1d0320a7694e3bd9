// Collector: packing what the streams read into batches, with each container's labels, and
// handing them to the emitting thread when full or after batch_wait.
#include "collector.hpp"  // first: it includes what Boost 1.74's Asio needs first

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "sluice/label_names.hpp"

namespace docker_source {
namespace {

using asio::use_awaitable;
using boost::system::error_code;
using clock = std::chrono::steady_clock;

std::string label_of(const std::vector<std::pair<std::string, std::string>>& labels,
                     std::string_view key) {
  for (const auto& [k, v] : labels) {
    if (k == key) return v;
  }
  return {};
}

}  // namespace

void Collector::set_labels(Container& c) {
  for (int s = 0; s < 2; ++s) {
    std::vector<std::pair<std::string, std::string>> labels = settings_.static_labels;
    labels.emplace_back("container_name", c.info.name);
    labels.emplace_back("container_id", c.info.id.substr(0, 12));
    labels.emplace_back("image", c.info.image);
    labels.emplace_back("stream", stream_name(static_cast<Stream>(s)));
    if (auto p = label_of(c.info.labels, "com.docker.compose.project"); !p.empty()) {
      labels.emplace_back("compose_project", p);
    }
    if (auto p = label_of(c.info.labels, "com.docker.compose.service"); !p.empty()) {
      labels.emplace_back("compose_service", p);
    }
    for (const auto& key : settings_.label_allow) {
      for (const auto& [k, v] : c.info.labels) {
        if (k == key) labels.emplace_back(sluice::to_label_name(k), v);
      }
    }
    // A name given twice keeps its last value (LabelSet sorts; set() replaces).
    sluice::LabelSet set;
    for (auto& [k, v] : labels) set.set(std::move(k), std::move(v));
    c.labels[s] = std::make_shared<const sluice::LabelSet>(std::move(set));
  }
}

void Collector::append(Container& c, const LogLine& line) {
  if (!batch_) {
    batch_ = std::make_unique<OutBatch>(ctx_, next_cookie_++);
    batch_index_.clear();
    batch_pins_.clear();
    batch_started_ = clock::now();
    if (settings_.batch_wait.count() > 0) {
      asio::co_spawn(io_, hand_off_after_wait(++batch_generation_), asio::detached);
    }
  }
  const auto& labels = c.labels[static_cast<int>(line.stream)];
  batch_->builder.add(line.timestamp_ns, line.text, *labels);
  if (batch_->labels.empty() || batch_->labels.back() != labels) batch_->labels.push_back(labels);
  auto [it, added] = batch_index_.try_emplace(&c, batch_->read_to.size());
  if (added) {
    // Pinned while its address keys batch_index_, so that no other container takes it.
    batch_pins_.push_back(c.shared_from_this());
    batch_->read_to.emplace_back(c.info.id, c.read);
  } else {
    batch_->read_to[it->second].second = c.read;
  }
  if (batch_->builder.size() >= settings_.batch_max_records) hand_off(true);
}

// Hands the batch over when it is full, or once it has waited batch_wait and the emitting
// thread is idle: lines arriving a few at a time leave in batches of hundreds, which costs a
// fraction of a batch each.
void Collector::hand_off(bool force) {
  if (!batch_ || batch_->builder.empty()) return;
  if (handoff_.full()) return;
  const bool due = clock::now() - batch_started_ >= settings_.batch_wait;
  if (!force && !(due && handoff_.empty())) return;
  handoff_.push(std::move(batch_));
  batch_index_.clear();
  batch_pins_.clear();
  publish_counts();
}

asio::awaitable<void> Collector::hand_off_after_wait(uint64_t generation) {
  co_await sleep(settings_.batch_wait);
  if (batch_ && batch_generation_ == generation) hand_off(false);
}

void Collector::publish_counts() {
  if (counts_.bytes > 0) metrics_.bytes.add(static_cast<double>(counts_.bytes));
  if (counts_.lines > 0) metrics_.lines.add(static_cast<double>(counts_.lines));
  if (counts_.truncated > 0) metrics_.truncated.add(static_cast<double>(counts_.truncated));
  if (counts_.duplicates > 0) metrics_.duplicates.add(static_cast<double>(counts_.duplicates));
  counts_ = {};
}

void Collector::update_gauges() {
  metrics_.streams_active.set(static_cast<double>(active_));
  metrics_.streams_waiting.set(static_cast<double>(waiting_.size()));
  double oldest = 0;
  if (!waiting_.empty()) {
    auto it = containers_.find(waiting_.front());
    if (it != containers_.end()) {
      oldest = std::chrono::duration<double>(clock::now() - it->second->since).count();
    }
  }
  metrics_.oldest_wait.set(oldest);
  size_t watched = 0;
  for (const auto& [id, c] : containers_) {
    if (c->state != Container::State::idle) ++watched;
  }
  metrics_.containers_watched.set(static_cast<double>(watched));
}

}  // namespace docker_source
