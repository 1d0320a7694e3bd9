// prefixer's unit test, on the SDK's fake host: no engine needed.
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
    EXPECT(host.create({{"prefix", "[app] "}}));
    auto out = host.process({{"hello", {{"k", "v"}}}, {"", {}}});
    EXPECT(out.size() == 2);
    EXPECT(out[0].line == "[app] hello");
    EXPECT(out[0].labels.size() == 1);
    EXPECT(out[1].line == "[app] ");
  }
  {
    sluice::testing::FakeHost host(sluice_plugin_entry(SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR));
    EXPECT(!host.create({{"prefx", "typo"}}));
    EXPECT(host.config_errors().size() == 1);
  }
  std::puts("prefixer_test: 2 passed, 0 failed");
  return 0;
}
