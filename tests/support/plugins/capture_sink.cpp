// capture_sink (tests only): appends each record's line to a file and can be told to be slow,
// to fail batches, or to reject them, so that tests can account for every record.
#include <chrono>
#include <cstdio>
#include <string>

#include "sluice/plugin.hpp"

namespace {

class CaptureSink final : public sluice::Sink {
 public:
  CaptureSink(sluice::Context& ctx, const sluice::Config& cfg) : ctx_(ctx) {
    auto path = cfg.string("path");
    if (!path) cfg.error(nullptr, "missing 'path'");
    path_ = path.value_or("");
    delay_ = cfg.duration("delay", std::chrono::milliseconds(0));
    fail_if_ = cfg.string("fail_if_contains", "");
    reject_if_ = cfg.string("reject_if_contains", "");
    with_labels_ = cfg.boolean("with_labels", false);
    escape_newlines_ = cfg.boolean("escape_newlines", false);
  }

  bool start() override {
    file_ = std::fopen(path_.c_str(), "a");
    if (file_ == nullptr) {
      ctx_.error("cannot open " + path_);
      return false;
    }
    return ctx_.spawn("capture", [this](sluice::StopToken stop) { run(stop); });
  }
  ~CaptureSink() override {
    if (file_ != nullptr) std::fclose(file_);
  }

 private:
  void run(const sluice::StopToken& stop) {
    sluice::Batch batch;
    while (true) {
      auto s = ctx_.take(std::chrono::milliseconds(100), batch);
      if (s == sluice::Status::stopped || s == sluice::Status::error) break;
      if (s == sluice::Status::timeout) continue;
      bool fail = false, reject = false;
      for (const auto& r : batch) {
        std::string_view line = sluice::RecordView{r}.line();
        if (!fail_if_.empty() && line.find(fail_if_) != std::string_view::npos) fail = true;
        if (!reject_if_.empty() && line.find(reject_if_) != std::string_view::npos) reject = true;
      }
      if (fail) {
        ctx_.finish(batch, SLUICE_OUTCOME_FAILED, "told to fail");
        continue;
      }
      if (reject) {
        ctx_.finish(batch, SLUICE_OUTCOME_REJECTED, "told to reject");
        continue;
      }
      for (const auto& r : batch) {
        // A joined record (multiline) stays one line of the file, with \n written as \\n.
        for (size_t i = 0; escape_newlines_ && i < r.line.size; ++i) {
          if (r.line.data[i] == '\n') {
            std::fputs("\\n", file_);
          } else {
            std::fputc(r.line.data[i], file_);
          }
        }
        if (!escape_newlines_) std::fwrite(r.line.data, 1, r.line.size, file_);
        // " | name=value ..." after the line, for tests of what processors made of it.
        if (with_labels_) {
          std::fputs(" |", file_);
          for (uint32_t i = 0; i < r.label_count; ++i) {
            std::fprintf(file_, " %.*s=%.*s", static_cast<int>(r.labels[i].name.size),
                         r.labels[i].name.data, static_cast<int>(r.labels[i].value.size),
                         r.labels[i].value.data);
          }
        }
        std::fputc('\n', file_);
      }
      std::fflush(file_);
      // Slow to acknowledge, after the write: a test can see the batch has arrived.
      if (delay_.count() > 0 && stop.wait_for(delay_)) {
        ctx_.finish(batch, SLUICE_OUTCOME_FAILED, "stopped");
        break;
      }
      ctx_.finish(batch, SLUICE_OUTCOME_DELIVERED);
    }
  }

  sluice::Context& ctx_;
  std::string path_;
  std::chrono::milliseconds delay_{0};
  std::string fail_if_, reject_if_;
  bool with_labels_ = false;
  bool escape_newlines_ = false;
  std::FILE* file_ = nullptr;
};

}  // namespace

SLUICE_PLUGIN(CaptureSink, "capture_sink", "1.0.0", "Tests only: writes lines to a file")
