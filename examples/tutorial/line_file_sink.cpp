// line_file_sink: a sink that appends each record's line to a file.
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>

#include "sluice/plugin.hpp"
#include "sluice/settings.hpp"

struct LineFileSettings {
  std::optional<std::string> path;
};

class LineFileSink final : public sluice::Sink {
 public:
  static const sluice::SettingsTable<LineFileSettings>& settings_table() {
    static const sluice::SettingsTable<LineFileSettings> table{
        sluice::string("path", &LineFileSettings::path, "the file to append to").required()};
    return table;
  }

  LineFileSink(sluice::Context& ctx, const sluice::Config& cfg)
      : ctx_(ctx), path_(settings_table().read(cfg).path.value_or("")) {}
  ~LineFileSink() override {
    if (file_ != nullptr) std::fclose(file_);  // every descriptor closed by the end
  }

  bool start() override {
    file_ = std::fopen(path_.c_str(), "a");
    if (file_ == nullptr) {
      ctx_.error("cannot open " + path_);
      return false;
    }
    return ctx_.spawn("write", [this](sluice::StopToken) {
      sluice::Batch batch;
      // take answers "stopped" once the inbox is closed and drained: nothing is left behind.
      while (true) {
        auto s = ctx_.take(std::chrono::milliseconds(200), batch);
        if (s == sluice::Status::stopped || s == sluice::Status::error) return;
        if (s == sluice::Status::timeout) continue;
        bool ok = true;
        for (const auto& r : batch) {
          ok = ok && std::fwrite(r.line.data, 1, r.line.size, file_) == r.line.size &&
               std::fputc('\n', file_) != EOF;
        }
        ok = ok && std::fflush(file_) == 0;
        // FAILED: the source will send these records again.
        ctx_.finish(batch, ok ? SLUICE_OUTCOME_DELIVERED : SLUICE_OUTCOME_FAILED);
      }
    });
  }

 private:
  sluice::Context& ctx_;
  std::string path_;
  std::FILE* file_ = nullptr;
};

SLUICE_PLUGIN(LineFileSink, "line_file_sink", "1.0.0", "Appends each line to a file")
