// deploy/monitoring: every series the dashboard and the alert rules name is one the engine
// exports, checked against a scrape of the packaged configuration running. A metric renamed
// in the code and not in the dashboard fails here, not on an operator's blank panel.
#include <catch2/catch.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "helpers.hpp"
#include "http_client.hpp"
#include "packaged_engine.hpp"

using namespace sluice;

namespace {

std::string monitoring_file(const std::string& name) {
  return std::string(SLUICE_TEST_SOURCE_DIR) + "/deploy/monitoring/" + name;
}

// Every sluice_* and process_* name in a file's text.
std::set<std::string> names_in(const std::string& text) {
  static const std::regex name(R"(\b(sluice|process)_[a-z0-9_]*[a-z0-9]\b)");
  std::set<std::string> names;
  for (std::sregex_iterator it(text.begin(), text.end(), name), end; it != end; ++it) {
    names.insert(it->str());
  }
  return names;
}

// The series names a scrape exposes: each family, and a histogram's or summary's parts.
std::set<std::string> exported(const std::string& scrape) {
  std::set<std::string> names;
  std::istringstream lines(scrape);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string hash, kind, family, type;
    if (!(words >> hash >> kind >> family >> type) || hash != "#" || kind != "TYPE") continue;
    names.insert(family);
    if (type == "histogram") names.insert(family + "_bucket");
    if (type == "histogram" || type == "summary") {
      names.insert(family + "_sum");
      names.insert(family + "_count");
    }
  }
  return names;
}

}  // namespace

TEST_CASE("every metric the dashboard and the alert rules name is one the engine exports",
          "[deploy]") {
  std::set<std::string> named;
  for (const char* file : {"sluice-dashboard.json", "sluice-alerts.yml"}) {
    auto in_file = names_in(test::read_file(monitoring_file(file)));
    INFO(file);
    CHECK(in_file.size() >= 10);  // the files are read, and name what they should
    named.insert(in_file.begin(), in_file.end());
  }
  test::PackagedEngine engine(test::packaged_config());
  INFO(engine.log());
  REQUIRE(engine.port() != 0);
  // The plugins make their metrics as they start: wait until every source's and the sink's
  // are there, then compare.
  std::set<std::string> missing;
  test::wait_until([&] {
    auto reply = test::http_get(engine.port(), "/metrics");
    auto have = exported(reply.body);
    missing.clear();
    for (const auto& n : named) {
      if (have.count(n) == 0) missing.insert(n);
    }
    return reply.status == 200 && missing.empty();
  });
  std::string list;
  for (const auto& n : missing) list += n + " ";
  INFO("named but not exported: " << list);
  CHECK(missing.empty());
  CHECK(engine.stop() == 0);
}
