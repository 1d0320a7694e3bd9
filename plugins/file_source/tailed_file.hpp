// One open file being read: its descriptor, where it has been read to, and the bytes of a
// line not finished yet. Lines are handed out as views, valid until the next call.
#pragma once

#include <sys/stat.h>

#include <chrono>
#include <compare>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "container_log.hpp"
#include "settings.hpp"
#include "sluice/records.hpp"

namespace file_source {

// A file's identity while it exists: device and inode. Alone they are not enough across time
// (an inode is reused once its file is deleted), so positions keep a Head beside them.
struct FileKey {
  uint64_t dev = 0;
  uint64_t ino = 0;
  auto operator<=>(const FileKey&) const = default;
  static FileKey of(const struct stat& st) {
    return {static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)};
  }
};

// A checksum of a file's first bytes (up to fingerprint_bytes): the same inode with another
// head is another file.
struct Head {
  uint32_t len = 0;
  uint64_t hash = 0;
  bool operator==(const Head&) const = default;
};

// Reads the first min(size, limit) bytes of fd and sums them; false on a read error.
bool read_head(int fd, size_t limit, Head& out);

struct FilePosition {
  uint64_t offset = 0;  // the first byte of the first line not yet passed on
  Head head;
  std::string path;
};

// split: the first piece of a line longer than max_line_bytes; piece: a later one.
enum class LineKind { whole, split, piece, truncated, flushed };
using OnLine = std::function<void(std::string_view line, LineKind kind)>;

class TailedFile {
 public:
  TailedFile(int fd, FileKey key, std::string path, uint64_t offset, Head head,
             const Settings& settings);
  ~TailedFile();
  TailedFile(const TailedFile&) = delete;
  TailedFile& operator=(const TailedFile&) = delete;

  // Reads at most `budget` bytes into `buffer` and hands out each line. Returns the bytes
  // read (0 at the end of the file), or -1 on a read error (errno is kept). The caller has
  // made sure, with check(), that the file was not truncated under it.
  ssize_t read(char* buffer, size_t capacity, size_t budget, const OnLine& on_line);
  // A last line without a newline, held since `since`; handed out as a line.
  bool flush_partial(const OnLine& on_line);
  bool has_partial() const { return !partial_.empty(); }
  // Nothing read is held back (no partial or split line): the file can be closed and opened
  // again at after_line() without losing or repeating a byte.
  bool at_line_boundary() const {
    return partial_.empty() && !skipping_ && !splitting_ && read_offset_ == after_line_ &&
           !container_log_.holding();
  }
  std::chrono::steady_clock::time_point partial_since() const { return partial_since_; }
  // The file was truncated (copytruncate): read again from its start.
  void restart_from_zero();
  enum class Change { none, grew, truncated };
  // Before reading: has the file grown, or been truncated (smaller than where we are, or its
  // first bytes no longer those we saw: truncated and written again past our offset)?
  Change check();

  int fd() const { return fd_; }
  const FileKey& key() const { return key_; }
  const std::string& path() const { return path_; }
  uint64_t read_offset() const { return read_offset_; }
  // Where reading would resume after a restart: after the last line handed out.
  // Just after the line last handed out (inside on_line: after that line).
  uint64_t after_line() const { return after_line_; }
  FilePosition position() const { return {after_line_, head_, path_}; }
  // Where the line last handed out began (inside on_line: where the current line begins).
  FilePosition position_before_line() const { return {line_start_, head_, path_}; }
  // Where the records a container log holds began: the position of records released before
  // the last of a group, none of which may claim a byte of the group.
  FilePosition held_from;
  const std::shared_ptr<const sluice::LabelSet>& labels() const { return labels_; }
  // Metadata every record of the file carries, or null.
  const std::shared_ptr<const sluice::LabelSet>& metadata() const { return metadata_; }
  void set_labels(std::shared_ptr<const sluice::LabelSet> l,
                  std::shared_ptr<const sluice::LabelSet> metadata) {
    labels_ = std::move(l);
    metadata_ = std::move(metadata);
    stream_labels_[0] = stream_labels_[1] = nullptr;
  }
  // The labels with `stream` added, for a container log's records.
  const std::shared_ptr<const sluice::LabelSet>& labels(Stream stream);
  // The decoding of a container runtime's log (format), which holds split lines' pieces.
  ContainerLog& container_log() { return container_log_; }

  // Rotation and deletion: once set, the file is read to its end and closed after
  // rotate_wait has passed.
  std::optional<std::chrono::steady_clock::time_point> leaving_since;
  bool deleted = false;
  // When it was opened or last gave bytes: past max_open_files, the least recently active
  // file is closed first.
  std::chrono::steady_clock::time_point last_active = std::chrono::steady_clock::now();

 private:
  void advance_to(uint64_t end) {
    line_start_ = after_line_;
    after_line_ = end;
  }
  // bytes end at file offset `end` (just after the newline, when complete).
  void line(std::string_view bytes, bool complete, uint64_t end, const OnLine& on_line);

  int fd_;
  FileKey key_;
  std::string path_;
  uint64_t read_offset_;
  uint64_t after_line_;
  uint64_t line_start_;
  Head head_;
  const Settings& settings_;
  std::string partial_;
  std::chrono::steady_clock::time_point partial_since_;
  bool skipping_ = false;   // the rest of a truncated long line
  bool splitting_ = false;  // pieces of a long line are being handed out
  std::shared_ptr<const sluice::LabelSet> labels_;
  std::shared_ptr<const sluice::LabelSet> metadata_;
  std::shared_ptr<const sluice::LabelSet> stream_labels_[2];
  ContainerLog container_log_;
};

}  // namespace file_source
