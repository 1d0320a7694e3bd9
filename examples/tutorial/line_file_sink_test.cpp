// line_file_sink's unit test, on the SDK's fake host.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "sluice/testing/fake_host.hpp"

extern "C" const sluice_plugin_descriptor_t* sluice_plugin_entry(uint16_t, uint16_t);

#define EXPECT(cond)                                                          \
  do {                                                                        \
    if (!(cond)) {                                                            \
      std::fprintf(stderr, "%s:%d: failed: %s\n", __FILE__, __LINE__, #cond); \
      std::exit(1);                                                           \
    }                                                                         \
  } while (0)

int main() {
  std::string path = "line_file_sink_test.out";
  std::remove(path.c_str());
  {
    sluice::testing::FakeHost host(sluice_plugin_entry(SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR));
    EXPECT(host.create({{"path", path}}));
    EXPECT(host.start());
    host.push({{"one"}, {"two"}});
    EXPECT(host.wait_for_finished(1));
    EXPECT(host.outcomes()[0] == SLUICE_OUTCOME_DELIVERED);
    host.close_inbox();
    EXPECT(host.stop());
    std::ifstream in(path);
    std::string a, b;
    EXPECT(std::getline(in, a) && std::getline(in, b) && a == "one" && b == "two");
  }
  {
    sluice::testing::FakeHost host(sluice_plugin_entry(SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR));
    EXPECT(!host.create({}));
  }
  std::remove(path.c_str());
  std::puts("line_file_sink_test: 2 passed, 0 failed");
  return 0;
}
