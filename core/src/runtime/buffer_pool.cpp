#include "runtime/buffer_pool.hpp"

#include <cstdlib>
#include <mutex>
#include <new>
#include <vector>

namespace sluice::core {

namespace {

// Each block starts with its capacity, so that release knows whether it may be pooled.
constexpr size_t header = alignof(std::max_align_t);

std::mutex mutex;
std::vector<void*>& pooled() {
  static auto* blocks = new std::vector<void*>();
  return *blocks;
}

}  // namespace

void* BufferPool::allocate(size_t size) {
  size_t capacity = size <= standard_size ? standard_size : size;
  void* raw = nullptr;
  if (capacity == standard_size) {
    std::lock_guard lock(mutex);
    if (!pooled().empty()) {
      raw = pooled().back();
      pooled().pop_back();
    }
  }
  if (raw == nullptr) {
    raw = std::malloc(capacity + header);
    if (raw == nullptr) throw std::bad_alloc();
    *static_cast<size_t*>(raw) = capacity;
  }
  return static_cast<char*>(raw) + header;
}

void BufferPool::release(void* block) {
  if (block == nullptr) return;
  void* raw = static_cast<char*>(block) - header;
  if (*static_cast<size_t*>(raw) == standard_size) {
    std::lock_guard lock(mutex);
    if (pooled().size() < max_pooled) {
      pooled().push_back(raw);
      return;
    }
  }
  std::free(raw);
}

}  // namespace sluice::core
