// A batch of records owned by the host: its bytes live in a few arenas shared between the
// copies that fan out, and each copy carries one share of the batch's acknowledgement.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "runtime/acknowledgement.hpp"
#include "runtime/buffer_pool.hpp"
#include "sluice/abi.h"

namespace sluice::core {

struct Arena {
  std::vector<std::unique_ptr<char[]>> bytes;  // what was copied
  std::vector<BufferPool::Owned> moved;        // blocks a source handed over at emit
  // Label and metadata arrays the records point into.
  std::vector<std::unique_ptr<sluice_label_t[]>> labels;
};

class Batch {
 public:
  // Copies records (lines, labels, metadata) into one new arena. Consecutive records that
  // point at the same label array share one copy of it. What lies inside one of the blocks
  // given (from BufferPool, now owned by the batch) is moved instead: lines are pointed at
  // where they are, and a record array inside a block becomes the batch's own. Without
  // blocks the arena is sized exactly, in a first pass; with them, what little is left to
  // copy (mostly one label set) goes into small growing chunks in one pass.
  static std::unique_ptr<Batch> copy_of(const sluice_record_t* records, size_t count,
                                        std::shared_ptr<AckState> ack,
                                        const sluice_buffer_t* blocks = nullptr,
                                        size_t block_count = 0);

  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;
  // A copy that is not finished has failed: its source will read the records again.
  ~Batch();

  // A shallow copy for one more downstream: same arenas, its own record list and ack share.
  std::unique_ptr<Batch> share() const;

  // One more share of this batch's acknowledgement, for a processor that holds some of its
  // records past on_process; null when the batch has none to hold.
  std::shared_ptr<AckState> hold() const;
  // A share held from another batch whose records this one now carries: it completes with
  // this copy, and every further copy (share) carries one of its own.
  void carry(std::shared_ptr<AckState> held);

  void keep(const uint8_t* mask, size_t count);
  void replace(const sluice_record_t* records, size_t count);
  void finish(sluice_outcome_t outcome);

  std::span<const sluice_record_t> records() const { return {data_, size_}; }
  size_t size() const { return size_; }
  size_t line_bytes() const;

 private:
  Batch() = default;
  void own(std::vector<sluice_record_t> records);

  std::vector<std::shared_ptr<const Arena>> arenas_;
  sluice_record_t* data_ = nullptr;  // into owned_, or into a block the source handed over
  size_t size_ = 0;
  std::vector<sluice_record_t> owned_;
  std::shared_ptr<AckState> ack_;
  std::vector<std::shared_ptr<AckState>> carried_;
  bool finished_ = false;
};

}  // namespace sluice::core
