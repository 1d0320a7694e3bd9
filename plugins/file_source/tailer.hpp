// The reading thread of file_source: it finds the files (globs, re-scanned on an interval
// and at once when inotify reports a change), follows them through rotation, truncation and
// deletion, reads their lines into batches, emits them (blocking while the pipeline is full),
// and saves the committed positions.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "positions_file.hpp"
#include "settings.hpp"
#include "sluice/acknowledged_positions.hpp"
#include "sluice/context.hpp"
#include "tailed_file.hpp"

namespace file_source {

struct Metrics {
  explicit Metrics(const sluice::Context& ctx);
  sluice::Metric files_open, bytes, lines, rotations, truncations, split, truncated, flushed,
      position_lag, open_errors, read_errors, state_errors, not_regular, dirs_polled, files_parked,
      pieces_joined, malformed, unfinished;
};

using Positions = sluice::AcknowledgedPositions<FileKey, FilePosition>;

class Tailer {
 public:
  Tailer(const sluice::Context& ctx, const Settings& settings, const Metrics& metrics,
         Positions& positions, std::atomic<uint64_t>& next_cookie);
  ~Tailer();
  // Reads the saved positions, before run. False when the positions file is of a version
  // this build does not read: the source must not start (and so never overwrites it).
  bool load();
  void run(const sluice::StopToken& stop);
  // Writes the committed positions if they moved; safe from another thread, so that saves
  // go on while the reading thread waits for room downstream.
  void save();

 private:
  using clock = std::chrono::steady_clock;

  void scan();
  void open(const std::string& path);
  void recover_rotated();
  // False when no descriptor could be had for it: to be tried again.
  bool open_rotated_away(const std::string& path, const std::string& label_path, FileKey key,
                         std::optional<FilePosition> from = std::nullopt);
  void check_files();
  // Past max_open_files: frees a descriptor by closing the least recently active file at a
  // line boundary, which is then followed by its path and position alone (parked). False
  // when every open file is still needed (rotated away, or in the middle of a line).
  bool make_room();
  void reopen_parked(const std::vector<FileKey>& keys);
  void parked_moved(const FileKey& key);
  void open_moved(const FileKey& key);
  bool read_round(const sluice::StopToken& stop);
  void flush_partials();
  void release(clock::time_point now);
  bool emit(const sluice::StopToken& stop);
  void watch(const std::set<std::string>& dirs);
  void wait(const sluice::StopToken& stop, std::chrono::milliseconds timeout);
  // The labels and metadata of a file read under `path`.
  void describe(TailedFile& f, const std::string& path) const;
  void add_line(TailedFile& f, std::string_view line, LineKind kind);
  // A container log's record, joined from its pieces.
  void add_joined(TailedFile& f, const Joined& j);
  void add_record(TailedFile& f, int64_t timestamp_ns,
                  const std::shared_ptr<const sluice::LabelSet>& labels, std::string_view line,
                  const FilePosition& position);
  // What a container log still holds leaves as it is: the file closes or was truncated.
  void flush_container_log(TailedFile& f);
  std::chrono::milliseconds next_partial_due(clock::time_point now) const;

  const sluice::Context& ctx_;
  const Settings& settings_;
  const Metrics& metrics_;
  Positions& positions_;
  std::atomic<uint64_t>& next_cookie_;

  std::map<FileKey, std::unique_ptr<TailedFile>> files_;
  struct Parked {
    FilePosition position;  // where reading resumes, with the file's head and path
    std::shared_ptr<const sluice::LabelSet> labels, metadata;
    std::chrono::steady_clock::time_point since;
    std::string moved_to;  // rotated while parked: its new name, to be read to its end
  };
  std::map<FileKey, Parked> parked_;
  size_t open_limit_ = 1;
  bool no_room_logged_ = false;
  std::map<std::string, FileKey> paths_;  // each matched path, to the file it named last
  void opened(const FileKey& key);
  void closed(const FileKey& key, bool forget);
  void update_lag();

  std::mutex save_mutex_;  // guards saved_, open_keys_ and the save bookkeeping
  std::map<FileKey, SavedPosition> saved_;
  std::set<FileKey> open_keys_;
  std::set<std::string> refused_;      // paths whose open failed, reported once
  std::set<std::string> not_regular_;  // matched paths that are not regular files, reported once
  bool first_scan_ = true;
  bool scan_due_ = true;

  int inotify_ = -1;
  std::map<std::string, int> watches_;
  bool watch_limit_logged_ = false;

  std::vector<char> buffer_;
  sluice::BatchBuilder batch_;
  std::map<FileKey, size_t> batch_index_;
  std::vector<std::pair<FileKey, FilePosition>> read_to_;
  std::vector<std::shared_ptr<const sluice::LabelSet>> batch_labels_, batch_metadata_;
  uint64_t saved_version_ = ~uint64_t{0};
  int64_t last_save_unix_ = 0;
  const sluice::StopToken* stop_ = nullptr;
};

}  // namespace file_source
