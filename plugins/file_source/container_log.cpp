#include "container_log.hpp"

#include <simdjson.h>

#include <algorithm>

#include "time_format.hpp"

namespace file_source {
namespace {

// Past this many held bytes the records held leave as they are, finished or not: pieces whose
// last never comes (a runtime that died mid-line) must not hold a file's memory or position
// forever.
constexpr size_t held_bound_lines = 4;

std::optional<Stream> parse_stream(std::string_view s) {
  if (s == "stdout") return Stream::stdout_stream;
  if (s == "stderr") return Stream::stderr_stream;
  return std::nullopt;
}

}  // namespace

const char* stream_name(Stream s) {
  switch (s) {
    case Stream::stdout_stream: return "stdout";
    case Stream::stderr_stream: return "stderr";
    case Stream::none: break;
  }
  return "";
}

std::optional<Piece> parse_cri(std::string_view line) {
  const auto time_end = line.find(' ');
  if (time_end == std::string_view::npos) return std::nullopt;
  auto ts = sluice::plugins::parse_rfc3339_ns(line.substr(0, time_end));
  if (!ts) return std::nullopt;
  line.remove_prefix(time_end + 1);
  const auto stream_end = line.find(' ');
  if (stream_end == std::string_view::npos) return std::nullopt;
  auto stream = parse_stream(line.substr(0, stream_end));
  if (!stream) return std::nullopt;
  line.remove_prefix(stream_end + 1);
  // The tags: colon-separated, the first P (partial) or F (full). The text follows a space;
  // an empty line may end right after the tags.
  const auto tags_end = line.find(' ');
  const auto tags = line.substr(0, tags_end);
  const auto first_tag = tags.substr(0, tags.find(':'));
  if (first_tag != "P" && first_tag != "F") return std::nullopt;
  Piece p;
  p.timestamp_ns = *ts;
  p.stream = *stream;
  p.last = first_tag == "F";
  p.text = tags_end == std::string_view::npos ? std::string_view{} : line.substr(tags_end + 1);
  return p;
}

struct DockerJsonParser::Impl {
  simdjson::dom::parser parser;
  std::vector<char> padded;
};

DockerJsonParser::DockerJsonParser() : impl_(new Impl) {}
DockerJsonParser::~DockerJsonParser() {
  delete impl_;
}

std::optional<Piece> DockerJsonParser::parse(std::string_view line) {
  if (line.empty() || line.front() != '{') return std::nullopt;
  // simdjson reads a little past the end of its input: parse a padded copy.
  auto& padded = impl_->padded;
  if (padded.size() < line.size() + simdjson::SIMDJSON_PADDING) {
    padded.resize(line.size() + simdjson::SIMDJSON_PADDING);
  }
  std::copy(line.begin(), line.end(), padded.begin());
  simdjson::dom::element doc;
  if (impl_->parser.parse(padded.data(), line.size(), false).get(doc) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  std::string_view log, stream_text, time_text;
  if (doc["log"].get_string().get(log) != simdjson::SUCCESS ||
      doc["stream"].get_string().get(stream_text) != simdjson::SUCCESS ||
      doc["time"].get_string().get(time_text) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  auto stream = parse_stream(stream_text);
  auto ts = sluice::plugins::parse_rfc3339_ns(time_text);
  if (!stream || !ts) return std::nullopt;
  Piece p;
  p.timestamp_ns = *ts;
  p.stream = *stream;
  p.last = !log.empty() && log.back() == '\n';
  if (p.last) {
    log.remove_suffix(1);
    if (!log.empty() && log.back() == '\r') log.remove_suffix(1);
  }
  p.text = log;  // in the parser's string buffer, until the next parse
  return p;
}

ContainerLog::ContainerLog(Format format, size_t max_line_bytes)
    : format_(format), max_line_bytes_(max_line_bytes) {}

void ContainerLog::decode(std::string_view line, const OnJoined& on_joined) {
  if (format_ == Format::automatic) {
    if (!line.empty() && line.front() == '{') {
      format_ = Format::docker_json;
    } else if (parse_cri(line)) {
      format_ = Format::cri;
    } else {
      format_ = Format::raw;
    }
  }
  if (format_ == Format::raw) {
    Joined j;
    j.line = line;
    on_joined(j);
    return;
  }
  auto piece = format_ == Format::cri ? parse_cri(line) : json_.parse(line);
  if (!piece) {
    Piece as_is;
    as_is.text = line;
    if (pending_.empty()) {
      Joined j;
      j.line = line;
      j.malformed = true;
      on_joined(j);
      return;
    }
    hold(as_is, true);  // after the records begun before it, in order
  } else if (pending_.empty() && piece->last && piece->text.size() <= max_line_bytes_) {
    // The common case: a whole line, nothing held. No copy.
    Joined j;
    j.timestamp_ns = piece->timestamp_ns;
    j.stream = piece->stream;
    j.line = piece->text;
    on_joined(j);
    return;
  } else {
    hold(*piece, false);
  }
  const bool finished =
      std::all_of(pending_.begin(), pending_.end(), [](const Pending& p) { return p.complete; });
  if (finished) {
    release(on_joined, false);
  } else if (held_bytes_ > held_bound_lines * max_line_bytes_) {
    release(on_joined, true);
  }
}

void ContainerLog::hold(const Piece& p, bool malformed) {
  Pending* record = nullptr;
  if (!malformed) {
    // The unfinished record of this stream, if any: the piece continues it.
    for (auto it = pending_.rbegin(); it != pending_.rend(); ++it) {
      if (!it->complete && it->stream == p.stream) {
        record = &*it;
        break;
      }
    }
  }
  if (record == nullptr) {
    record = &pending_.emplace_back();
    record->timestamp_ns = p.timestamp_ns;
    record->stream = p.stream;
    record->malformed = malformed;
  }
  ++record->pieces;
  const size_t room = max_line_bytes_ - std::min(max_line_bytes_, record->text.size());
  if (p.text.size() > room) record->cut = true;
  const auto kept = p.text.substr(0, room);
  record->text.append(kept);
  held_bytes_ += kept.size();
  record->complete = malformed || p.last;
}

void ContainerLog::release(const OnJoined& on_joined, bool all_as_they_are) {
  for (size_t i = 0; i < pending_.size(); ++i) {
    const auto& p = pending_[i];
    Joined j;
    j.more = i + 1 < pending_.size();
    j.timestamp_ns = p.timestamp_ns;
    j.stream = p.stream;
    j.line = p.text;
    j.pieces = p.pieces;
    j.cut = p.cut;
    j.malformed = p.malformed;
    j.unfinished = all_as_they_are && !p.complete;
    on_joined(j);
  }
  pending_.clear();
  held_bytes_ = 0;
}

void ContainerLog::flush(const OnJoined& on_joined) {
  if (!pending_.empty()) release(on_joined, true);
}

}  // namespace file_source
