// c_counter's unit test, on the SDK's fake host (the test is C++; the plugin is C).
#include <cstdio>
#include <cstdlib>

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
  {
    sluice::testing::FakeHost host(sluice_plugin_entry(SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR));
    EXPECT(host.create({{"count", 250}}));
    EXPECT(host.start());
    EXPECT(host.wait_for_emitted(250));
    auto records = host.emitted();
    EXPECT(records.size() == 250);
    EXPECT(records[0].line == "c_counter line 1");
    EXPECT(records[249].line == "c_counter line 250");
    EXPECT(records[0].labels.size() == 1 && records[0].labels[0].second == "c_counter");
    EXPECT(host.stop());
  }
  {
    sluice::testing::FakeHost host(sluice_plugin_entry(SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR));
    EXPECT(!host.create({{"count", -1}}));
  }
  std::puts("c_counter_test: 2 passed, 0 failed");
  return 0;
}
