// The blocks sources write their lines into (callback_buffer_alloc). Blocks of the standard
// size are recycled, so that a steady stream of batches reuses warm memory instead of asking
// the system for fresh pages each time; the pool keeps a bounded number, so memory stays
// bounded too.
#pragma once

#include <cstddef>
#include <memory>

namespace sluice::core {

class BufferPool {
 public:
  static constexpr size_t standard_size = 256 * 1024;
  static constexpr size_t max_pooled = 32;  // 8 MiB kept at most

  static void* allocate(size_t size);
  static void release(void* block);

  struct Deleter {
    void operator()(char* block) const { release(block); }
  };
  using Owned = std::unique_ptr<char, Deleter>;
};

}  // namespace sluice::core
