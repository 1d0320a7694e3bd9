// How many descriptors a plugin may take for what it follows (files, streams), of what the
// process may open: the rest of the process (the API's connections, state files, other sources
// and sinks) keeps a reserve.
#pragma once

#include <cstddef>
#include <optional>

namespace sluice::plugins {

struct DescriptorBudget {
  size_t limit;      // RLIMIT_NOFILE, soft
  size_t available;  // the limit less the reserve, at least 1
};

// The reserve kept from a limit of `limit` open descriptors: a quarter, at most 256.
size_t descriptors_reserved(size_t limit);

// nullopt when the process has no limit or it cannot be read.
std::optional<DescriptorBudget> descriptor_budget();

}  // namespace sluice::plugins
