// A library whose constructor kills the process as it is loaded: a plugin directory may hold
// one that no config names, and loading it must never be what ends a run.
#include <cstdlib>

namespace {
[[gnu::constructor]] void crash_when_loaded() {
  std::abort();
}
}  // namespace
