// Where the build put what the tests use (set by tests/CMakeLists.txt).
#pragma once

#include <string>

namespace sluice::test {

inline std::string plugin_dir() {
  return SLUICE_TEST_PLUGIN_DIR;
}
inline std::string test_plugin_dir() {
  return SLUICE_TEST_EXTRA_PLUGIN_DIR;
}
inline std::string test_plugin(const std::string& name) {
  return test_plugin_dir() + "/" + name + ".so";
}
inline std::string sluice_binary() {
  return SLUICE_TEST_BINARY;
}
inline std::string source_dir() {
  return SLUICE_TEST_SOURCE_DIR;
}

}  // namespace sluice::test
