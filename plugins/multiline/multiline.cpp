// multiline: joins continuation lines into the record that started them, per stream. What a
// stream has not finished stays held (its batches' acknowledgements too) until a line starts
// the next record, a limit is reached, or flush_after passes.
#include <re2/re2.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "modes.hpp"
#include "sluice/plugin.hpp"
#include "sluice/settings.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using Pairs = std::vector<std::pair<std::string, std::string>>;

std::string_view view(sluice_str_t s) {
  return {s.data, s.size};
}

Pairs copy(const sluice_label_t* labels, uint32_t count) {
  Pairs out;
  out.reserve(count);
  for (uint32_t i = 0; i < count; ++i)
    out.emplace_back(view(labels[i].name), view(labels[i].value));
  return out;
}

sluice::LabelSet reason(const char* why) {
  return sluice::LabelSet{{"reason", why}};
}

// A record being joined: the first line's time, labels and metadata, and every line so far.
struct Group {
  int64_t timestamp_ns = 0;
  Pairs labels, metadata;
  std::string text;
  size_t lines = 0;
  uint64_t seq = 0;  // the order groups started in, so flushes keep it
  Clock::time_point last_line;
  bool in_current = false;          // holds lines of the batch being processed
  std::vector<sluice::Hold> holds;  // the earlier batches it holds lines of
};

struct Settings {
  std::string mode;
  std::optional<std::string> start_pattern, continue_pattern;
  size_t max_lines = 0;
  size_t max_bytes = 0;
  std::chrono::milliseconds flush_after;
  std::vector<std::string> stream_labels;
};

class Multiline final : public sluice::Processor {
 public:
  static const sluice::SettingsTable<Settings>& settings_table() {
    using S = Settings;
    using namespace std::chrono_literals;
    static const sluice::SettingsTable<Settings> table{
        sluice::string("mode", &S::mode, "custom",
                       "a ready-made pattern (`java`, `python`, `go`), or your own (`custom`)")
            .check(
                [](const S& s) {
                  return s.mode == "custom" || multiline::continue_pattern_of(s.mode)
                             ? std::string()
                             : "unknown mode '" + s.mode + "': expected custom, java, python or go";
                },
                "custom, java, python or go")
            .hint({"parser", "multiline.parser"}),
        sluice::string("start_pattern", &S::start_pattern,
                       "`custom`: an RE2 expression; a line that matches starts a new record, "
                       "others continue it")
            .hint({"firstline", "regex"}),
        sluice::string("continue_pattern", &S::continue_pattern,
                       "`custom`: an RE2 expression; a line that matches continues the record "
                       "before it, others start one")
            .hint({"condition_pattern", "cont"}),
        sluice::integer("max_lines", &S::max_lines, size_t{500},
                        "a record with this many lines is sent on; the next line starts a new "
                        "one")
            .at_least(1),
        sluice::integer("max_bytes", &S::max_bytes, size_t{256 * 1024},
                        "the same, in bytes (a single longer line is passed whole)")
            .at_least(1)
            .hint({"buffer_limit"}),
        sluice::duration("flush_after", &S::flush_after, 2s,
                         "send on a record whose stream has been quiet this long")
            .hint({"flush_timeout", "max_wait_time", "timeout_ms"}),
        sluice::strings("stream_labels", &S::stream_labels,
                        "the labels whose values tell streams apart (none: all labels)")
            .hint({"identifier"}),
    };
    return table;
  }

  static constexpr bool holds_records = true;

  Multiline(sluice::Context& ctx, const sluice::Config& cfg)
      : ctx_(ctx),
        joined_(ctx.counter("sluice_multiline_joined_lines_total",
                            "Lines joined into the record before them.")),
        by_limit_(ctx.counter("sluice_multiline_flushed_total",
                              "Records sent on before a line started the next one, by reason.",
                              reason("limit"))),
        by_time_(ctx.counter("sluice_multiline_flushed_total",
                             "Records sent on before a line started the next one, by reason.",
                             reason("flush_after"))),
        open_(ctx.gauge("sluice_multiline_open_records", "Records still being joined.")) {
    const Settings settings = settings_table().read(cfg);
    const std::string& mode = settings.mode;
    const auto& start = settings.start_pattern;
    auto cont = settings.continue_pattern;
    max_lines_ = settings.max_lines;
    max_bytes_ = settings.max_bytes;
    flush_after_ = settings.flush_after;
    stream_labels_ = settings.stream_labels;
    if (!ctx.can_hold()) {
      cfg.error(nullptr, "multiline needs an engine of plugin ABI 1.2 or later");
      return;
    }
    if (mode != "custom") {
      if (start || cont) {
        cfg.error("mode", "mode '" + mode +
                              "' brings its own pattern: drop start_pattern and "
                              "continue_pattern, or use mode: custom");
        return;
      }
      cont = multiline::continue_pattern_of(mode);
      if (!cont) {
        return;  // the table refused it
      }
    } else if (start.has_value() == cont.has_value()) {
      cfg.error(nullptr,
                "give one of start_pattern (a line that begins a record) or "
                "continue_pattern (a line that continues one)");
      return;
    }
    RE2::Options options;
    options.set_log_errors(false);
    starts_ = start.has_value();
    const char* key = starts_ ? "start_pattern" : "continue_pattern";
    regex_ = std::make_unique<RE2>(starts_ ? *start : *cont, options);
    if (!regex_->ok())
      cfg.error(mode == "custom" ? key : "mode", "invalid RE2 pattern: " + regex_->error());
  }

