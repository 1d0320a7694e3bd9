#include "timestamp.hpp"

#include <cstdio>

namespace docker_source {

std::string since_parameter(int64_t ns) {
  if (ns < 0) ns = 0;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%lld.%09lld", static_cast<long long>(ns / 1000000000),
                static_cast<long long>(ns % 1000000000));
  return buf;
}

}  // namespace docker_source
