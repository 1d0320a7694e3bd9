// ticker's unit test, on the SDK's fake host.
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
    EXPECT(host.create({{"interval", "5ms"}}));
    EXPECT(host.start());
    EXPECT(host.wait_for_emitted(3));
    EXPECT(host.stop());  // its thread returned within the deadline
    auto out = host.emitted();
    EXPECT(out[0].line == "tick 1" && out[2].line == "tick 3");
  }
  {
    sluice::testing::FakeHost host(sluice_plugin_entry(SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR));
    EXPECT(!host.create({{"interval", "0ms"}}));
  }
  std::puts("ticker_test: 2 passed, 0 failed");
  return 0;
}
