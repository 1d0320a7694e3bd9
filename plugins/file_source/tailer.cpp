#include "tailer.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "descriptors.hpp"
#include "glob.hpp"

namespace file_source {
namespace {

constexpr size_t read_buffer_bytes = 256 * 1024;
// Read from one file per round before the next one's turn, so that a busy file does not
// starve the others.
constexpr size_t read_budget_bytes = 4 * 1024 * 1024;

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

sluice::LabelSet error_type(const char* type) {
  return sluice::LabelSet{{"type", type}};
}

}  // namespace

Metrics::Metrics(const sluice::Context& ctx)
    : files_open(ctx.gauge("sluice_file_files_open", "Files open for reading.")),
      bytes(ctx.counter("sluice_file_bytes_read_total", "Bytes read from files.")),
      lines(ctx.counter("sluice_file_lines_read_total", "Lines read from files.")),
      rotations(ctx.counter("sluice_file_rotations_total",
                            "Files renamed or deleted under a watched path.")),
      truncations(ctx.counter("sluice_file_truncations_total",
                              "Files found truncated (copytruncate): read again from 0.")),
      split(ctx.counter("sluice_file_lines_split_total",
                        "Lines longer than max_line_bytes, passed in pieces of that length.")),
      truncated(ctx.counter("sluice_file_lines_truncated_total",
                            "Lines longer than max_line_bytes, cut to that length.")),
      flushed(ctx.counter("sluice_file_partial_lines_flushed_total",
                          "Last lines without a newline, passed after partial_flush_after.")),
      position_lag(ctx.gauge("sluice_file_position_lag_bytes",
                             "Bytes read but not yet acknowledged, over every open file.")),
      open_errors(ctx.counter("sluice_file_errors_total", "Errors, by type.", error_type("open"))),
      read_errors(ctx.counter("sluice_file_errors_total", "Errors, by type.", error_type("read"))),
      state_errors(
          ctx.counter("sluice_file_errors_total", "Errors, by type.", error_type("positions"))),
      not_regular(
          ctx.counter("sluice_file_errors_total", "Errors, by type.", error_type("not_regular"))),
      dirs_polled(ctx.gauge("sluice_file_dirs_polled",
                            "Folders without an inotify watch (inotify off, or its watch limit "
                            "reached), whose changes are found by polling.")),
      files_parked(ctx.gauge("sluice_file_files_parked",
                             "Files followed without a descriptor, past max_open_files: "
                             "checked every poll_interval, reopened when they grow.")) {}

Tailer::Tailer(const sluice::Context& ctx, const Settings& settings, const Metrics& metrics,
               Positions& positions, std::atomic<uint64_t>& next_cookie)
    : ctx_(ctx),
      settings_(settings),
      metrics_(metrics),
      positions_(positions),
      next_cookie_(next_cookie),
      batch_(ctx.batch_builder()) {}

Tailer::~Tailer() {
  files_.clear();
  if (inotify_ >= 0) ::close(inotify_);
}

void Tailer::run(const sluice::StopToken& stop) {
  stop_ = &stop;
  buffer_.resize(read_buffer_bytes);
  open_limit_ = settings_.max_open_files;
  if (auto budget = sluice::plugins::descriptor_budget();
      budget && budget->available < open_limit_) {
    ctx_.info("max_open_files " + std::to_string(open_limit_) +
              " is more than this process may open (" + std::to_string(budget->limit) +
              " descriptors, less a reserve): at most " + std::to_string(budget->available) +
              " files are held open, the others followed by their paths");
    open_limit_ = budget->available;
  }
  if (settings_.use_inotify) {
    inotify_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (inotify_ < 0 && errno == EMFILE) {
      // At start the process holds few descriptors: this is the user's inotify instances,
      // which are few (fs.inotify.max_user_instances, often 128) and shared by every program
      // of that user; dockerd takes one per log stream it follows.
      ctx_.warn(
          "inotify is not available: this user's inotify instances are used up "
          "(fs.inotify.max_user_instances); polling every poll_interval instead");
    } else if (inotify_ < 0) {
      ctx_.warn(std::string("inotify is not available (") + std::strerror(errno) +
                "): polling every poll_interval instead");
    }
  }
  auto next_scan = clock::now();
  auto next_check = next_scan + settings_.poll_interval;
  auto next_lag = next_scan;
  while (!stop.requested()) {
    auto now = clock::now();
    if (scan_due_ || now >= next_scan) {
      scan();
      scan_due_ = false;
      next_scan = now + settings_.scan_interval;
      next_check = now + settings_.poll_interval;
    } else if (now >= next_check) {
      check_files();
      next_check = now + settings_.poll_interval;
    }
    const bool progress = read_round(stop);
    flush_partials();
    if (!emit(stop)) break;
    release(now);
    if (!emit(stop)) break;
    if (now >= next_lag) {
      update_lag();
      next_lag = now + settings_.sync_interval;
    }
    if (!progress) {
      auto timeout = std::min(settings_.poll_interval, next_partial_due(clock::now()));
      wait(stop, timeout);
    }
  }
  // What was read and not emitted is read again next time: its position was not committed.
  batch_.clear();
  files_.clear();
  parked_.clear();
  metrics_.files_parked.set(0);
  {
    std::lock_guard lock(save_mutex_);
    open_keys_.clear();
  }
  save();
  metrics_.files_open.set(0);
  if (inotify_ >= 0) ::close(inotify_);
  inotify_ = -1;
  watches_.clear();
  stop_ = nullptr;
}

bool Tailer::load() {
  std::vector<std::string> problems;
  std::string refused;
  std::lock_guard lock(save_mutex_);
  auto loaded = load_positions(ctx_.state_dir(), &problems, &refused);
  for (const auto& p : problems) {
    ctx_.warn(p);
    metrics_.state_errors.add();
  }
  if (!loaded) {
    ctx_.error(refused);
    metrics_.state_errors.add();
    return false;
  }
  saved_ = std::move(*loaded);
  for (const auto& [key, p] : saved_) positions_.restore(key, p.position);
  return true;
}

void Tailer::scan() {
  Expansion found;
  for (const auto& pattern : settings_.include) expand_glob(pattern, found);
  std::sort(found.files.begin(), found.files.end());
  found.files.erase(std::unique(found.files.begin(), found.files.end()), found.files.end());
  watch(found.dirs);

  auto excluded = [&](const std::string& path) {
    return std::any_of(settings_.exclude.begin(), settings_.exclude.end(),
                       [&](const std::string& g) { return glob_matches(g, path); });
  };
  std::set<std::string> present;
  for (const auto& path : found.files) {
    if (!excluded(path)) present.insert(path);
  }
  for (const auto& path : found.not_regular) {
    if (excluded(path) || !not_regular_.insert(path).second) continue;
    metrics_.not_regular.add();
    ctx_.warn(path + " is " + special_file_kind(path) +
              ", not a regular file: it is not read (a FIFO or a device has no position to "
              "resume from)");
  }
  // Paths no longer matched (deleted, renamed away): their files are read to the end.
  for (auto it = paths_.begin(); it != paths_.end();) {
    if (present.count(it->first) == 0) {
      if (parked_.count(it->second) > 0) parked_moved(it->second);
      auto f = files_.find(it->second);
      if (f != files_.end() && !f->second->leaving_since) {
        f->second->leaving_since = clock::now();
        metrics_.rotations.add();
      }
      it = paths_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& path : present) open(path);
  if (first_scan_) recover_rotated();
  first_scan_ = false;
}

// A restart during a rotation: the file we were reading was renamed (or its path now names a
// new file) and no pattern matches its new name. It is found by its inode beside its old path
// and read to its end, so that its last lines are not lost.
void Tailer::recover_rotated() {
  std::map<FileKey, SavedPosition> saved_copy;
  {
    std::lock_guard lock(save_mutex_);
    saved_copy = saved_;
  }
  std::map<std::string, std::vector<FileKey>> by_dir;
  for (const auto& [key, saved] : saved_copy) {
    if (files_.count(key) > 0 || parked_.count(key) > 0) continue;
    const auto slash = saved.position.path.rfind('/');
    if (slash == std::string::npos) continue;
    by_dir[saved.position.path.substr(0, slash == 0 ? 1 : slash)].push_back(key);
  }
  for (const auto& [dir, keys] : by_dir) {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) continue;
    while (dirent* e = ::readdir(d)) {
      const std::string path = (dir == "/" ? "" : dir) + "/" + e->d_name;
      struct stat st {};
      if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
      const FileKey key{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)};
      if (std::find(keys.begin(), keys.end(), key) == keys.end() || files_.count(key) > 0) continue;
      const auto& saved = saved_copy.at(key);
      if (static_cast<uint64_t>(st.st_size) <= saved.position.offset) continue;
      open_leaving(path, saved.position.path, key);
    }
    ::closedir(d);
  }
}

