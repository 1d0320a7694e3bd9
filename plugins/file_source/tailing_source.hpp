// A source that tails files: file_source, and the sources built on it, which differ in how
// their settings are read and how each file is described. It starts the reading and the
// saving of positions, and turns acknowledgements into positions.
#pragma once

#include <atomic>
#include <memory>

#include "settings.hpp"
#include "sluice/plugin.hpp"
#include "tailer.hpp"

namespace file_source {

class TailingSource : public sluice::Source {
 public:
  // settings must outlive the source: it is the derived source's own.
  TailingSource(sluice::Context& ctx, const Settings& settings)
      : ctx_(ctx), settings_(settings), metrics_(ctx) {}
  // Acknowledgements keep coming after stop, while the sinks drain: the positions they move
  // are saved once more here, when no more can come, so a restart or a successor after a
  // reload does not read those records again.
  ~TailingSource() override {
    if (tailer_) tailer_->save();
  }

  bool start() override {
    tailer_ = std::make_unique<Tailer>(ctx_, settings_, metrics_, positions_, next_cookie_);
    if (!tailer_->load()) {
      tailer_.reset();  // nothing read, so nothing to save over the file it refused
      return false;
    }
    // Positions are saved by a thread of their own: the reading thread may wait a long time
    // for room downstream while acknowledgements keep coming.
    return ctx_.spawn("file-tail", [this](sluice::StopToken stop) { tailer_->run(stop); }) &&
           ctx_.spawn("file-positions", [this](sluice::StopToken stop) {
             while (!stop.wait_for(settings_.sync_interval)) tailer_->save();
           });
  }

  // A rejection is final: it would be refused again. A failure (a sink giving up, or the
  // engine stopping before it was delivered) holds its files' positions before it, so the
  // next start, or a successor after a reload, reads it again rather than losing it.
  void on_ack(uint64_t cookie, sluice_outcome_t outcome) override {
    if (outcome != SLUICE_OUTCOME_FAILED) {
      positions_.acknowledged(cookie);
    } else if (positions_.failed(cookie) > 0) {
      ctx_.warn(
          "a batch was not delivered: its files' positions stay before it, and it is "
          "read again at the next start");
    }
  }

 private:
  sluice::Context& ctx_;
  const Settings& settings_;
  Metrics metrics_;
  Positions positions_;
  std::unique_ptr<Tailer> tailer_;
  std::atomic<uint64_t> next_cookie_{1};
};

}  // namespace file_source
