// prefixer: a processor written against the SDK's C++ layer alone. It puts a fixed prefix
// before every line.
#include <string>
#include <vector>

#include "sluice/plugin.hpp"

namespace {

class Prefixer final : public sluice::Processor {
 public:
  // Every key is read here; a key nobody reads is reported to the user as unknown.
  Prefixer(sluice::Context&, const sluice::Config& cfg) : prefix_(cfg.string("prefix", "> ")) {
    if (prefix_.size() > 1024) cfg.error("prefix", "must be at most 1024 bytes");
  }

  bool process(sluice::Batch& batch) override {
    lines_.clear();
    records_.clear();
    lines_.reserve(batch.size());
    for (const auto& r : batch) lines_.push_back(prefix_ + std::string(r.line.data, r.line.size));
    size_t i = 0;
    for (const auto& r : batch) {
      sluice_record_t copy = r;
      copy.line = sluice::str(lines_[i++]);
      records_.push_back(copy);
    }
    batch.replace(records_);  // the engine copies what it is given
    return true;
  }

 private:
  std::string prefix_;
  std::vector<std::string> lines_;
  std::vector<sluice_record_t> records_;
};

}  // namespace

SLUICE_PLUGIN(Prefixer, "prefixer", "1.0.0", "Puts a prefix before every line")
