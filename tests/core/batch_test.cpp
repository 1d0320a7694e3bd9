// Batches own their bytes, share labels between records, and always settle their ack.
#include "runtime/batch.hpp"

#include <catch2/catch.hpp>
#include <cstring>
#include <string>
#include <vector>

using namespace sluice::core;

namespace {

struct Outcomes {
  std::vector<sluice_outcome_t> seen;
};

// A source end that records what it is told, through the real descriptor hook.
struct Recorder {
  static void on_ack(sluice_instance_plugin_ptr self, uint64_t, sluice_outcome_t o) {
    static_cast<Outcomes*>(self)->seen.push_back(o);
  }
  Outcomes outcomes;
  sluice_plugin_descriptor_t d = [] {
    sluice_plugin_descriptor_t x{};
    x.on_ack = &Recorder::on_ack;
    return x;
  }();
  std::shared_ptr<AckTarget> target = std::make_shared<AckTarget>(&d, &outcomes);
};

std::vector<sluice_record_t> records(std::vector<std::string>& lines, const sluice_label_t* labels,
                                     uint32_t n) {
  std::vector<sluice_record_t> out;
  for (auto& l : lines) out.push_back({1, {l.data(), l.size()}, labels, n, nullptr, 0});
  return out;
}

}  // namespace

TEST_CASE("a batch copies lines and shares one copy of a repeated label set", "[batch]") {
  std::vector<std::string> lines = {"one", "two", "three"};
  sluice_label_t labels[] = {{{"app", 3}, {"x", 1}}};
  auto recs = records(lines, labels, 1);
  auto batch = Batch::copy_of(recs.data(), recs.size(), nullptr);
  lines = {"XXX", "XXX", "XXXXX"};  // the batch must not point into the caller's memory
  REQUIRE(batch->size() == 3);
  CHECK(std::string(batch->records()[2].line.data, batch->records()[2].line.size) == "three");
  CHECK(batch->records()[0].labels == batch->records()[2].labels);
  CHECK(batch->records()[0].labels != labels);
  CHECK(batch->line_bytes() == 11);
}

TEST_CASE("fan-out copies settle one ack, and the worst outcome wins", "[batch]") {
  Recorder r;
  std::vector<std::string> lines = {"a"};
  auto recs = records(lines, nullptr, 0);
  auto first = Batch::copy_of(recs.data(), recs.size(), std::make_shared<AckState>(r.target, 7));
  auto second = first->share();
  first->finish(SLUICE_OUTCOME_DELIVERED);
  CHECK(r.outcomes.seen.empty());
  CHECK(r.target->in_flight() == 1);
  second->finish(SLUICE_OUTCOME_REJECTED);
  REQUIRE(r.outcomes.seen.size() == 1);
  CHECK(r.outcomes.seen[0] == SLUICE_OUTCOME_REJECTED);
  CHECK(r.target->in_flight() == 0);
}

TEST_CASE("a batch dropped without being finished fails back to its source", "[batch]") {
  Recorder r;
  std::vector<std::string> lines = {"a"};
  auto recs = records(lines, nullptr, 0);
  auto batch = Batch::copy_of(recs.data(), recs.size(), std::make_shared<AckState>(r.target, 1));
  batch.reset();
  REQUIRE(r.outcomes.seen.size() == 1);
  CHECK(r.outcomes.seen[0] == SLUICE_OUTCOME_FAILED);
}

TEST_CASE("keep and replace change the records but not the ack", "[batch]") {
  Recorder r;
  std::vector<std::string> lines = {"a", "b", "c"};
  auto recs = records(lines, nullptr, 0);
  auto batch = Batch::copy_of(recs.data(), recs.size(), std::make_shared<AckState>(r.target, 1));
  uint8_t mask[] = {1, 0, 1};
  batch->keep(mask, 3);
  REQUIRE(batch->size() == 2);
  CHECK(std::string(batch->records()[1].line.data, 1) == "c");
  // Replace with records that point into the batch itself.
  std::vector<sluice_record_t> doubled = {batch->records()[1], batch->records()[0],
                                          batch->records()[1]};
  batch->replace(doubled.data(), doubled.size());
  REQUIRE(batch->size() == 3);
  CHECK(std::string(batch->records()[0].line.data, 1) == "c");
  batch->finish(SLUICE_OUTCOME_DELIVERED);
  REQUIRE(r.outcomes.seen.size() == 1);
  CHECK(r.outcomes.seen[0] == SLUICE_OUTCOME_DELIVERED);
}

TEST_CASE("lines inside blocks handed over at emit are moved and the rest copied", "[batch]") {
  char* block = static_cast<char*>(BufferPool::allocate(100));
  std::memcpy(block, "moved", 5);
  std::string outside = "copied";
  sluice_record_t recs[] = {{1, {block, 5}, nullptr, 0, nullptr, 0},
                            {2, {outside.data(), outside.size()}, nullptr, 0, nullptr, 0}};
  sluice_buffer_t blocks[] = {{block, 100}};
  auto batch = Batch::copy_of(recs, 2, nullptr, blocks, 1);
  CHECK(batch->records()[0].line.data == block);
  CHECK(batch->records()[1].line.data != outside.data());
  CHECK(std::string(batch->records()[1].line.data, 6) == "copied");
  // A copy for another downstream keeps the block alive; the last one gives it back.
  auto copy = batch->share();
  batch.reset();
  CHECK(std::string(copy->records()[0].line.data, 5) == "moved");
  copy.reset();
  void* again = BufferPool::allocate(10);
  CHECK(again == block);
  BufferPool::release(again);
}