bool Tailer::open_leaving(const std::string& path, const std::string& label_path, FileKey key,
                          std::optional<FilePosition> from) {
  if (!make_room()) return false;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return true;
  Head head;
  FilePosition committed;
  if (from) {
    committed = *from;
  } else if (!positions_.committed(key, committed)) {
    ::close(fd);
    return true;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 ||
      FileKey{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)} != key ||
      !read_head(fd, committed.head.len, head) || head != committed.head) {
    ::close(fd);
    return true;
  }
  read_head(fd, settings_.fingerprint_bytes, head);
  auto f = std::make_unique<TailedFile>(fd, key, label_path, committed.offset, head, settings_);
  std::vector<std::pair<std::string, std::string>> labels = settings_.labels;
  labels.emplace_back("filename", label_path);
  f->set_labels(std::make_shared<const sluice::LabelSet>(std::move(labels)));
  f->leaving_since = clock::now();
  ctx_.info("reading the rest of " + path + " (was " + label_path + "), rotated while " +
            (from ? "not held open" : "stopped"));
  files_[key] = std::move(f);
  opened(key);
  return true;
}

void Tailer::open(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return;
  const FileKey key{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)};
  auto known = paths_.find(path);
  if (known != paths_.end() && known->second == key) return;
  if (known != paths_.end()) {
    // The path names another file now: the old one was rotated away.
    if (parked_.count(known->second) > 0) parked_moved(known->second);
    auto old = files_.find(known->second);
    if (old != files_.end() && !old->second->leaving_since) {
      old->second->leaving_since = clock::now();
      metrics_.rotations.add();
    }
  }
  paths_[path] = key;
  // The same file under a second matched name.
  if (files_.count(key) > 0 || parked_.count(key) > 0) return;
  if (!make_room()) {
    paths_.erase(path);  // tried again at the next scan
    return;
  }

  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    if (refused_.insert(path).second) {
      ctx_.error("cannot open " + path + ": " + std::strerror(errno) +
                 "; trying again at each scan");
      metrics_.open_errors.add();
    }
    paths_.erase(path);
    return;
  }
  refused_.erase(path);
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    paths_.erase(path);
    return;
  }
  const FileKey opened_key{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)};
  if (opened_key != key) {  // replaced between stat and open: the next check sees the new one
    ::close(fd);
    paths_.erase(path);
    return;
  }
  Head head;
  read_head(fd, settings_.fingerprint_bytes, head);
  uint64_t offset = 0;
  FilePosition committed;
  if (positions_.committed(key, committed)) {
    Head same_length;
    bool same = head.len >= committed.head.len && read_head(fd, committed.head.len, same_length) &&
                same_length == committed.head;
    if (same) {
      offset = committed.offset;
      if (static_cast<uint64_t>(st.st_size) < offset) {
        metrics_.truncations.add();  // truncated while we were away
        offset = 0;
      }
    } else {
      closed(key, true);  // the inode was reused: another file
    }
  } else if (first_scan_ && settings_.start_at_end) {
    offset = static_cast<uint64_t>(st.st_size);
  }
  auto f = std::make_unique<TailedFile>(fd, key, path, offset, head, settings_);
  std::vector<std::pair<std::string, std::string>> labels = settings_.labels;
  labels.emplace_back("filename", path);
  f->set_labels(std::make_shared<const sluice::LabelSet>(std::move(labels)));
  files_[key] = std::move(f);
  opened(key);
}

