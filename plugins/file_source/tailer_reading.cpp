// Tailer: reading the open files in turns, telling rotation and truncation apart, and packing
// their lines into batches with the positions they reach.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "tailer.hpp"

namespace file_source {
namespace {

// Read from one file per round before the next one's turn, so that a busy file does not
// starve the others.
constexpr size_t read_budget_bytes = 4 * 1024 * 1024;

}  // namespace

void Tailer::check_files() {
  const auto now = clock::now();
  // A path that names another file, or none: rotation or deletion.
  std::vector<std::string> changed;
  for (const auto& [path, key] : paths_) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || FileKey::of(st) != key) {
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
        flush_container_log(file);
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
    flush_container_log(f);
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

void Tailer::describe(TailedFile& f, const std::string& path) const {
  Settings::Pairs labels = settings_.labels, metadata;
  labels.emplace_back("filename", path);
  if (settings_.describe_file) settings_.describe_file(path, labels, metadata);
  f.set_labels(
      std::make_shared<const sluice::LabelSet>(std::move(labels)),
      metadata.empty() ? nullptr : std::make_shared<const sluice::LabelSet>(std::move(metadata)));
}

void Tailer::add_line(TailedFile& f, std::string_view line, LineKind kind) {
  metrics_.lines.add();
  if (kind == LineKind::split) metrics_.split.add();
  if (kind == LineKind::truncated) metrics_.truncated.add();
  if (kind == LineKind::flushed) metrics_.flushed.add();
  if (settings_.format == Format::raw) {
    add_record(f, sluice::wall_clock_ns(), f.labels(), line, f.position());
    return;
  }
  auto& log = f.container_log();
  // A group of held records begins here: what is released before its last record may not
  // claim a position inside it.
  if (!log.holding()) f.held_from = f.position_before_line();
  log.decode(line, [&](const Joined& j) { add_joined(f, j); });
}

void Tailer::add_joined(TailedFile& f, const Joined& j) {
  if (j.pieces > 1) metrics_.pieces_joined.add(static_cast<double>(j.pieces - 1));
  if (j.cut) metrics_.truncated.add();
  if (j.malformed) metrics_.malformed.add();
  if (j.unfinished) metrics_.unfinished.add();
  const int64_t ts = j.timestamp_ns != 0 ? j.timestamp_ns : sluice::wall_clock_ns();
  add_record(f, ts, f.labels(j.stream), j.line, j.more ? f.held_from : f.position());
}

void Tailer::add_record(TailedFile& f, int64_t timestamp_ns,
                        const std::shared_ptr<const sluice::LabelSet>& labels,
                        std::string_view line, const FilePosition& position) {
  const auto& metadata = f.metadata();
  batch_.add(timestamp_ns, line, *labels, metadata.get());
  if (batch_labels_.empty() || batch_labels_.back() != labels) batch_labels_.push_back(labels);
  if (metadata && (batch_metadata_.empty() || batch_metadata_.back() != metadata)) {
    batch_metadata_.push_back(metadata);
  }
  auto [it, added] = batch_index_.try_emplace(f.key(), read_to_.size());
  if (added) {
    read_to_.emplace_back(f.key(), position);
  } else {
    read_to_[it->second].second = position;
  }
  if (batch_.size() >= settings_.batch_max_records || batch_.bytes() >= settings_.batch_max_bytes) {
    emit(*stop_);
  }
}

void Tailer::flush_container_log(TailedFile& f) {
  f.container_log().flush([&](const Joined& j) { add_joined(f, j); });
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
  batch_metadata_.clear();
  return status == sluice::Status::ok;
}

}  // namespace file_source
