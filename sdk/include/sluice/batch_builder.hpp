// Collects a source's records for one emit. Lines, and the record array itself, are written
// straight into blocks the host allocates and takes over at emit, so that they move to the
// engine instead of being copied: a batch costs a few allocations however many records it
// holds.
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
  // chunk: the size of each block of lines; a longer line gets a block of its own size.
  BatchBuilder(const sluice_host_api_t* host, sluice_context_host_ptr ctx,
               size_t chunk = 256 * 1024)
      : host_(host), ctx_(ctx), chunk_(chunk) {}
  BatchBuilder(const BatchBuilder&) = delete;
  BatchBuilder& operator=(const BatchBuilder&) = delete;
  ~BatchBuilder() { release(); }

  // Labels (and metadata) must outlive the emit.
  void add(int64_t timestamp_ns, std::string_view line, const LabelSet& labels,
           const LabelSet* metadata = nullptr) {
    char* at = reserve(line.size());
    if (!line.empty()) std::memcpy(at, line.data(), line.size());
    if (count_ == capacity_) grow_records();
    const bool with_metadata = metadata != nullptr && metadata->size() > 0;
    records_[count_++] = {timestamp_ns,
                          {at, line.size()},
                          labels.data(),
                          labels.size(),
                          with_metadata ? metadata->data() : nullptr,
                          with_metadata ? metadata->size() : 0};
    bytes_ += line.size();
  }
  size_t size() const { return count_; }
  size_t bytes() const { return bytes_; }
  bool empty() const { return count_ == 0; }
  const sluice_record_t* data() const { return records_; }
  const sluice_record_t& operator[](size_t i) const { return records_[i]; }

  // The blocks holding the lines and the records, for callback_emit; the host owns them
  // after the call, and the builder starts afresh (forget()).
  const std::vector<sluice_buffer_t>& buffers() {
    handed_ = blocks_;
    if (records_ != nullptr) handed_.push_back({records_, capacity_ * sizeof(sluice_record_t)});
    return handed_;
  }
  void forget() {
    blocks_.clear();
    handed_.clear();
    records_ = nullptr;
    count_ = capacity_ = bytes_ = used_ = 0;
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
      blocks_.push_back({allocate(size), size});
      used_ = 0;
    }
    char* at = static_cast<char*>(blocks_.back().data) + used_;
    used_ += n;
    return at;
  }
  void grow_records() {
    size_t capacity = capacity_ == 0 ? 4096 : capacity_ * 2;
    auto* grown = static_cast<sluice_record_t*>(allocate(capacity * sizeof(sluice_record_t)));
    if (count_ > 0) std::memcpy(grown, records_, count_ * sizeof(sluice_record_t));
    if (records_ != nullptr) host_->callback_buffer_free(ctx_, records_);
    records_ = grown;
    capacity_ = capacity;
  }
  void* allocate(size_t size) {
    void* block = host_->callback_buffer_alloc(ctx_, size);
    if (block == nullptr) throw std::bad_alloc();
    return block;
  }
  void release() {
    for (const auto& b : blocks_) host_->callback_buffer_free(ctx_, b.data);
    blocks_.clear();
    if (records_ != nullptr) host_->callback_buffer_free(ctx_, records_);
    records_ = nullptr;
  }

  const sluice_host_api_t* host_;
  sluice_context_host_ptr ctx_;
  size_t chunk_;
  std::vector<sluice_buffer_t> blocks_;  // lines
  std::vector<sluice_buffer_t> handed_;  // lines and records, as handed to emit
  sluice_record_t* records_ = nullptr;   // in a block of its own
  size_t count_ = 0;
  size_t capacity_ = 0;
  size_t bytes_ = 0;
  size_t used_ = 0;
};

}  // namespace sluice
