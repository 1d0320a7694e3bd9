// Collects a source's records for one emit. Lines are written straight into blocks the host
// allocates and takes over at emit, so that their bytes are moved to the engine, not copied:
// a batch costs a few allocations however many records it holds.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <new>
#include <string_view>
#include <vector>

#include "sluice/abi.h"
#include "sluice/records.hpp"

namespace sluice {

class BatchBuilder {
 public:
  // chunk: the size of each block; a longer line gets a block of its own size.
  BatchBuilder(const sluice_host_api_t* host, sluice_context_host_ptr ctx,
               size_t chunk = 256 * 1024)
      : host_(host), ctx_(ctx), chunk_(chunk) {}
  BatchBuilder(const BatchBuilder&) = delete;
  BatchBuilder& operator=(const BatchBuilder&) = delete;
  ~BatchBuilder() { release(); }

  // Labels must outlive the emit.
  void add(int64_t timestamp_ns, std::string_view line, const LabelSet& labels) {
    char* at = reserve(line.size());
    if (!line.empty()) std::memcpy(at, line.data(), line.size());
    records_.push_back({timestamp_ns, {at, line.size()}, labels.data(), labels.size(), nullptr, 0});
    bytes_ += line.size();
  }
  size_t size() const { return records_.size(); }
  size_t bytes() const { return bytes_; }
  bool empty() const { return records_.empty(); }
  const std::vector<sluice_record_t>& records() const { return records_; }

  // The blocks holding the lines, for callback_emit; the host owns them after the call, and
  // the builder starts afresh (forget()).
  const std::vector<sluice_buffer_t>& buffers() const { return blocks_; }
  void forget() {
    blocks_.clear();
    records_.clear();
    bytes_ = 0;
    used_ = 0;
  }
  // Drops the records without emitting them; the blocks go back to the host.
  void clear() {
    release();
    forget();
  }

 private:
  char* reserve(size_t n) {
    if (blocks_.empty() || blocks_.back().size - used_ < n) {
      size_t size = std::max(chunk_, n);
      void* block = host_->callback_buffer_alloc(ctx_, size);
      if (block == nullptr) throw std::bad_alloc();
      blocks_.push_back({block, size});
      used_ = 0;
    }
    char* at = static_cast<char*>(blocks_.back().data) + used_;
    used_ += n;
    return at;
  }
  void release() {
    for (const auto& b : blocks_) host_->callback_buffer_free(ctx_, b.data);
    blocks_.clear();
  }

  const sluice_host_api_t* host_;
  sluice_context_host_ptr ctx_;
  size_t chunk_;
  std::vector<sluice_buffer_t> blocks_;
  std::vector<sluice_record_t> records_;
  size_t bytes_ = 0;
  size_t used_ = 0;
};

}  // namespace sluice