void Tailer::opened(const FileKey& key) {
  {
    std::lock_guard lock(save_mutex_);
    open_keys_.insert(key);
  }
  metrics_.files_open.set(static_cast<double>(files_.size()));
}

// forget: the file's bytes are gone (deleted, or its inode now holds another file), and so is
// its position.
void Tailer::closed(const FileKey& key, bool forget) {
  std::lock_guard lock(save_mutex_);
  open_keys_.erase(key);
  if (forget) {
    positions_.forget(key);
    saved_.erase(key);
  }
}

bool Tailer::make_room() {
  while (files_.size() >= open_limit_) {
    auto oldest = files_.end();
    for (auto it = files_.begin(); it != files_.end(); ++it) {
      const TailedFile& f = *it->second;
      // A rotated file has no path to come back by; a line in the middle has bytes held.
      if (f.leaving_since || !f.at_line_boundary()) continue;
      if (oldest == files_.end() || f.last_active < oldest->second->last_active) oldest = it;
    }
    if (oldest == files_.end()) {
      if (!no_room_logged_) {
        no_room_logged_ = true;
        ctx_.warn("all " + std::to_string(files_.size()) +
                  " open files are still needed (rotated, or in the middle of a line): "
                  "more files wait for a descriptor, past max_open_files");
      }
      return false;
    }
    TailedFile& f = *oldest->second;
    // Its key stays among the open ones, so that its position is kept, not aged out.
    parked_[f.key()] = {f.position(), f.labels(), clock::now()};
    files_.erase(oldest);
  }
  metrics_.files_open.set(static_cast<double>(files_.size()));
  metrics_.files_parked.set(static_cast<double>(parked_.size()));
  return true;
}

