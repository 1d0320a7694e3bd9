// Collector: one container's log stream, followed from its checkpoint through rotations,
// turns, pauses for room downstream and the daemon's own ends, to when the container goes.
#include "collector.hpp"  // first: it includes what Boost 1.74's Asio needs first

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/error.hpp>

#include "sluice/backoff.hpp"
#include "timestamp.hpp"

namespace docker_source {
namespace {

using asio::use_awaitable;
using boost::system::error_code;
using boost::system::system_error;
using clock = std::chrono::steady_clock;

}  // namespace

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
  // Counted here, published with each batch: a metric call per read would cost more than
  // the read at a few lines a read.
  auto flush_counts = [&] {
    counts_.lines += lines;
    counts_.truncated += truncated;
    counts_.duplicates += duplicates;
    lines = truncated = duplicates = 0;
  };

  try {
    co_await client_.open(r, logs_target(c, following));
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
      end = end_of_failed_read(c, e.code(), following);
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

std::string Collector::logs_target(const Container& c, bool following) const {
  return api_ + "/containers/" + c.info.id + "/logs?follow=" + (following ? "1" : "0") +
         "&stdout=1&stderr=1&timestamps=1&since=" + since_parameter(since_for(c.read));
}

Collector::End Collector::end_of_failed_read(const Container& c, const error_code& code,
                                             bool following) {
  if (c.rotate || c.yield) return c.rotate ? End::rotated : End::yielded;
  if (c.detach) return End::detached;
  if (code == boost::beast::http::error::partial_message || code == asio::error::eof) {
    // The connection closed inside the body: a follower ends so; a read to the end of the
    // log was cut short, and is tried again.
    return following ? End::ended : End::failed;
  }
  metrics_.error("read");
  ctx_.warn("container " + c.info.name + ": reading its log stream: " + code.message());
  return End::failed;
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

void Collector::on_room() {
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

}  // namespace docker_source
