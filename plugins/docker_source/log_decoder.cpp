#include "log_decoder.hpp"

#include <algorithm>
#include <cstring>
#include <optional>

#include "time_format.hpp"

namespace docker_source {
namespace {

// Far above what any log driver frames (16 KiB pieces, 1 MiB for `local`): beyond it the
// length field is garbage, not data.
constexpr size_t max_frame_bytes = 16 * 1024 * 1024;
// "2006-01-02T15:04:05.999999999+07:00" and the space after it.
constexpr size_t max_prefix_bytes = 40;

}  // namespace

LogDecoder::LogDecoder(bool tty, size_t max_line_bytes, OnLine on_line, OnError on_error)
    : tty_(tty),
      max_line_bytes_(max_line_bytes),
      on_line_(std::move(on_line)),
      on_error_(std::move(on_error)) {}

bool LogDecoder::feed(std::string_view bytes) {
  if (tty_) {
    feed_tty(bytes);
    return true;
  }
  return feed_frames(bytes);
}

bool LogDecoder::inside_frame() const {
  // A TTY stream has no frames: what is pending when it ends is a last line without a
  // newline, not a cut frame.
  if (tty_) return false;
  return header_have_ > 0 || frame_left_ > 0;
}

size_t LogDecoder::buffered_bytes() const {
  return frame_.size() + tty_prefix_.size() + tty_text_.size() + pending_[0].text.size() +
         pending_[1].text.size();
}

bool LogDecoder::feed_frames(std::string_view bytes) {
  while (!bytes.empty()) {
    if (frame_left_ == 0) {
      size_t take = std::min(sizeof header_ - header_have_, bytes.size());
      std::memcpy(header_ + header_have_, bytes.data(), take);
      header_have_ += take;
      bytes.remove_prefix(take);
      if (header_have_ < sizeof header_) return true;
      header_have_ = 0;
      const unsigned type = header_[0];
      const size_t length = (size_t{header_[4]} << 24) | (size_t{header_[5]} << 16) |
                            (size_t{header_[6]} << 8) | size_t{header_[7]};
      if (type > 2 || header_[1] != 0 || header_[2] != 0 || header_[3] != 0 ||
          length > max_frame_bytes) {
        on_error_("protocol", "not a Docker stream frame header (type " + std::to_string(type) +
                                  ", length " + std::to_string(length) + ")");
        return false;
      }
      frame_stream_ = type == 2 ? Stream::err : Stream::out;
      frame_left_ = length;
      frame_.clear();
      if (length == 0) continue;
    }
    size_t take = std::min(frame_left_, bytes.size());
    if (frame_.empty() && take == frame_left_) {
      // The whole frame is at hand: no copy.
      frame_left_ = 0;
      message(frame_stream_, bytes.substr(0, take));
    } else {
      frame_.append(bytes.data(), take);
      frame_left_ -= take;
      if (frame_left_ == 0) {
        message(frame_stream_, frame_);
        frame_.clear();
      }
    }
    bytes.remove_prefix(take);
  }
  return true;
}

// A TTY stream has no frames: each message is an optional "TIMESTAMP " prefix, then text up
// to a newline or piece_bytes of it. The prefix is looked for in the first max_prefix_bytes
// of a message only, and text is taken up to the piece's room only, so that the messages
// found are the same however the reads cut the bytes.
void LogDecoder::feed_tty(std::string_view bytes) {
  while (!bytes.empty()) {
    if (!tty_in_text_) {
      const size_t scan = std::min(max_prefix_bytes - tty_prefix_.size(), bytes.size());
      size_t at = 0;
      while (at < scan && bytes[at] != ' ' && bytes[at] != '\n') ++at;
      if (at < scan && bytes[at] == ' ') {
        tty_prefix_.append(bytes.data(), at + 1);
        bytes.remove_prefix(at + 1);
        tty_in_text_ = true;
        continue;
      }
      tty_prefix_.append(bytes.data(), at);
      bytes.remove_prefix(at);
      if (at == scan && tty_prefix_.size() < max_prefix_bytes) return;  // more may follow
      // A newline, or max_prefix_bytes without a space: no timestamp where one must be.
      // The bytes are text, kept rather than lost.
      tty_text_ = std::move(tty_prefix_);
      tty_prefix_.clear();
      tty_in_text_ = true;
      continue;
    }
    const size_t room = piece_bytes - tty_text_.size();
    const size_t scan = std::min(room, bytes.size());
    const char* nl = static_cast<const char*>(std::memchr(bytes.data(), '\n', scan));
    const size_t take = nl ? static_cast<size_t>(nl - bytes.data()) + 1 : scan;
    tty_text_.append(bytes.data(), take);
    bytes.remove_prefix(take);
    if (nl != nullptr || tty_text_.size() == piece_bytes) tty_message();
  }
}

// A TTY message is complete (a newline, a whole piece, or the end): its prefix and text.
void LogDecoder::tty_message() {
  std::string msg = std::move(tty_prefix_);
  msg += tty_text_;
  tty_prefix_.clear();
  tty_text_.clear();
  tty_in_text_ = false;
  message(Stream::out, msg);
}

void LogDecoder::message(Stream stream, std::string_view msg) {
  int64_t ts = last_ts_;
  const size_t space = msg.find(' ');
  std::optional<int64_t> parsed;
  bool out_of_range = false;
  if (space != std::string_view::npos && space < max_prefix_bytes) {
    parsed = sluice::plugins::parse_rfc3339_ns(msg.substr(0, space), &out_of_range);
  }
  if (parsed) {
    ts = *parsed;
    msg.remove_prefix(space + 1);
  } else if (out_of_range) {
    // A timestamp, but not one a record can carry: it is taken off all the same.
    on_error_("timestamp", "a timestamp out of range (" + std::string(msg.substr(0, space)) +
                               "): the previous one is used");
    msg.remove_prefix(space + 1);
  } else {
    on_error_("timestamp", "a message without a timestamp prefix: the previous one is used");
  }
  last_ts_ = ts;
  // One message is one line or one piece of a line; split anyway, should a driver pack more.
  while (!msg.empty()) {
    size_t nl = msg.find('\n');
    if (nl == std::string_view::npos) {
      content(stream, ts, msg, false);
      return;
    }
    content(stream, ts, msg.substr(0, nl), true);
    msg.remove_prefix(nl + 1);
  }
}

void LogDecoder::content(Stream stream, int64_t ts, std::string_view text, bool complete) {
  Pending& p = pending_[static_cast<int>(stream)];
  if (!p.active) {
    if (complete) {
      // The common case: a whole line in one message, passed on without a copy.
      bool truncated = text.size() > max_line_bytes_;
      if (truncated) text = text.substr(0, max_line_bytes_);
      emit(stream, ts, text, truncated);
      return;
    }
    p.active = true;
    p.ts = ts;
    p.text.clear();
    p.truncated = false;
  }
  size_t room = max_line_bytes_ - std::min(max_line_bytes_, p.text.size());
  if (text.size() > room) {
    p.truncated = true;
    text = text.substr(0, room);
  }
  p.text.append(text);
  if (complete) {
    emit(stream, p.ts, p.text, p.truncated);
    p.active = false;
    p.text.clear();
    if (p.text.capacity() > piece_bytes * 4) p.text.shrink_to_fit();
  }
}

void LogDecoder::emit(Stream stream, int64_t ts, std::string_view text, bool truncated) {
  if (tty_ && !text.empty() && text.back() == '\r') text.remove_suffix(1);
  on_line_(LogLine{stream, ts, text, truncated});
}

void LogDecoder::flush() {
  if (tty_ && (!tty_prefix_.empty() || !tty_text_.empty())) tty_message();
  for (int s = 0; s < 2; ++s) {
    Pending& p = pending_[s];
    if (!p.active) continue;
    emit(static_cast<Stream>(s), p.ts, p.text, p.truncated);
    p.active = false;
    p.text.clear();
  }
}

}  // namespace docker_source