// Parked files whose size moved are opened again at their position, those parked longest
// first, and no more than half the open limit at once, so that the rest still get their turn.
void Tailer::reopen_parked(const std::vector<FileKey>& keys) {
  std::vector<std::pair<clock::time_point, FileKey>> order;
  for (const auto& key : keys) {
    auto p = parked_.find(key);
    if (p != parked_.end()) order.emplace_back(p->second.since, key);
  }
  std::sort(order.begin(), order.end());
  const size_t at_most = std::max<size_t>(1, open_limit_ / 2);
  if (order.size() > at_most) order.resize(at_most);
  for (const auto& [since, key] : order) {
    Parked parked = parked_.at(key);
    parked_.erase(key);
    if (!make_room()) {
      parked_[key] = std::move(parked);
      break;
    }
    const std::string& path = parked.position.path;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    struct stat st {};
    if (fd >= 0 && ::fstat(fd, &st) == 0 &&
        FileKey{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)} == key) {
      auto f = std::make_unique<TailedFile>(fd, key, path, parked.position.offset,
                                            parked.position.head, settings_);
      f->set_labels(parked.labels);
      files_[key] = std::move(f);
      opened(key);
      continue;
    }
    if (fd >= 0) ::close(fd);
    parked_[key] = std::move(parked);  // its path moved on meanwhile: the next check sees it
  }
  metrics_.files_parked.set(static_cast<double>(parked_.size()));
}

// A parked file's path names another file now, or none: it was rotated or deleted while it
// had no descriptor. Found by its inode beside its old path, it is read to its end as any
// rotated file is (as soon as a descriptor can be had); gone, its position ages out.
void Tailer::parked_moved(const FileKey& key) {
  Parked& parked = parked_.at(key);
  const std::string& old_path = parked.position.path;
  const auto slash = old_path.rfind('/');
  const std::string dir = slash == 0 ? "/" : old_path.substr(0, slash);
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      const std::string path = (dir == "/" ? "" : dir) + "/" + e->d_name;
      struct stat st {};
      if (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
          FileKey{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)} == key &&
          static_cast<uint64_t>(st.st_size) > parked.position.offset) {
        parked.moved_to = path;
        break;
      }
    }
    ::closedir(d);
  }
  if (parked.moved_to.empty()) {
    parked_.erase(key);
    closed(key, false);
    metrics_.files_parked.set(static_cast<double>(parked_.size()));
    return;
  }
  open_moved(key);
}

