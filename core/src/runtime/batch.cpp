#include "runtime/batch.hpp"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <span>

namespace sluice::core {

namespace {

// Hands out room in an arena: in one exact chunk when the caller has counted what it needs
// (reserve), otherwise in chunks that double, so that a pass that cannot count first wastes
// at most as much as it used.
class ArenaWriter {
 public:
  explicit ArenaWriter(Arena& arena) : arena_(arena) {}

  void reserve(size_t bytes, size_t labels) {
    if (bytes > 0) grow_bytes(bytes, bytes);
    if (labels > 0) grow_labels(labels, labels);
  }
  sluice_str_t copy(sluice_str_t s) {
    // Never null, even empty: a plugin may pass it to memcpy.
    if (s.size == 0) return {"", 0};
    if (s.size > bytes_left_) grow_bytes(s.size, std::max<size_t>(1024, 2 * last_bytes_));
    char* at = next_byte_;
    std::memcpy(at, s.data, s.size);
    next_byte_ += s.size;
    bytes_left_ -= s.size;
    return {at, s.size};
  }
  const sluice_label_t* copy(const sluice_label_t* from, uint32_t count) {
    if (count > labels_left_) grow_labels(count, std::max<size_t>(16, 2 * last_labels_));
    sluice_label_t* out = next_label_;
    for (uint32_t i = 0; i < count; ++i) out[i] = {copy(from[i].name), copy(from[i].value)};
    next_label_ += count;
    labels_left_ -= count;
    return out;
  }

 private:
  void grow_bytes(size_t need, size_t size) {
    size = std::max(need, size);
    arena_.bytes.emplace_back(new char[size]);
    next_byte_ = arena_.bytes.back().get();
    bytes_left_ = last_bytes_ = size;
  }
  void grow_labels(size_t need, size_t size) {
    size = std::max(need, size);
    arena_.labels.emplace_back(new sluice_label_t[size]);
    next_label_ = arena_.labels.back().get();
    labels_left_ = last_labels_ = size;
  }

  Arena& arena_;
  char* next_byte_ = nullptr;
  size_t bytes_left_ = 0, last_bytes_ = 0;
  sluice_label_t* next_label_ = nullptr;
  size_t labels_left_ = 0, last_labels_ = 0;
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

// Whether s lies in one of the blocks. A source's lines fill its blocks in order, so the
// block the last line was found in is tried first.
struct Blocks {
  const sluice_buffer_t* blocks;
  size_t count;
  size_t last = 0;
  bool contains(const sluice_str_t& s) {
    if (count == 0) return false;
    if (in(s, blocks[last])) return true;
    for (size_t b = 0; b < count; ++b) {
      if (in(s, blocks[b])) {
        last = b;
        return true;
      }
    }
    return false;
  }
  static bool in(const sluice_str_t& s, const sluice_buffer_t& block) {
    const char* begin = static_cast<const char*>(block.data);
    return s.data >= begin && s.data + s.size <= begin + block.size;
  }
};

}  // namespace

std::unique_ptr<Batch> Batch::copy_of(const sluice_record_t* records, size_t count,
                                      std::shared_ptr<AckState> ack, const sluice_buffer_t* blocks,
                                      size_t block_count) {
  auto arena = std::make_shared<Arena>();
  // Taken first, so that they are freed whatever happens below.
  for (size_t b = 0; b < block_count; ++b) {
    arena->moved.emplace_back(static_cast<char*>(blocks[b].data));
  }
  Blocks moved{blocks, block_count};
  ArenaWriter writer(*arena);
  if (block_count == 0) {
    // A first pass counts bytes and label slots, so that the arena is allocated once and
    // exactly: a batch copied whole (a processor's new records) holds no slack in a queue.
    size_t bytes = 0;
    size_t label_slots = 0;
    for (size_t i = 0; i < count; ++i) {
      const auto& r = records[i];
      bytes += r.line.size;
      bool shares_labels =
          i > 0 && r.labels == records[i - 1].labels && r.label_count == records[i - 1].label_count;
      if (!shares_labels) {
        bytes += label_bytes(r.labels, r.label_count);
        label_slots += r.label_count;
      }
      bytes += label_bytes(r.metadata, r.metadata_count);
      label_slots += r.metadata_count;
    }
    writer.reserve(bytes, label_slots);
  }

  std::unique_ptr<Batch> batch(new Batch());
  batch->ack_ = std::move(ack);
  // Start from the source's records as they are (adopted where they lie in a block handed
  // over, copied otherwise), then fix up what points outside the blocks.
  const sluice_str_t array{reinterpret_cast<const char*>(records), count * sizeof(sluice_record_t)};
  if (count > 0 && moved.contains(array)) {
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
    if (!moved.contains(out.line)) out.line = writer.copy(out.line);
    if (out.label_count == 0) {
      out.labels = nullptr;
    } else {
      if (out.labels != previous || out.label_count != previous_count) {
        previous = out.labels;
        previous_count = out.label_count;
        shared_labels = writer.copy(previous, previous_count);
      }
      out.labels = shared_labels;
    }
    out.metadata = out.metadata_count > 0 ? writer.copy(out.metadata, out.metadata_count) : nullptr;
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
