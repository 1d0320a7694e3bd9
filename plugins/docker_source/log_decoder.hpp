// Turns the bytes of a `/containers/{id}/logs?timestamps=1` response into lines: demultiplexes
// the 8-byte stdcopy frames of a non-TTY container (or reads a TTY container's raw text),
// takes the timestamp off each message, and rejoins the 16 KiB pieces the daemon splits a
// long line into.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace docker_source {

enum class Stream : uint8_t { out = 0, err = 1 };
inline const char* stream_name(Stream s) {
  return s == Stream::out ? "stdout" : "stderr";
}

struct LogLine {
  Stream stream;
  int64_t timestamp_ns;   // of the line's first piece: every piece carries the same one
  std::string_view text;  // without its newline (and, for a TTY, without the \r before it)
  bool truncated;         // longer than max_line_bytes: text holds the first max_line_bytes
};

class LogDecoder {
 public:
  // The daemon cuts a line that has no newline after this many bytes into pieces.
  static constexpr size_t piece_bytes = 16 * 1024;

  using OnLine = std::function<void(const LogLine&)>;
  // type is the metric label (protocol, timestamp); what says where and why.
  using OnError = std::function<void(const char* type, const std::string& what)>;

  LogDecoder(bool tty, size_t max_line_bytes, OnLine on_line, OnError on_error);

  // Returns false when the stream is not what the daemon sends (a frame header with an
  // unknown stream type or non-zero padding): the rest of it cannot be trusted.
  bool feed(std::string_view bytes);
  // The stream ended inside a frame (a truncated frame). Never for a TTY, which has none.
  bool inside_frame() const;
  // What is held for lines not yet complete: at most max_line_bytes and a piece per stream.
  size_t buffered_bytes() const;
  // The stream ended for good (the container stopped): a last line without a newline is a
  // line. At a rotation this is not called: the piece is read again from the next stream.
  void flush();

 private:
  bool feed_frames(std::string_view bytes);
  void feed_tty(std::string_view bytes);
  void tty_message();
  void message(Stream stream, std::string_view message);
  void content(Stream stream, int64_t ts, std::string_view text, bool complete);
  void emit(Stream stream, int64_t ts, std::string_view text, bool truncated);

  struct Pending {
    std::string text;
    int64_t ts = 0;
    bool active = false;
    bool truncated = false;
  };

  bool tty_;
  size_t max_line_bytes_;
  OnLine on_line_;
  OnError on_error_;
  Pending pending_[2];
  int64_t last_ts_ = 0;

  // Frame state.
  unsigned char header_[8];
  size_t header_have_ = 0;
  size_t frame_left_ = 0;
  Stream frame_stream_ = Stream::out;
  std::string frame_;

  // TTY state: a message is "TIMESTAMP " then up to a newline or piece_bytes of text.
  bool tty_in_text_ = false;
  std::string tty_prefix_;
  std::string tty_text_;
};

}  // namespace docker_source
