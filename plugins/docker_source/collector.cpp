#include "collector.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/error.hpp>

#include "descriptors.hpp"
#include "sluice/backoff.hpp"
#include "sluice/label_names.hpp"
#include "timestamp.hpp"

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

std::string label_of(const std::vector<std::pair<std::string, std::string>>& labels,
                     std::string_view key) {
  for (const auto& [k, v] : labels) {
    if (k == key) return v;
  }
  return {};
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

// ---- discovery ------------------------------------------------------------------------

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

// ---- streams ----------------------------------------------------------------------------

void Collector::want_stream(const ContainerPtr& c) {
  if (active_ >= max_streams_) {
    enqueue(c);
    offer_turns();
    return;
  }
  ++active_;
  c->state = Container::State::streaming;
  asio::co_spawn(io_, follow(c), asio::detached);
  update_gauges();
}

void Collector::enqueue(const ContainerPtr& c) {
  c->state = Container::State::waiting;
  c->since = clock::now();
  waiting_.push_back(c->info.id);
  if (!waiting_said_) {
    waiting_said_ = true;
    ctx_.warn("containers wait for a log stream: " + ceiling_ +
              "; while one waits, each stream gives its slot up after a turn of " +
              std::to_string(settings_.stream_turn.count()) +
              " ms (stream_turn), and Docker keeps the lines meanwhile. "
              "sluice_docker_oldest_wait_seconds shows the longest wait");
  }
  update_gauges();
}

void Collector::release_stream() {
  --active_;
  while (active_ < max_streams_ && !waiting_.empty()) {
    std::string id = waiting_.front();
    waiting_.pop_front();
    auto it = containers_.find(id);
    if (it == containers_.end() || it->second->state != Container::State::waiting) continue;
    ++active_;
    it->second->state = Container::State::streaming;
    asio::co_spawn(io_, follow(it->second), asio::detached);
  }
  update_gauges();
}

// A stream's turn is over: it gives its slot up now if a container waits, or when one comes.
void Collector::turn_ended(Container& c) {
  c.turn_over = true;
  offer_turns();
}

// Closes, for each container waiting without a slot on its way, the stream whose turn began
// longest ago among those whose turn is over. The others keep reading, and a waiter is served
// within a turn of its arrival. A stream that yields queues behind the waiters without asking
// for a turn itself: it had one, and it is served at the next turn's end.
void Collector::offer_turns() {
  while (waiting_.size() > yielding_) {
    Container* oldest = nullptr;
    for (const auto& [id, c] : containers_) {
      if (c->state != Container::State::streaming || !c->turn_over || c->yield ||
          c->stream == nullptr) {
        continue;
      }
      if (oldest == nullptr || c->since < oldest->since) oldest = c.get();
    }
    if (oldest == nullptr) return;
    oldest->yield = true;
    ++yielding_;
    interrupt(*oldest);
  }
}

asio::awaitable<void> Collector::watch_waits() {
  // The gauge of the longest wait moves with time, not with events.
  // Not `while (co_await ...)`: built by GCC 12, that loop ended in an illegal instruction.
  for (;;) {
    const bool slept = co_await sleep(std::chrono::seconds(1));
    if (!slept) co_return;
    update_gauges();
  }
}

asio::awaitable<void> Collector::follow(ContainerPtr c) {
  sluice::Backoff failures(std::chrono::milliseconds(500), settings_.reconnect_max);
  bool following = true;
  for (;;) {
    clock::time_point opened = clock::now();
    End end = End::failed;
    try {
      end = co_await read_stream(*c, opened, following);
    } catch (const std::exception& e) {
      ctx_.warn("container " + c->info.name + ": log stream failed: " + e.what());
      end = c->detach ? End::detached : End::failed;
    }
    c->stream = nullptr;
    c->turn_over = false;
    if (c->yield) {
      c->yield = false;
      --yielding_;
    }
    metrics_.stream_age.observe(std::chrono::duration<double>(clock::now() - opened).count());
    if (end == End::rotated || end == End::yielded) {
      (end == End::rotated ? metrics_.rotations : metrics_.turns).add();
      failures.reset();
      if (!waiting_.empty()) {
        // Others wait for a slot: this one queues behind them; Docker keeps its lines.
        enqueue(c);
        release_stream();
        co_return;
      }
      continue;
    }
    if (end == End::stopped && !c->detach) {
      // The daemon can end a follower before it has passed on the last lines of a container
      // that exits (a last line without a newline most of all): once the log is complete, it
      // is read once more to its end, without following, and what was read is dropped.
      following = false;
      continue;
    }
    if (end == End::ended && !c->detach) {
      // Still running: follow it again, but not in a tight loop if the daemon keeps closing.
      if (clock::now() - opened < std::chrono::seconds(1)) {
        co_await sleep(failures.next());
      } else {
        failures.reset();
      }
      continue;
    }
    if (end == End::failed && !c->detach) {
      if (co_await sleep(failures.next())) {
        auto it = containers_.find(c->info.id);
        if (it != containers_.end() && it->second == c) continue;
      }
    }
    c->state = Container::State::idle;
    release_stream();
    co_return;
  }
}

asio::awaitable<Collector::End> Collector::read_stream(Container& c, clock::time_point& opened,
                                                       bool following) {
  StreamingResponse r(io_);
  c.stream = &r;
  c.rotate = false;
  Resume resume(c.read);
  uint64_t lines = 0, truncated = 0, duplicates = 0, frames = 0;
  LogDecoder decoder(
      c.info.tty, settings_.max_line_bytes,
      [&](const LogLine& line) {
        ++frames;
        if (!resume.accept(line.stream, line.timestamp_ns)) {
          ++duplicates;
          return;
        }
        c.read.advance(line.stream, line.timestamp_ns);
        ++lines;
        if (line.truncated) ++truncated;
        append(c, line);
      },
      [&](const char* type, const std::string& what) {
        metrics_.error(type);
        ctx_.warn("container " + c.info.name + ": " + what);
      });
  const std::string target =
      api_ + "/containers/" + c.info.id + "/logs?follow=" + (following ? "1" : "0") +
      "&stdout=1&stderr=1&timestamps=1&since=" + since_parameter(since_for(c.read));
  // Counted here, published with each batch: a metric call per read would cost more than
  // the read at a few lines a read.
  auto flush_counts = [&] {
    counts_.lines += lines;
    counts_.truncated += truncated;
    counts_.duplicates += duplicates;
    lines = truncated = duplicates = 0;
  };

  try {
    co_await client_.open(r, target);
  } catch (const system_error& e) {
    // The daemon cannot be reached: discovery reconnects and attaches the container again.
    metrics_.error("connect");
    if (!c.detach) ctx_.warn("container " + c.info.name + ": " + e.code().message());
    co_return c.detach ? End::detached : End::gone;
  }
  opened = clock::now();
  if (r.status == 404) co_return End::gone;
  if (r.status != 200) {
    metrics_.error("http_status");
    ctx_.warn("container " + c.info.name + ": the daemon answered " + std::to_string(r.status) +
              " to its log stream");
    co_return End::failed;
  }

  // The timers hold the container and ask whether their stream is still the one open: a
  // timer cancelled just as it fired still runs its handler.
  const uint64_t serial = ++c.serial;
  auto current = [serial, self = c.shared_from_this()]() -> Container* {
    return self->serial == serial && self->stream != nullptr ? self.get() : nullptr;
  };
  asio::steady_timer rotation(io_);
  rotation.expires_after(settings_.rotation_interval);
  rotation.async_wait([current](const error_code& ec) {
    Container* open = current();
    if (ec || open == nullptr) return;
    open->rotate = true;
    interrupt(*open);
  });
  c.since = clock::now();
  c.turn_over = false;
  asio::steady_timer turn(io_);
  turn.expires_after(settings_.stream_turn);
  turn.async_wait([this, current](const error_code& ec) {
    Container* open = current();
    if (ec || open == nullptr) return;
    turn_ended(*open);
  });

  Pacer pacer(settings_.read_interval, clock::now());
  End end = End::ended;
  std::vector<char> buf(64 * 1024);
  for (;;) {
    while (handoff_.full() && !c.rotate && !c.yield && !c.detach) co_await wait_for_room();
    if (c.rotate || c.yield) {
      end = c.rotate ? End::rotated : End::yielded;
      break;
    }
    if (c.detach) {
      end = End::detached;
      break;
    }
    std::optional<size_t> n;
    try {
      if (pacer.at_ticks()) {
        n = DaemonClient::read_ready(r, buf.data(), buf.size());
      } else {
        n = co_await DaemonClient::read_some(r, buf.data(), buf.size());
      }
    } catch (const system_error& e) {
      if (c.rotate || c.yield) {
        end = c.rotate ? End::rotated : End::yielded;
      } else if (c.detach) {
        end = End::detached;
      } else if (e.code() == boost::beast::http::error::partial_message ||
                 e.code() == asio::error::eof) {
        // The connection closed inside the body: a follower ends so; a read to the end of
        // the log was cut short, and is tried again.
        end = following ? End::ended : End::failed;
      } else {
        metrics_.error("read");
        ctx_.warn("container " + c.info.name + ": reading its log stream: " + e.code().message());
        end = End::failed;
      }
      break;
    }
    if (n && *n == 0) break;  // the daemon ended the stream
    const uint64_t frames_before = frames;
    if (n) {
      counts_.bytes += *n;
      if (!decoder.feed(std::string_view(buf.data(), *n))) {
        end = End::failed;
        break;
      }
      flush_counts();
      hand_off(false);
    }
    const bool pause = pacer.after_read(clock::now(), n.value_or(0), frames - frames_before);
    // A rotation or a detachment while the lines were handled ends the stream at once.
    if (pause && !c.rotate && !c.yield && !c.detach) {
      r.park();
      co_await pause_until(c, pacer.next_tick(clock::now()));
    }
  }
  rotation.cancel();
  turn.cancel();
  if (end == End::ended && !following) end = End::drained;
  if (end == End::ended) {
    if (decoder.inside_frame()) {
      // What was cut off is read again from the next stream, if there is one.
      metrics_.error("truncated_frame");
      ctx_.warn("container " + c.info.name + ": the log stream ended inside a frame");
    }
    // The daemon closed the stream: the container stopped, or the daemon is going away.
    std::optional<ContainerInfo> info;
    try {
      info = co_await inspect(c.info.id);
    } catch (const std::exception&) {
      end = End::gone;  // unreachable: discovery reconnects and reconciles
    }
    if (end == End::ended && !(info && info->running)) end = End::stopped;
  }
  if (end == End::drained) {
    // The whole log to its end: a last line without a newline is a line.
    if (!decoder.inside_frame()) decoder.flush();
    end = End::gone;
  }
  flush_counts();
  hand_off(false);
  co_return end;
}

asio::awaitable<void> Collector::pause_until(Container& c, clock::time_point when) {
  asio::steady_timer timer(io_);
  timer.expires_at(when);
  c.pause = &timer;
  // Cleared however the wait ends, a stop destroying this frame included.
  struct Clear {
    Container& c;
    ~Clear() { c.pause = nullptr; }
  } clear{c};
  error_code ec;
  co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
}

// Ends what a stream is waiting on (a read or a pause): rotation and detachment.
void Collector::interrupt(Container& c) {
  if (c.stream != nullptr) c.stream->close();
  if (c.pause != nullptr) c.pause->cancel();
}

asio::awaitable<void> Collector::wait_for_room() {
  asio::steady_timer timer(io_);
  timer.expires_at(clock::time_point::max());
  room_waiters_.push_back(&timer);
  error_code ec;
  co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
  room_waiters_.erase(std::remove(room_waiters_.begin(), room_waiters_.end(), &timer),
                      room_waiters_.end());
}

void Collector::room() {
  hand_off(false);
  for (auto* t : room_waiters_) t->cancel();
}

asio::awaitable<bool> Collector::sleep(std::chrono::milliseconds d) {
  asio::steady_timer timer(io_);
  timer.expires_after(d);
  error_code ec;
  co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
  co_return !ec;
}

// ---- batches ----------------------------------------------------------------------------

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
      asio::co_spawn(io_, linger(++batch_generation_), asio::detached);
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

asio::awaitable<void> Collector::linger(uint64_t generation) {
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
