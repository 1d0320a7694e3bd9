#include "sender.hpp"

#include <algorithm>
#include <chrono>

namespace loki_sink {
namespace {

using Clock = std::chrono::steady_clock;

std::string describe(const PushResult& r) {
  if (r.status == 0) return r.error;
  std::string body = r.body.substr(0, 512);
  while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.pop_back();
  return "HTTP " + std::to_string(r.status) + (body.empty() ? "" : ": " + body);
}

}  // namespace

void Sender::failing(bool now) {
  if (now == failing_) return;
  failing_ = now;
  shared_.failing += now ? 1 : -1;
  if (!now && shared_.failing == 0) shared_.metrics.backoff.set(0);
}

Sender::Outcome Sender::deliver(const Request& request, const sluice::StopToken& stop) {
  auto& m = shared_.metrics;
  const auto& settings = shared_.settings;
  const auto entries = static_cast<double>(request.entries);
  const auto first_try = Clock::now();
  while (true) {
    m.in_flight.set(++shared_.in_flight);
    auto started = Clock::now();
    PushResult r = client_.post(request.body, request.content_type, request.gzip, stop);
    m.in_flight.set(--shared_.in_flight);
    if (r.status != 0) {
      m.duration.observe(std::chrono::duration<double>(Clock::now() - started).count());
    }
    if (r.status >= 200 && r.status < 300) {
      m.requests.at("2xx").add();
      m.entries_sent.add(entries);
      m.bytes_sent.add(static_cast<double>(request.body.size()));
      if (failing_) shared_.ctx.info("Loki accepts pushes again at " + settings.endpoint.text);
      failing(false);
      backoff_.reset();
      return {};
    }
    const bool retry = r.status == 0 || r.status == 429 || r.status >= 500;
    if (!retry) return reject(r, request);
    m.requests.at(r.status == 0 ? "error" : r.status == 429 ? "429" : "5xx").add();
    if (r.stopped || stop.requested()) {
      m.stopped.add(entries);
      return {SLUICE_OUTCOME_FAILED, "stopped before Loki accepted the request"};
    }
    auto wait = backoff_.next();
    if (auto after = parse_retry_after(r.retry_after, std::chrono::system_clock::now())) {
      // The server knows best when to come back; only an absurd value is bounded.
      wait = std::min(std::max(*after, wait), std::chrono::milliseconds(3600 * 1000));
    }
    if (settings.max_retry_duration &&
        Clock::now() + wait - first_try > *settings.max_retry_duration) {
      m.retry_expired.add(entries);
      shared_.ctx.error("giving up on a push request after max_retry_duration: " + describe(r));
      return {SLUICE_OUTCOME_FAILED, "Loki did not accept the request within max_retry_duration"};
    }
    if (!failing_) {
      shared_.ctx.warn("push to " + settings.endpoint.text +
                       " failed, retrying with backoff: " + describe(r));
    }
    failing(true);
    m.retries.add();
    m.backoff.set(std::chrono::duration<double>(wait).count());
    m.waited.add(std::chrono::duration<double>(wait).count());
    if (stop.wait_for(wait)) {
      m.stopped.add(entries);
      return {SLUICE_OUTCOME_FAILED, "stopped before Loki accepted the request"};
    }
  }
}

Sender::Outcome Sender::reject(const PushResult& r, const Request& request) {
  auto& m = shared_.metrics;
  m.requests.at("4xx").add();
  std::string reason = rejection_reason(r.status, r.body);
  m.rejections.at(reason).add();
  m.rejected.add(static_cast<double>(request.entries));
  bool log;
  {
    std::lock_guard lock(shared_.log_mutex);
    log = shared_.rejections_logged.allow(reason, Clock::now());
  }
  if (log) {
    shared_.ctx.error(
        "Loki refused a push request (not retried; logged once a minute per reason): " +
        describe(r));
  }
  // Loki answered: it is up, whatever it thought of this request.
  failing(false);
  backoff_.reset();
  return {SLUICE_OUTCOME_REJECTED, "Loki refused the request: " + reason};
}

}  // namespace loki_sink