  ~Multiline() override {
    // Whatever is still held was never sent on: its sources read it again.
    for (auto& [key, g] : streams_) {
      for (auto& h : g.holds) h.release(SLUICE_OUTCOME_FAILED);
    }
  }

  bool process(sluice::Batch& batch) override {
    auto now = Clock::now();
    uint64_t joined = 0, by_limit = 0;
    for (const sluice_record_t& r : batch) {
      std::string_view line = view(r.line);
      std::string key = stream_key(r);
      auto it = streams_.find(key);
      if (it != streams_.end()) {
        Group& g = it->second;
        bool fits = g.lines < max_lines_ && g.text.size() + 1 + line.size() <= max_bytes_;
        bool continuing = continues(line);
        if (continuing && fits) {
          g.text += '\n';
          g.text.append(line);
          ++g.lines;
          g.last_line = now;
          g.in_current = true;
          ++joined;
          continue;
        }
        if (continuing) ++by_limit;
        done_.push_back(std::move(g));
        streams_.erase(it);
      }
      Group& g = streams_[key];
      g.timestamp_ns = r.timestamp_ns;
      g.labels = copy(r.labels, r.label_count);
      g.metadata = copy(r.metadata, r.metadata_count);
      g.text.assign(line);
      g.lines = 1;
      g.seq = ++seq_;
      g.last_line = now;
      g.in_current = true;
    }
    // What stays open holds lines of this batch: keep its acknowledgement open for them.
    for (auto& [key, g] : streams_) {
      if (!g.in_current) continue;
      g.in_current = false;
      g.holds.push_back(ctx_.hold(batch));
    }
    send(batch);
    if (joined) joined_.add(static_cast<double>(joined));
    if (by_limit) by_limit_.add(static_cast<double>(by_limit));
    open_.set(static_cast<double>(streams_.size()));
    return true;
  }

  bool flush(sluice::Batch& batch, bool final) override {
    auto now = Clock::now();
    uint64_t by_time = 0;
    for (auto it = streams_.begin(); it != streams_.end();) {
      if (final || now - it->second.last_line >= flush_after_) {
        if (!final) ++by_time;
        done_.push_back(std::move(it->second));
        it = streams_.erase(it);
      } else {
        ++it;
      }
    }
    std::sort(done_.begin(), done_.end(),
              [](const Group& a, const Group& b) { return a.seq < b.seq; });
    send(batch);
    if (by_time) by_time_.add(static_cast<double>(by_time));
    open_.set(static_cast<double>(streams_.size()));
    return true;
  }

 private:
  bool continues(std::string_view line) const {
    bool match = RE2::PartialMatch(re2::StringPiece(line.data(), line.size()), *regex_);
    return starts_ ? !match : match;
  }

  // Records with the same values of the stream labels (all labels by default) are one stream.
  std::string stream_key(const sluice_record_t& r) const {
    std::string key;
    sluice::RecordView v{r};
    if (stream_labels_.empty()) {
      for (uint32_t i = 0; i < r.label_count; ++i) {
        key.append(view(r.labels[i].name)).append(1, '\0');
        key.append(view(r.labels[i].value)).append(1, '\0');
      }
      return key;
    }
    for (const auto& name : stream_labels_) key.append(v.label(name)).append(1, '\0');
    return key;
  }

  // The finished records replace the batch's, and carry what their groups held.
  void send(sluice::Batch& batch) {
    records_.clear();
    labels_.clear();
    labels_.reserve(done_.size() * 2);
    for (const Group& g : done_) {
      auto& l = labels_.emplace_back();
      for (const auto& [n, v] : g.labels) l.push_back({sluice::str(n), sluice::str(v)});
      auto& m = labels_.emplace_back();
      for (const auto& [n, v] : g.metadata) m.push_back({sluice::str(n), sluice::str(v)});
      records_.push_back({g.timestamp_ns, sluice::str(g.text), l.data(),
                          static_cast<uint32_t>(l.size()), m.data(),
                          static_cast<uint32_t>(m.size())});
    }
    batch.replace(records_);
    for (Group& g : done_) {
      for (auto& h : g.holds) h.attach(batch);
    }
    done_.clear();
  }

  const sluice::Context& ctx_;
  sluice::Metric joined_, by_limit_, by_time_, open_;
  std::unique_ptr<RE2> regex_;
  bool starts_ = false;
  size_t max_lines_ = 500, max_bytes_ = 256 * 1024;
  std::chrono::milliseconds flush_after_{2000};
  std::vector<std::string> stream_labels_;
  std::unordered_map<std::string, Group> streams_;
  std::vector<Group> done_;
  uint64_t seq_ = 0;
  std::vector<sluice_record_t> records_;
  std::vector<std::vector<sluice_label_t>> labels_;
};

}  // namespace

SLUICE_PLUGIN(Multiline, "multiline", "1.0.0",
              "Joins continuation lines (stack traces) into the record that started them")
