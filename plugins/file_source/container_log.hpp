// The log files container runtimes write, decoded: the CRI format of containerd and CRI-O
// (`<RFC3339Nano time> <stdout|stderr> <P|F> <text>`) and dockerd's json-file driver
// (`{"log":"...","stream":"stdout","time":"..."}`), whose lines a runtime splits into pieces
// (at 16 KiB): a `P` piece, or a `log` without its closing newline, is continued by the next
// piece of the same stream, up to the last (`F`, or a `log` ending in a newline).
//
// One ContainerLog per file joins the pieces back into records. Records leave in the order
// their first pieces were written, and only when no record is left unfinished: the file's
// position after them then lies between whole records, so a restart never reads half a line
// and never repeats one, even when stdout's and stderr's pieces interleave.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace file_source {

enum class Format { raw, cri, docker_json, automatic };

enum class Stream { none, stdout_stream, stderr_stream };
const char* stream_name(Stream s);

// One decoded line of a container log: a piece of a record, or all of it.
struct Piece {
  int64_t timestamp_ns = 0;
  Stream stream = Stream::none;
  std::string_view text;  // valid until the next decode
  bool last = true;       // F, or a json-file `log` that ends in a newline (not in text)
};

// Decoders of one line each; nothing when the line is not of the format.
std::optional<Piece> parse_cri(std::string_view line);
class DockerJsonParser {
 public:
  DockerJsonParser();
  ~DockerJsonParser();
  DockerJsonParser(const DockerJsonParser&) = delete;
  DockerJsonParser& operator=(const DockerJsonParser&) = delete;
  std::optional<Piece> parse(std::string_view line);

 private:
  struct Impl;
  Impl* impl_;
};

// What leaves the joiner: a record, with how it was made.
struct Joined {
  int64_t timestamp_ns = 0;  // the first piece's; 0 for a line that is not of the format
  Stream stream = Stream::none;
  std::string_view line;
  size_t pieces = 1;
  bool cut = false;         // longer than max_line_bytes: cut to that length
  bool malformed = false;   // not of the format: passed on as it is
  bool unfinished = false;  // its last piece never came (flushed at close, or past the bound)
  bool more = false;        // another record of the same group follows at once
};
using OnJoined = std::function<void(const Joined&)>;

class ContainerLog {
 public:
  // format: cri, docker_json, or automatic (decided by the file's first line: `{` opens
  // json-file, a CRI line means CRI, anything else is read as plain lines).
  ContainerLog(Format format, size_t max_line_bytes);

  // One line of the file, without its newline.
  void decode(std::string_view line, const OnJoined& on_joined);
  // Everything held leaves as it is (the file is closed, or gave no line for long).
  void flush(const OnJoined& on_joined);
  // Pieces are held: the file is not between whole records.
  bool holding() const { return !pending_.empty(); }
  Format format() const { return format_; }

 private:
  struct Pending {
    int64_t timestamp_ns = 0;
    Stream stream = Stream::none;
    std::string text;
    size_t pieces = 0;
    bool complete = false;
    bool cut = false;
    bool malformed = false;
  };
  void hold(const Piece& p, bool malformed);
  void release(const OnJoined& on_joined, bool all_as_they_are);

  Format format_;
  size_t max_line_bytes_;
  DockerJsonParser json_;
  std::vector<Pending> pending_;
  size_t held_bytes_ = 0;
};

}  // namespace file_source