void Tailer::open_moved(const FileKey& key) {
  const Parked parked = parked_.at(key);
  if (!open_leaving(parked.moved_to, parked.position.path, key, parked.position)) return;
  parked_.erase(key);
  if (files_.count(key) == 0) closed(key, false);  // gone or changed meanwhile
  metrics_.files_parked.set(static_cast<double>(parked_.size()));
}

void Tailer::update_lag() {
  double lag = 0;
  for (const auto& [key, f] : files_) {
    FilePosition committed;
    const uint64_t at = positions_.committed(key, committed) ? committed.offset : 0;
    lag += static_cast<double>(f->read_offset() - std::min(f->read_offset(), at));
  }
  metrics_.position_lag.set(lag);
}

void Tailer::check_files() {
  const auto now = clock::now();
  // A path that names another file, or none: rotation or deletion.
  std::vector<std::string> changed;
  for (const auto& [path, key] : paths_) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 ||
        FileKey{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)} != key) {
      changed.push_back(path);
    }
  }
  std::vector<FileKey> grown;
  for (const auto& [path, key] : paths_) {
    auto p = parked_.find(key);
    if (p == parked_.end()) continue;
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 &&
        static_cast<uint64_t>(st.st_size) != p->second.position.offset) {
      grown.push_back(key);  // grown, or truncated: either way, to be read
    }
  }
  for (const auto& path : changed) {
    auto key = paths_[path];
    auto f = files_.find(key);
    if (f != files_.end() && !f->second->leaving_since) {
      f->second->leaving_since = now;
      metrics_.rotations.add();
    }
    paths_.erase(path);
    if (parked_.count(key) > 0) parked_moved(key);
    scan_due_ = true;  // a new file may be there
  }
  // Rotated while parked and waiting for a descriptor: they go first.
  std::vector<FileKey> moved;
  for (const auto& [key, parked] : parked_) {
    if (!parked.moved_to.empty()) moved.push_back(key);
  }
  for (const auto& key : moved) open_moved(key);
  reopen_parked(grown);
  for (auto& [key, f] : files_) {
    struct stat st {};
    if (::fstat(f->fd(), &st) != 0) continue;
    if (st.st_nlink == 0) {
      f->deleted = true;
      if (!f->leaving_since) f->leaving_since = now;
    }
  }
}

bool Tailer::read_round(const sluice::StopToken& stop) {
  bool progress = false;
  for (auto& [key, f] : files_) {
    if (stop.requested()) break;
    TailedFile& file = *f;
    switch (file.check()) {
      case TailedFile::Change::none: continue;
      case TailedFile::Change::truncated:
        metrics_.truncations.add();
        file.restart_from_zero();
        break;
      case TailedFile::Change::grew: break;
    }
    ssize_t n =
        file.read(buffer_.data(), buffer_.size(), read_budget_bytes,
                  [&](std::string_view line, LineKind kind) { add_line(file, line, kind); });
    if (n < 0) {
      metrics_.read_errors.add();
      ctx_.error("reading " + file.path() + ": " + std::strerror(errno));
      file.leaving_since = clock::now() - settings_.rotate_wait;
      continue;
    }
    if (n > 0) {
      progress = true;
      file.last_active = clock::now();
      metrics_.bytes.add(static_cast<double>(n));
    }
  }
  return progress;
}

void Tailer::flush_partials() {
  const auto now = clock::now();
  for (auto& [key, f] : files_) {
    if (f->has_partial() && now - f->partial_since() >= settings_.partial_flush_after) {
      TailedFile& file = *f;
      file.flush_partial([&](std::string_view line, LineKind kind) { add_line(file, line, kind); });
    }
  }
}

