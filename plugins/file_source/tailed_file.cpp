#include "tailed_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace file_source {
namespace {

uint64_t fnv1a(const char* data, size_t n) {
  uint64_t h = 14695981039346656037ull;
  for (size_t i = 0; i < n; ++i) {
    h ^= static_cast<unsigned char>(data[i]);
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace

bool read_head(int fd, size_t limit, Head& out) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return false;
  const size_t want = std::min(limit, static_cast<size_t>(st.st_size));
  std::vector<char> buf(want);
  size_t have = 0;
  while (have < want) {
    ssize_t n = ::pread(fd, buf.data() + have, want - have, static_cast<off_t>(have));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) break;
    have += static_cast<size_t>(n);
  }
  out.len = static_cast<uint32_t>(have);
  out.hash = fnv1a(buf.data(), have);
  return true;
}

TailedFile::TailedFile(int fd, FileKey key, std::string path, uint64_t offset, Head head,
                       const Settings& settings)
    : fd_(fd),
      key_(key),
      path_(std::move(path)),
      read_offset_(offset),
      after_line_(offset),
      line_start_(offset),
      head_(head),
      settings_(settings),
      container_log_(settings.format, settings.max_line_bytes) {}

const std::shared_ptr<const sluice::LabelSet>& TailedFile::labels(Stream stream) {
  if (stream == Stream::none) return labels_;
  auto& cached = stream_labels_[stream == Stream::stdout_stream ? 0 : 1];
  if (!cached) {
    sluice::LabelSet with_stream = *labels_;
    with_stream.set("stream", stream_name(stream));
    cached = std::make_shared<const sluice::LabelSet>(std::move(with_stream));
  }
  return cached;
}

TailedFile::~TailedFile() {
  if (fd_ >= 0) ::close(fd_);
}

TailedFile::Change TailedFile::check() {
  struct stat st {};
  if (::fstat(fd_, &st) != 0) return Change::none;
  const auto size = static_cast<uint64_t>(st.st_size);
  if (size < read_offset_) return Change::truncated;
  if (size == read_offset_) return Change::none;
  if (head_.len > 0) {
    Head now;
    if (read_head(fd_, head_.len, now) && now != head_) return Change::truncated;
  }
  // A file still short of its fingerprint grows into it, once its start is known to be the same.
  if (head_.len < settings_.fingerprint_bytes && size > head_.len) {
    read_head(fd_, settings_.fingerprint_bytes, head_);
  }
  return Change::grew;
}

void TailedFile::restart_from_zero() {
  read_offset_ = 0;
  after_line_ = 0;
  line_start_ = 0;
  partial_.clear();
  skipping_ = false;
  splitting_ = false;
  head_ = {};
  read_head(fd_, settings_.fingerprint_bytes, head_);
}

ssize_t TailedFile::read(char* buffer, size_t capacity, size_t budget, const OnLine& on_line) {
  size_t total = 0;
  while (total < budget) {
    const size_t requested = std::min(capacity, budget - total);
    ssize_t n = ::pread(fd_, buffer, requested, static_cast<off_t>(read_offset_));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n == 0) break;
    const uint64_t base = read_offset_;
    read_offset_ += static_cast<uint64_t>(n);
    total += static_cast<size_t>(n);
    std::string_view chunk(buffer, static_cast<size_t>(n));
    while (!chunk.empty()) {
      const char* nl = static_cast<const char*>(std::memchr(chunk.data(), '\n', chunk.size()));
      if (nl == nullptr) {
        line(chunk, false, read_offset_, on_line);
        break;
      }
      size_t len = static_cast<size_t>(nl - chunk.data());
      const uint64_t end = base + static_cast<uint64_t>(nl - buffer) + 1;
      line(chunk.substr(0, len), true, end, on_line);
      chunk.remove_prefix(len + 1);
    }
    if (static_cast<size_t>(n) < requested) break;  // at the end for now
  }
  return static_cast<ssize_t>(total);
}

// bytes: the next piece of the current line; complete when a newline ended it.
void TailedFile::line(std::string_view bytes, bool complete, uint64_t end, const OnLine& on_line) {
  const size_t max = settings_.read_line_bytes();
  if (skipping_) {
    if (complete) skipping_ = false;
    advance_to(end);
    return;
  }
  if (partial_.empty() && complete && bytes.size() <= max) {
    if (!bytes.empty() && bytes.back() == '\r') bytes.remove_suffix(1);
    advance_to(end);
    on_line(bytes, LineKind::whole);  // the common case: no copy
    return;
  }
  // Where this piece starts in the file: pieces cut from it end at known offsets.
  uint64_t at = end - bytes.size() - (complete ? 1 : 0);
  if (partial_.empty()) partial_since_ = std::chrono::steady_clock::now();
  while (partial_.size() + bytes.size() > max) {
    const size_t take = max - partial_.size();
    partial_.append(bytes.substr(0, take));
    bytes.remove_prefix(take);
    at += take;
    advance_to(at);
    if (settings_.long_lines == LongLines::truncate) {
      on_line(partial_, LineKind::truncated);
      partial_.clear();
      skipping_ = !complete;  // the rest of the line, up to its newline, is dropped
      return;
    }
    on_line(partial_, splitting_ ? LineKind::piece : LineKind::split);
    splitting_ = true;
    partial_.clear();
    partial_since_ = std::chrono::steady_clock::now();
  }
  partial_.append(bytes);
  if (complete) {
    advance_to(end);
    std::string_view whole = partial_;
    if (!whole.empty() && whole.back() == '\r') whole.remove_suffix(1);
    on_line(whole, splitting_ ? LineKind::piece : LineKind::whole);
    splitting_ = false;
    partial_.clear();
    if (partial_.capacity() > 1024 * 1024) partial_.shrink_to_fit();
  }
}

bool TailedFile::flush_partial(const OnLine& on_line) {
  if (partial_.empty()) return false;
  advance_to(read_offset_);
  on_line(partial_, LineKind::flushed);
  splitting_ = false;
  partial_.clear();
  return true;
}

}  // namespace file_source
