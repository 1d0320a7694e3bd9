// json_parser: lifts fields of JSON lines into labels and metadata, and optionally sets the
// line and the time from fields.
#include <simdjson.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "extraction.hpp"
#include "json_repair.hpp"
#include "sluice/batch_editor.hpp"
#include "sluice/plugin.hpp"
#include "sluice/settings.hpp"
#include "throttled_warning.hpp"

namespace {

using sluice::plugins::TimestampSetting;

// "a.b.0" names the same value as the JSON pointer "/a/b/0"; a path that starts with '/' is
// a JSON pointer already (for keys that hold dots).
std::string to_pointer(const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  std::string out = "/";
  for (char c : path) {
    if (c == '.') {
      out += '/';
    } else if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

struct Field {
  std::string name;
  std::string pointer;
};

std::vector<Field> fields(const std::vector<std::pair<std::string, std::string>>& targets) {
  std::vector<Field> out;
  out.reserve(targets.size());
  for (const auto& [name, path] : targets) out.push_back({name, to_pointer(path)});
  return out;
}

// Lines longer than this are parsed by a parser of their own, freed after: the steady one
// keeps the memory of ordinary lines only.
constexpr size_t big_line = 1 << 20;

struct Settings {
  std::vector<std::pair<std::string, std::string>> labels, metadata;
  std::optional<std::string> line;
  sluice::plugins::TimestampConfig timestamp;
};

class JsonParser final : public sluice::Processor {
 public:
  static const sluice::SettingsTable<Settings>& settings_table() {
    static const sluice::SettingsTable<Settings> table{
        sluice::plugins::label_targets(&Settings::labels, "field"),
        sluice::plugins::metadata_targets(&Settings::metadata, "field"),
        sluice::string("line", &Settings::line, "replace the line with this field")
            .hint({"message_key", "log_key"}),
        sluice::plugins::timestamp_section(&Settings::timestamp),
    };
    return table;
  }

  JsonParser(sluice::Context& ctx, const sluice::Config& cfg)
      : JsonParser(ctx, settings_table().read(cfg)) {}
  JsonParser(sluice::Context& ctx, const Settings& s)
      : ctx_(ctx),
        labels_(fields(sluice::plugins::with_sources(s.labels))),
        metadata_(fields(sluice::plugins::with_sources(s.metadata))),
        timestamp_(sluice::plugins::resolve_timestamp(s.timestamp)),
        invalid_(ctx.counter("sluice_json_invalid_lines_total",
                             "Lines that were not a JSON object or array, passed on unchanged.")),
        repaired_(ctx.counter("sluice_json_repaired_lines_total",
                              "Lines parsed after numbers beyond 64 bits were kept as their "
                              "text, or lone surrogates and bytes not UTF-8 made U+FFFD.")),
        counts_(ctx) {
    if (s.line) line_ = to_pointer(*s.line);
    if (timestamp_) time_pointer_ = to_pointer(timestamp_->source);
  }

  bool process(sluice::Batch& batch) override {
    uint64_t invalid = 0, repaired_lines = 0;
    for (const sluice_record_t& r : batch) {
      editor_.add(r);
      std::string_view line(r.line.data, r.line.size);
      std::unique_ptr<simdjson::dom::parser> own;
      simdjson::dom::parser& parser =
          line.size() > big_line ? *(own = std::make_unique<simdjson::dom::parser>()) : parser_;
      simdjson::dom::element doc;
      auto error = parse(parser, line, doc);
      if (repairable(error)) {
        // Valid JSON that simdjson cannot hold as it is: parse a repaired copy instead.
        if (auto repaired = json_parser::repair_json(line)) {
          error = parse(parser, *repaired, doc);
          if (error == simdjson::SUCCESS) ++repaired_lines;
        }
      }
      if (error == simdjson::SUCCESS && !doc.is_object() && !doc.is_array()) {
        error = simdjson::INCORRECT_TYPE;
      }
      if (error != simdjson::SUCCESS) {
        ++invalid;
        warning_.warn(ctx_, std::string("a line is not a JSON object (") +
                                simdjson::error_message(error) +
                                "), passed on unchanged: " + sluice::plugins::excerpt(line));
        continue;
      }
      for (const auto& f : labels_) {
        if (lookup(doc, f.pointer)) {
          editor_.set_label(f.name, text_);
        } else {
          ++counts_.missing;
        }
      }
      for (const auto& f : metadata_) {
        if (lookup(doc, f.pointer)) {
          editor_.set_metadata(f.name, text_);
        } else {
          ++counts_.missing;
        }
      }
      if (timestamp_) {
        if (!lookup(doc, time_pointer_)) {
          ++counts_.missing;
        } else if (auto ns = timestamp_->format.read(text_)) {
          editor_.set_timestamp(*ns);
        } else {
          ++counts_.bad_time;
        }
      }
      if (line_) {
        if (lookup(doc, *line_)) {
          editor_.set_line(text_);
        } else {
          ++counts_.missing;
        }
      }
    }
    editor_.commit(batch);
    if (invalid) invalid_.add(static_cast<double>(invalid));
    if (repaired_lines) repaired_.add(static_cast<double>(repaired_lines));
    counts_.publish();
    return true;
  }

 private:
  static bool repairable(simdjson::error_code error) {
    return error == simdjson::NUMBER_ERROR || error == simdjson::NUMBER_OUT_OF_RANGE ||
           error == simdjson::STRING_ERROR || error == simdjson::UTF8_ERROR;
  }

  // simdjson reads a little past the end of its input: parse a padded copy.
  simdjson::error_code parse(simdjson::dom::parser& parser, std::string_view line,
                             simdjson::dom::element& doc) {
    if (padded_.size() < line.size() + simdjson::SIMDJSON_PADDING) {
      padded_.resize(line.size() + simdjson::SIMDJSON_PADDING);
    }
    std::copy(line.begin(), line.end(), padded_.begin());
    auto result = parser.parse(padded_.data(), line.size(), false);
    if (line.size() > big_line) padded_ = std::vector<char>();
    return result.get(doc);
  }

  // The value at pointer into text_: a string as its text, anything else as compact JSON.
  bool lookup(simdjson::dom::element doc, const std::string& pointer) {
    simdjson::dom::element value;
    if (doc.at_pointer(pointer).get(value) != simdjson::SUCCESS) return false;
    std::string_view s;
    if (value.get_string().get(s) == simdjson::SUCCESS) {
      text_.assign(s);
    } else {
      text_ = simdjson::minify(value);
    }
    return true;
  }

  const sluice::Context& ctx_;
  std::vector<Field> labels_, metadata_;
  std::optional<TimestampSetting> timestamp_;
  std::string time_pointer_;
  std::optional<std::string> line_;
  sluice::Metric invalid_, repaired_;
  sluice::plugins::FieldCounts counts_;
  sluice::plugins::ThrottledWarning warning_;
  simdjson::dom::parser parser_;
  std::vector<char> padded_;
  std::string text_;
  sluice::BatchEditor editor_;
};

}  // namespace

SLUICE_PLUGIN(JsonParser, "json_parser", "1.0.0",
              "Lifts fields of JSON lines into labels and metadata, and sets the line and time")