std::chrono::milliseconds Tailer::next_partial_due(clock::time_point now) const {
  auto due = std::chrono::milliseconds::max();
  for (const auto& [key, f] : files_) {
    if (!f->has_partial()) continue;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        f->partial_since() + settings_.partial_flush_after - now);
    due = std::min(due, std::max(left, std::chrono::milliseconds(1)));
  }
  return due;
}

void Tailer::release(clock::time_point now) {
  for (auto it = files_.begin(); it != files_.end();) {
    TailedFile& f = *it->second;
    struct stat st {};
    const bool at_end =
        ::fstat(f.fd(), &st) == 0 && static_cast<uint64_t>(st.st_size) <= f.read_offset();
    if (!f.leaving_since || !at_end || now - *f.leaving_since < settings_.rotate_wait) {
      ++it;
      continue;
    }
    f.flush_partial([&](std::string_view line, LineKind kind) { add_line(f, line, kind); });
    // A deleted file's bytes are gone: so is its position, and a new file on its inode
    // starts afresh.
    if (f.deleted) emit(*stop_);
    closed(f.key(), f.deleted);
    for (auto p = paths_.begin(); p != paths_.end();) {
      p = p->second == f.key() ? paths_.erase(p) : std::next(p);
    }
    it = files_.erase(it);
    metrics_.files_open.set(static_cast<double>(files_.size()));
  }
}

void Tailer::add_line(TailedFile& f, std::string_view line, LineKind kind) {
  const auto& labels = f.labels();
  batch_.add(sluice::wall_clock_ns(), line, *labels);
  if (batch_labels_.empty() || batch_labels_.back() != labels) batch_labels_.push_back(labels);
  auto [it, added] = batch_index_.try_emplace(f.key(), read_to_.size());
  if (added) {
    read_to_.emplace_back(f.key(), f.position());
  } else {
    read_to_[it->second].second = f.position();
  }
  metrics_.lines.add();
  if (kind == LineKind::split) metrics_.split.add();
  if (kind == LineKind::truncated) metrics_.truncated.add();
  if (kind == LineKind::flushed) metrics_.flushed.add();
  if (batch_.size() >= settings_.batch_max_records || batch_.bytes() >= settings_.batch_max_bytes) {
    emit(*stop_);
  }
}

bool Tailer::emit(const sluice::StopToken& stop) {
  if (batch_.empty()) return !stop.requested();
  const uint64_t cookie = next_cookie_++;
  positions_.sent(cookie, read_to_);
  const auto status = ctx_.emit(stop, batch_, cookie);
  batch_.clear();
  batch_index_.clear();
  read_to_.clear();
  batch_labels_.clear();
  return status == sluice::Status::ok;
}

void Tailer::save() {
  std::lock_guard lock(save_mutex_);
  const int64_t now = unix_now();
  const uint64_t version = positions_.version();
  const int64_t forget_s =
      std::chrono::duration_cast<std::chrono::seconds>(settings_.forget_after).count();
  std::map<FileKey, SavedPosition> out;
  bool forgot = false;
  for (const auto& [key, position] : positions_.snapshot()) {
    SavedPosition p{position, now};
    if (open_keys_.count(key) == 0) {
      auto old = saved_.find(key);
      if (old != saved_.end()) p.seen_unix = old->second.seen_unix;
      if (now - p.seen_unix >= forget_s) {
        positions_.forget(key);  // gone for forget_after
        forgot = true;
        continue;
      }
    }
    out[key] = p;
  }
  // Unchanged positions are written again only now and then, to refresh when files were seen.
  if (!forgot && version == saved_version_ && now - last_save_unix_ < 60) return;
  std::string error;
  if (!save_positions(ctx_.state_dir(), out, &error)) {
    metrics_.state_errors.add();
    ctx_.error("cannot save positions: " + error);
    return;
  }
  saved_ = std::move(out);
  saved_version_ = version;
  last_save_unix_ = now;
}

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
