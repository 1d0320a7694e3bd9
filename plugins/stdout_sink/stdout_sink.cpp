// stdout_sink: writes each record as one line on standard output, and acknowledges a batch
// once all of it has been written.
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>

#include "record_format.hpp"
#include "sluice/plugin.hpp"
#include "sluice/settings.hpp"

namespace {

struct Settings {
  Format format;
};

class StdoutSink final : public sluice::Sink {
 public:
  static const sluice::SettingsTable<Settings>& settings_table() {
    static const sluice::SettingsTable<Settings> table{sluice::choice(
        "format", &Settings::format, {{"text", Format::text}, {"json", Format::json}}, "text",
        "the line format: the time, labels and line as text, or one JSON object per record")};
    return table;
  }

  StdoutSink(sluice::Context& ctx, const sluice::Config& cfg) : ctx_(ctx) {
    format_ = settings_table().read(cfg).format;
    write_errors_ = ctx.counter("sluice_stdout_write_errors_total",
                                "Batches that could not be written to standard output.");
  }

  bool start() override {
    return ctx_.spawn("writer", [this](sluice::StopToken stop) { run(stop); });
  }

 private:
  void run(const sluice::StopToken& stop) {
    std::string out;
    sluice::Batch batch;
    while (true) {
      auto s = ctx_.take(std::chrono::milliseconds(250), batch);
      if (s == sluice::Status::stopped || s == sluice::Status::error) break;
      if (s == sluice::Status::timeout) continue;
      out.clear();
      for (const auto& r : batch) append_record(r, format_, out);
      if (write_all(out, stop)) {
        ctx_.finish(batch, SLUICE_OUTCOME_DELIVERED);
      } else {
        write_errors_.add();
        ctx_.finish(batch, SLUICE_OUTCOME_FAILED, "write to standard output failed");
      }
    }
  }

  // A write error is reported once per kind of error in a row, not once per batch.
  bool write_all(const std::string& data, const sluice::StopToken& stop) {
    size_t done = 0;
    while (done < data.size()) {
      ssize_t n = ::write(STDOUT_FILENO, data.data() + done, data.size() - done);
      if (n > 0) {
        done += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR && !stop.requested()) continue;
      int err = errno;
      if (err == EPIPE) {
        // Its reader has gone (`sluice run | head`): nothing written from now on can arrive,
        // so the run ends, as a Unix tool's would, rather than fail every batch forever.
        if (!ended_run_) {
          ended_run_ = true;
          ctx_.end_run(
              "standard output was closed by its reader; what was not written "
              "stays unacknowledged, for the next start to read again");
        }
      } else if (err != last_errno_) {
        ctx_.error(std::string("cannot write to standard output: ") + std::strerror(err));
      }
      last_errno_ = err;
      return false;
    }
    last_errno_ = 0;
    return true;
  }

  sluice::Context& ctx_;
  Format format_ = Format::text;
  sluice::Metric write_errors_;
  int last_errno_ = 0;
  bool ended_run_ = false;
};

}  // namespace

SLUICE_PLUGIN(StdoutSink, "stdout_sink", "1.0.0",
              "Writes records to standard output as text or JSON lines")