TEST_CASE("a record array inside a block handed over becomes the batch's own", "[batch]") {
  auto* array = static_cast<sluice_record_t*>(BufferPool::allocate(3 * sizeof(sluice_record_t)));
  char* lines = static_cast<char*>(BufferPool::allocate(16));
  std::memcpy(lines, "abc", 3);
  sluice_label_t labels[] = {{{"k", 1}, {"v", 1}}};
  for (int i = 0; i < 3; ++i) array[i] = {i, {lines + i, 1}, labels, 1, nullptr, 0};
  sluice_buffer_t blocks[] = {{lines, 16}, {array, 3 * sizeof(sluice_record_t)}};
  auto batch = Batch::copy_of(array, 3, nullptr, blocks, 2);
  REQUIRE(batch->records().data() == array);  // adopted, not copied
  CHECK(batch->records()[2].line.data == lines + 2);
  // The labels pointed into the source's memory: they were copied, and the records fixed up.
  CHECK(batch->records()[0].labels != labels);
  CHECK(std::string(batch->records()[0].labels[0].value.data, 1) == "v");
  uint8_t mask[] = {0, 1, 1};
  batch->keep(mask, 3);
  REQUIRE(batch->size() == 2);
  CHECK(std::string(batch->records()[0].line.data, 1) == "b");
}

TEST_CASE("with blocks, many label sets, metadata and lines outside them are all copied whole",
          "[batch]") {
  // With blocks the arena is not counted first but grows as it goes: every record here
  // needs its own labels, metadata and some a copied line, so it grows many times.
  constexpr int n = 2000;
  char* lines = static_cast<char*>(BufferPool::allocate(n * 8));
  std::vector<std::string> names, values, outside;
  for (int i = 0; i < n; ++i) {
    names.push_back("name" + std::to_string(i));
    values.push_back(std::string(static_cast<size_t>(i % 50), 'v') + std::to_string(i));
    outside.push_back("outside line " + std::to_string(i));
    std::snprintf(lines + i * 8, 8, "%07d", i);
  }
  std::vector<sluice_label_t> labels(n), metadata(n);
  std::vector<sluice_record_t> recs(n);
  for (int i = 0; i < n; ++i) {
    labels[i] = {{names[i].data(), names[i].size()}, {values[i].data(), values[i].size()}};
    metadata[i] = {{"m", 1}, {values[i].data(), values[i].size()}};
    sluice_str_t line = i % 3 == 0 ? sluice_str_t{outside[i].data(), outside[i].size()}
                                   : sluice_str_t{lines + i * 8, 7};
    recs[i] = {i, line, &labels[i], 1, &metadata[i], 1};
  }
  sluice_buffer_t blocks[] = {{lines, n * 8}};
  auto batch = Batch::copy_of(recs.data(), recs.size(), nullptr, blocks, 1);
  // What the batch did not take over is the source's to reuse: overwrite it.
  for (auto& s : names) std::fill(s.begin(), s.end(), '#');
  for (auto& s : values) std::fill(s.begin(), s.end(), '#');
  for (auto& s : outside) std::fill(s.begin(), s.end(), '#');
  labels.assign(n, {});
  metadata.assign(n, {});
  REQUIRE(batch->size() == n);
  int wrong = 0;
  for (int i = 0; i < n; ++i) {
    const auto& r = batch->records()[static_cast<size_t>(i)];
    std::string value = std::string(static_cast<size_t>(i % 50), 'v') + std::to_string(i);
    std::string line =
        i % 3 == 0 ? "outside line " + std::to_string(i) : std::string(lines + i * 8, 7);
    if (i % 3 != 0 && r.line.data != lines + i * 8) ++wrong;
    if (std::string(r.line.data, r.line.size) != line) ++wrong;
    if (r.label_count != 1 ||
        std::string(r.labels[0].name.data, r.labels[0].name.size) != "name" + std::to_string(i))
      ++wrong;
    if (std::string(r.labels[0].value.data, r.labels[0].value.size) != value) ++wrong;
    if (r.metadata_count != 1 ||
        std::string(r.metadata[0].value.data, r.metadata[0].value.size) != value)
      ++wrong;
  }
  CHECK(wrong == 0);
}

TEST_CASE("an empty line or label copied into a batch still points somewhere", "[batch]") {
  // Plugins may hand these to memcpy, which must not be given a null pointer.
  sluice_label_t labels[] = {{{nullptr, 0}, {nullptr, 0}}};
  sluice_record_t recs[] = {{1, {nullptr, 0}, labels, 1, nullptr, 0}};
  auto batch = Batch::copy_of(recs, 1, nullptr);
  CHECK(batch->records()[0].line.data != nullptr);
  CHECK(batch->records()[0].labels[0].name.data != nullptr);
  char* block = static_cast<char*>(BufferPool::allocate(16));
  sluice_buffer_t blocks[] = {{block, 16}};
  auto moved = Batch::copy_of(recs, 1, nullptr, blocks, 1);
  CHECK(moved->records()[0].line.data != nullptr);
}
