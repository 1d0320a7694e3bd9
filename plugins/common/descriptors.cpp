#include "descriptors.hpp"

#include <sys/resource.h>

#include <algorithm>

namespace sluice::plugins {

size_t descriptors_reserved(size_t limit) {
  return std::min<size_t>(256, limit / 4);
}

std::optional<DescriptorBudget> descriptor_budget() {
  rlimit files{};
  if (::getrlimit(RLIMIT_NOFILE, &files) != 0 || files.rlim_cur == RLIM_INFINITY) {
    return std::nullopt;
  }
  const auto limit = static_cast<size_t>(files.rlim_cur);
  return DescriptorBudget{limit, std::max<size_t>(1, limit - descriptors_reserved(limit))};
}

}  // namespace sluice::plugins
