#include "runtime/batch.hpp"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <span>

namespace sluice::core {

namespace {

struct Copier {
  char* next;
  sluice_str_t copy(sluice_str_t s) {
    if (s.size == 0) return {next, 0};
    std::memcpy(next, s.data, s.size);
    sluice_str_t out{next, s.size};
    next += s.size;
    return out;
  }
};

size_t label_bytes(const sluice_label_t* labels, uint32_t count) {
  size_t n = 0;
  for (uint32_t i = 0; i < count; ++i) n += labels[i].name.size + labels[i].value.size;
  return n;
}

// Record arrays are recycled like line blocks: a steady stream then reuses warm memory
// instead of faulting in fresh pages for every batch. Bounded, so memory stays bounded.
constexpr size_t max_pooled_arrays = 64;
constexpr size_t max_pooled_capacity = 1 << 16;
std::mutex array_mutex;
std::vector<std::vector<sluice_record_t>>& array_pool() {
  static auto* pool = new std::vector<std::vector<sluice_record_t>>();
  return *pool;
}

std::vector<sluice_record_t> take_array() {
  std::lock_guard lock(array_mutex);
  if (array_pool().empty()) return {};
  auto array = std::move(array_pool().back());
  array_pool().pop_back();
  return array;
}

void give_back(std::vector<sluice_record_t>&& array) {
  if (array.capacity() == 0 || array.capacity() > max_pooled_capacity) return;
  array.clear();
  std::lock_guard lock(array_mutex);
  if (array_pool().size() < max_pooled_arrays) array_pool().push_back(std::move(array));
}

bool inside(const sluice_str_t& s, const sluice_buffer_t* blocks, size_t count) {
  for (size_t b = 0; b < count; ++b) {
    const char* begin = static_cast<const char*>(blocks[b].data);
    if (s.data >= begin && s.data + s.size <= begin + blocks[b].size) return true;
  }
  return false;
}

}  // namespace

std::unique_ptr<Batch> Batch::copy_of(const sluice_record_t* records, size_t count,
                                      std::shared_ptr<AckState> ack, const sluice_buffer_t* blocks,
                                      size_t block_count) {
  auto arena = std::make_shared<Arena>();
  // Taken first, so that they are freed whatever happens below.
  for (size_t b = 0; b < block_count; ++b) {
    arena->moved.emplace_back(static_cast<char*>(blocks[b].data));
  }
  // First pass: how many bytes and label slots, so that nothing reallocates while pointers
  // into the arena are being handed out.
  size_t bytes = 0;
  size_t label_slots = 0;
  for (size_t i = 0; i < count; ++i) {
    const auto& r = records[i];
    if (block_count == 0 || !inside(r.line, blocks, block_count)) bytes += r.line.size;
    bool shares_labels =
        i > 0 && r.labels == records[i - 1].labels && r.label_count == records[i - 1].label_count;
    if (!shares_labels) {
      bytes += label_bytes(r.labels, r.label_count);
      label_slots += r.label_count;
    }
    bytes += label_bytes(r.metadata, r.metadata_count);
    label_slots += r.metadata_count;
  }
  arena->bytes.reset(new char[bytes > 0 ? bytes : 1]);
  arena->labels.reserve(label_slots);
  Copier c{arena->bytes.get()};

  std::unique_ptr<Batch> batch(new Batch());
  batch->ack_ = std::move(ack);
  // Start from the source's records as they are (adopted where they lie in a block handed
  // over, copied otherwise), then fix up what points outside the blocks.
  const sluice_str_t array{reinterpret_cast<const char*>(records), count * sizeof(sluice_record_t)};
  if (count > 0 && block_count > 0 && inside(array, blocks, block_count)) {
    batch->data_ = const_cast<sluice_record_t*>(records);  // the block is ours now
    batch->size_ = count;
  } else {
    auto owned = take_array();
    owned.assign(records, records + count);
    batch->own(std::move(owned));
  }
  const sluice_label_t* previous = nullptr;
  uint32_t previous_count = 0;
  const sluice_label_t* shared_labels = nullptr;
  for (sluice_record_t& out : std::span<sluice_record_t>(batch->data_, batch->size_)) {
    if (block_count == 0 || !inside(out.line, blocks, block_count)) out.line = c.copy(out.line);
    if (out.label_count == 0) {
      out.labels = nullptr;
    } else {
      if (out.labels != previous || out.label_count != previous_count) {
        previous = out.labels;
        previous_count = out.label_count;
        shared_labels = arena->labels.data() + arena->labels.size();
        for (uint32_t l = 0; l < out.label_count; ++l) {
          arena->labels.push_back({c.copy(previous[l].name), c.copy(previous[l].value)});
        }
      }
      out.labels = shared_labels;
    }
    if (out.metadata_count > 0) {
      const sluice_label_t* from = out.metadata;
      out.metadata = arena->labels.data() + arena->labels.size();
      for (uint32_t m = 0; m < out.metadata_count; ++m) {
        arena->labels.push_back({c.copy(from[m].name), c.copy(from[m].value)});
      }
    } else {
      out.metadata = nullptr;
    }
  }
  batch->arenas_.push_back(std::move(arena));
  return batch;
}

Batch::~Batch() {
  if (!finished_) finish(SLUICE_OUTCOME_FAILED);
  give_back(std::move(owned_));
}

void Batch::own(std::vector<sluice_record_t> records) {
  give_back(std::move(owned_));
  owned_ = std::move(records);
  data_ = owned_.data();
  size_ = owned_.size();
}

std::unique_ptr<Batch> Batch::share() const {
  std::unique_ptr<Batch> copy(new Batch());
  copy->arenas_ = arenas_;
  auto owned = take_array();
  owned.assign(data_, data_ + size_);
  copy->own(std::move(owned));
  copy->ack_ = ack_;
  if (ack_) ack_->add_copies(1);
  copy->carried_ = carried_;
  for (const auto& held : carried_) held->add_copies(1);
  return copy;
}

std::shared_ptr<AckState> Batch::hold() const {
  if (ack_) ack_->add_copies(1);
  return ack_;
}

void Batch::carry(std::shared_ptr<AckState> held) {
  if (held) carried_.push_back(std::move(held));
}

void Batch::keep(const uint8_t* mask, size_t count) {
  size_t n = std::min(count, size_);
  // Compaction starts at the first record dropped: a batch kept whole costs one scan.
  size_t out = 0;
  while (out < n && mask[out] != 0) ++out;
  for (size_t i = out; i < n; ++i) {
    if (mask[i] != 0) data_[out++] = data_[i];
  }
  size_ = out;
}

void Batch::replace(const sluice_record_t* records, size_t count) {
  // The new records may point into this batch's own arenas: copy before letting them go.
  auto fresh = copy_of(records, count, nullptr);
  fresh->finished_ = true;
  own(std::move(fresh->owned_));
  arenas_ = std::move(fresh->arenas_);
}

void Batch::finish(sluice_outcome_t outcome) {
  if (finished_) return;
  finished_ = true;
  if (ack_) ack_->complete(outcome);
  for (const auto& held : carried_) held->complete(outcome);
}

size_t Batch::line_bytes() const {
  size_t n = 0;
  for (const auto& r : records()) n += r.line.size;
  return n;
}

}  // namespace sluice::core
