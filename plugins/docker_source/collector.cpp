#include "collector.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/error.hpp>

#include "descriptors.hpp"
#include "sluice/backoff.hpp"

namespace docker_source {
namespace {

using asio::use_awaitable;
using boost::system::error_code;
using boost::system::system_error;
using clock = std::chrono::steady_clock;

// The API versions this plugin speaks: it asks for the daemon's own when that is older.
constexpr const char* newest_api = "1.43";
constexpr const char* oldest_api = "1.25";

const char* const error_types[] = {"connect",   "http_status", "protocol", "truncated_frame",
                                   "timestamp", "json",        "read"};

std::string url_encode(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char ch : s) {
    if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
      out += static_cast<char>(ch);
    } else {
      out += '%';
      out += hex[ch >> 4];
      out += hex[ch & 15];
    }
  }
  return out;
}

}  // namespace

Metrics::Metrics(const sluice::Context& ctx)
    : streams_active(ctx.gauge("sluice_docker_streams_active", "Container log streams open.")),
      streams_waiting(ctx.gauge("sluice_docker_streams_waiting",
                                "Containers waiting for a stream slot (max_streams).")),
      oldest_wait(
          ctx.gauge("sluice_docker_oldest_wait_seconds",
                    "How long the container waiting longest for a stream slot has waited.")),
      containers_watched(
          ctx.gauge("sluice_docker_containers_watched", "Containers whose logs are followed.")),
      rotations(ctx.counter("sluice_docker_stream_rotations_total",
                            "Log streams closed and reopened by rotation_interval.")),
      turns(ctx.counter("sluice_docker_stream_turns_total",
                        "Log streams closed after their turn to give a waiting container a slot.")),
      stream_age(ctx.histogram("sluice_docker_stream_age_seconds",
                               "How long each log stream was open when it closed.",
                               {1, 5, 30, 60, 300, 900, 3600, 21600})),
      lines(ctx.counter("sluice_docker_lines_read_total", "Log lines read from the daemon.")),
      bytes(ctx.counter("sluice_docker_bytes_read_total",
                        "Bytes of log streams read from the daemon.")),
      truncated(ctx.counter("sluice_docker_lines_truncated_total",
                            "Lines longer than max_line_bytes, cut to that length.")),
      duplicates(ctx.counter("sluice_docker_duplicates_dropped_total",
                             "Lines read again after a rotation or a restart, and dropped.")),
      reconnects(ctx.counter("sluice_docker_daemon_reconnects_total",
                             "Times the daemon was lost and connected to again.")),
      checkpoint_errors(ctx.counter("sluice_docker_checkpoint_errors_total",
                                    "Failed writes of the checkpoint file.")) {
  for (const char* type : error_types) {
    errors[type] =
        ctx.counter("sluice_docker_stream_errors_total", "Errors on the daemon's streams, by type.",
                    sluice::LabelSet{{"type", type}});
  }
}

void Metrics::error(const std::string& type) const {
  auto it = errors.find(type);
  if (it != errors.end()) it->second.add();
}

Collector::Collector(asio::io_context& io, const Settings& settings, const sluice::Context& ctx,
                     const Metrics& metrics, Checkpoints& checkpoints, Handoff& handoff,
                     std::atomic<uint64_t>& next_cookie)
    : io_(io),
      settings_(settings),
      ctx_(ctx),
      metrics_(metrics),
      checkpoints_(checkpoints),
      handoff_(handoff),
      next_cookie_(next_cookie),
      client_(io, settings.address, settings.request_timeout),
      max_streams_(settings.max_streams),
      ceiling_("max_streams is " + std::to_string(settings.max_streams)) {
  // A stream holds a descriptor: more than the process may open would fail at random.
  if (auto budget = sluice::plugins::descriptor_budget();
      budget && budget->available < max_streams_) {
    max_streams_ = budget->available;
    ceiling_ = "this process may open " + std::to_string(budget->limit) +
               " descriptors, less a reserve, so at most " + std::to_string(max_streams_) +
               " streams (max_streams is " + std::to_string(settings.max_streams) + ")";
    ctx.info("at most " + std::to_string(max_streams_) + " log streams open at once: " + ceiling_);
  }
}

asio::awaitable<void> Collector::run() {
  asio::co_spawn(io_, watch_waits(), asio::detached);
  sluice::Backoff backoff(std::chrono::milliseconds(250), settings_.reconnect_max);
  for (;;) {
    bool connected = false;
    try {
      co_await session();
      connected = true;
    } catch (const std::exception& e) {
      if (!daemon_down_logged_) {
        ctx_.warn("cannot reach the Docker daemon at " + settings_.address.text + ": " + e.what() +
                  "; retrying with backoff");
        daemon_down_logged_ = true;
      }
    }
    if (connected) backoff.reset();
    metrics_.reconnects.add();
    co_await sleep(backoff.next());
  }
}

