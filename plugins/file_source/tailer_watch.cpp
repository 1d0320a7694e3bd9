// Tailer: waiting for changes, by inotify on the folders the globs reach, or by polling where
// inotify is off or out of watches; either way stop ends the wait at once.
#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>

#include "tailer.hpp"

namespace file_source {

void Tailer::watch(const std::set<std::string>& dirs) {
  if (inotify_ < 0) {
    metrics_.dirs_polled.set(static_cast<double>(dirs.size()));
    return;
  }
  constexpr uint32_t mask = IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_MODIFY |
                            IN_CLOSE_WRITE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF;
  size_t polled = 0;
  for (const auto& dir : dirs) {
    if (watches_.count(dir) > 0) continue;
    int wd = ::inotify_add_watch(inotify_, dir.c_str(), mask);
    if (wd >= 0) {
      watches_[dir] = wd;
      continue;
    }
    ++polled;
    if ((errno == ENOSPC || errno == ENOMEM) && !watch_limit_logged_) {
      ctx_.warn("inotify watch limit reached (fs.inotify.max_user_watches) at " + dir +
                ": its files are checked every poll_interval, and new ones found every "
                "scan_interval");
      watch_limit_logged_ = true;
    }
  }
  metrics_.dirs_polled.set(static_cast<double>(polled));
}

void Tailer::wait(const sluice::StopToken& stop, std::chrono::milliseconds timeout) {
  pollfd fds[2] = {{stop.fd(), POLLIN, 0}, {inotify_, POLLIN, 0}};
  const int n = inotify_ >= 0 ? 2 : 1;
  const auto ms = std::clamp<int64_t>(timeout.count(), 0, 60 * 60 * 1000);
  if (::poll(fds, n, static_cast<int>(ms)) <= 0 || n < 2 || (fds[1].revents & POLLIN) == 0) return;
  alignas(inotify_event) char events[16384];
  for (;;) {
    ssize_t len = ::read(inotify_, events, sizeof events);
    if (len <= 0) break;
    for (ssize_t at = 0; at < len;) {
      const auto* e = reinterpret_cast<const inotify_event*>(events + at);
      if (e->mask & (IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_DELETE_SELF |
                     IN_MOVE_SELF | IN_Q_OVERFLOW | IN_ATTRIB)) {
        scan_due_ = true;
      }
      if (e->mask & IN_IGNORED) {
        for (auto it = watches_.begin(); it != watches_.end(); ++it) {
          if (it->second == e->wd) {
            watches_.erase(it);
            break;
          }
        }
      }
      at += static_cast<ssize_t>(sizeof(inotify_event) + e->len);
    }
  }
}

}  // namespace file_source
