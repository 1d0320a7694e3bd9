// State files: written whole or not at all, read under a header that names what they hold
// and in which version.
#include "sluice/state_file.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace {

constexpr sluice::StateFileFormat format{"demo positions", 3, "id offset"};

struct Read {
  bool ok = false;
  std::vector<std::pair<std::string, size_t>> entries;
  std::string error;
};

Read read(std::string_view text) {
  Read r;
  r.ok = sluice::read_state_entries(
      text, format, "dir/positions",
      [&](std::string_view line, size_t n) { r.entries.emplace_back(std::string(line), n); },
      &r.error);
  return r;
}

}  // namespace

TEST_CASE("a state file's header names what it holds and its version", "[sdk]") {
  CHECK(format.header() == "# sluice demo positions v3: id offset\n");
}

TEST_CASE("entry lines come with their numbers; comments and blank lines are left out", "[sdk]") {
  auto r = read(format.header() + "a 1\n\n# a note\nb 2");
  REQUIRE(r.ok);
  CHECK(r.entries == std::vector<std::pair<std::string, size_t>>{{"a 1", 2}, {"b 2", 5}});
  auto bare = read("a 1\n");  // no header: read as this version
  REQUIRE(bare.ok);
  CHECK(bare.entries.size() == 1);
}

TEST_CASE("a file of another version or kind is refused whole, saying why", "[sdk]") {
  auto older = read("# sluice demo positions v2: id\na 1\n");
  CHECK_FALSE(older.ok);
  CHECK(older.entries.empty());
  CHECK(older.error ==
        "dir/positions: version 2 of demo positions, and this build reads version 3 only; it "
        "was written by another build of Sluice (move the file aside to start afresh)");
  auto newer = read("# sluice demo positions v12: id offset extra\n");
  CHECK_FALSE(newer.ok);
  CHECK(newer.error.find("version 12 of demo positions") != std::string::npos);
  auto garbled = read("# sluice demo positions vX: id\n");
  CHECK_FALSE(garbled.ok);
  CHECK(garbled.error.find("an unreadable version of demo positions") != std::string::npos);
  auto other = read("# sluice other checkpoints v3: id\n");
  CHECK_FALSE(other.ok);
  CHECK(other.error ==
        "dir/positions: holds something other than demo positions (other checkpoints v3: id)");
}

TEST_CASE("a state file is replaced whole, and read back", "[sdk]") {
  auto dir = std::filesystem::temp_directory_path() / "sluice-sdk-state-file";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::string error;
  CHECK_FALSE(sluice::read_state_file(dir.string(), "positions", &error));
  CHECK(error.empty());  // no file is not an error
  REQUIRE(sluice::write_state_file(dir.string(), "positions", "one", &error));
  REQUIRE(sluice::write_state_file(dir.string(), "positions", "two", &error));
  CHECK(sluice::read_state_file(dir.string(), "positions", &error) == "two");
  CHECK_FALSE(std::filesystem::exists(dir / "positions.tmp"));
  CHECK_FALSE(sluice::write_state_file((dir / "missing").string(), "positions", "x", &error));
  CHECK(error.find("missing/positions.tmp") != std::string::npos);
  std::filesystem::remove_all(dir);
}
