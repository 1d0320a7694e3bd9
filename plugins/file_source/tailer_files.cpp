// Tailer: finding the files the globs match, opening them where their positions say, and,
// past max_open_files, parking the least active ones (followed by path and position alone).
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "glob.hpp"
#include "tailer.hpp"

namespace file_source {

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
      const FileKey key = FileKey::of(st);
      if (std::find(keys.begin(), keys.end(), key) == keys.end() || files_.count(key) > 0) continue;
      const auto& saved = saved_copy.at(key);
      if (static_cast<uint64_t>(st.st_size) <= saved.position.offset) continue;
      open_rotated_away(path, saved.position.path, key);
    }
    ::closedir(d);
  }
}

bool Tailer::open_rotated_away(const std::string& path, const std::string& label_path, FileKey key,
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
  if (::fstat(fd, &st) != 0 || FileKey::of(st) != key || !read_head(fd, committed.head.len, head) ||
      head != committed.head) {
    ::close(fd);
    return true;
  }
  read_head(fd, settings_.fingerprint_bytes, head);
  auto f = std::make_unique<TailedFile>(fd, key, label_path, committed.offset, head, settings_);
  describe(*f, label_path);
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
  const FileKey key = FileKey::of(st);
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
  const FileKey opened_key = FileKey::of(st);
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
  describe(*f, path);
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
    parked_[f.key()] = {f.position(), f.labels(), f.metadata(), clock::now()};
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
    if (fd >= 0 && ::fstat(fd, &st) == 0 && FileKey::of(st) == key) {
      auto f = std::make_unique<TailedFile>(fd, key, path, parked.position.offset,
                                            parked.position.head, settings_);
      f->set_labels(parked.labels, parked.metadata);
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
      if (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && FileKey::of(st) == key &&
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
  if (!open_rotated_away(parked.moved_to, parked.position.path, key, parked.position)) return;
  parked_.erase(key);
  if (files_.count(key) == 0) closed(key, false);  // gone or changed meanwhile
  metrics_.files_parked.set(static_cast<double>(parked_.size()));
}

}  // namespace file_source