// One connection's life: returns when the events stream ends, throws when the daemon
// cannot be reached.
asio::awaitable<void> Collector::session() {
  auto version = co_await client_.get("/version");
  if (version.status != 200) {
    throw std::runtime_error("/version answered " + std::to_string(version.status));
  }
  std::string error;
  auto daemon_api = parse_api_version(version.body, &error);
  if (!daemon_api) throw std::runtime_error(error);
  auto api = negotiate_api_version(*daemon_api, newest_api, oldest_api);
  if (!api) {
    throw std::runtime_error("the daemon speaks API " + *daemon_api + ", older than " + oldest_api);
  }
  api_ = "/v" + *api;

  // Subscribe before listing, so that nothing starting in between is missed.
  StreamingResponse events(io_);
  const std::string filters =
      R"({"type":["container"],"event":["start","die","destroy","rename"]})";
  co_await client_.open(events, api_ + "/events?filters=" + url_encode(filters));
  if (events.status != 200) {
    throw std::runtime_error("/events answered " + std::to_string(events.status));
  }
  auto listing = co_await client_.get(api_ + "/containers/json?all=1");
  if (listing.status != 200) {
    throw std::runtime_error("/containers/json answered " + std::to_string(listing.status));
  }
  auto listed = parse_container_list(listing.body, &error);
  if (!listed) throw std::runtime_error("/containers/json: " + error);

  if (daemon_down_logged_) ctx_.info("connected to the Docker daemon again");
  ctx_.info("Docker daemon at " + settings_.address.text + ", API " + *api + ": " +
            std::to_string(listed->size()) + " containers");
  daemon_down_logged_ = false;
  co_await reconcile(*listed, !listed_once_);
  listed_once_ = true;

  std::string pending;
  char buf[16384];
  for (;;) {
    size_t n = 0;
    try {
      n = co_await DaemonClient::read_some(events, buf, sizeof buf);
    } catch (const system_error&) {
      n = 0;
    }
    if (n == 0) break;
    pending.append(buf, n);
    size_t nl;
    while ((nl = pending.find('\n')) != std::string::npos) {
      std::string line = pending.substr(0, nl);
      pending.erase(0, nl + 1);
      if (line.empty()) continue;
      auto e = parse_event(line, &error);
      if (!e) {
        metrics_.error("json");
        continue;
      }
      co_await on_event(*e);
    }
  }
  ctx_.warn("the Docker daemon's event stream ended; reconnecting");
}

asio::awaitable<void> Collector::reconcile(const std::vector<ContainerInfo>& listed, bool first) {
  std::vector<std::string> alive;
  for (const auto& c : listed) alive.push_back(c.id);
  checkpoints_.prune(alive);

  // Gone while we were away.
  std::vector<std::string> gone;
  for (const auto& [id, c] : containers_) {
    if (std::find(alive.begin(), alive.end(), id) == alive.end()) gone.push_back(id);
  }
  for (const auto& id : gone) detach(id);

  for (const auto& listed_info : listed) {
    auto known = containers_.find(listed_info.id);
    if (known != containers_.end() && known->second->state != Container::State::idle) continue;
    Position checkpoint;
    const bool has_checkpoint = checkpoints_.find(listed_info.id, checkpoint);
    // A stopped container is read only for what it wrote after its checkpoint.
    if (!listed_info.running && !has_checkpoint && known == containers_.end()) continue;
    if (!settings_.filter.matches(listed_info)) continue;
    auto info = co_await inspect(listed_info.id);  // the list does not say whether it has a TTY
    if (info) attach(*info, first);
  }
  update_gauges();
}

asio::awaitable<void> Collector::on_event(const ContainerEvent& e) {
  if (e.action == "start") {
    auto known = containers_.find(e.id);
    if (known != containers_.end() && known->second->state != Container::State::idle) co_return;
    auto info = co_await inspect(e.id);
    if (info && settings_.filter.matches(*info)) attach(*info, false);
  } else if (e.action == "destroy") {
    detach(e.id);
    checkpoints_.forget(e.id);
  } else if (e.action == "rename") {
    auto known = containers_.find(e.id);
    if (known == containers_.end()) co_return;
    auto info = co_await inspect(e.id);
    if (!info) co_return;
    known = containers_.find(e.id);
    if (known == containers_.end()) co_return;
    if (!settings_.filter.matches(*info)) {
      detach(e.id);
      co_return;
    }
    known->second->info.name = info->name;
    set_labels(*known->second);
  }
  // die: the log stream ends by itself once the daemon has sent the last lines.
  update_gauges();
}

asio::awaitable<std::optional<ContainerInfo>> Collector::inspect(const std::string& id) {
  auto r = co_await client_.get(api_ + "/containers/" + id + "/json");
  if (r.status == 404) co_return std::nullopt;
  if (r.status != 200) {
    metrics_.error("http_status");
    co_return std::nullopt;
  }
  std::string error;
  auto info = parse_container_inspect(r.body, &error);
  if (!info) {
    metrics_.error("json");
    ctx_.warn("container " + id.substr(0, 12) + ": " + error);
  }
  co_return info;
}

void Collector::attach(const ContainerInfo& info, bool first_listing) {
  auto& slot = containers_[info.id];
  if (!slot) {
    slot = std::make_shared<Container>();
    slot->info = info;
    Position checkpoint;
    if (checkpoints_.find(info.id, checkpoint)) {
      slot->read = checkpoint;
    } else if (first_listing && settings_.start_at_end) {
      // Only what is written from now on; a container started later is read whole.
      const int64_t now = sluice::wall_clock_ns();
      slot->read.stream[0] = {now, 0};
      slot->read.stream[1] = {now, 0};
    }
  } else {
    slot->info = info;
  }
  slot->detach = false;
  set_labels(*slot);
  if (slot->state == Container::State::idle) want_stream(slot);
  update_gauges();
}

void Collector::detach(const std::string& id) {
  auto it = containers_.find(id);
  if (it == containers_.end()) return;
  ContainerPtr c = it->second;
  containers_.erase(it);
  c->detach = true;
  interrupt(*c);
  if (c->state == Container::State::waiting) {
    waiting_.erase(std::remove(waiting_.begin(), waiting_.end(), id), waiting_.end());
    c->state = Container::State::idle;
  }
  update_gauges();
}

}  // namespace docker_source
