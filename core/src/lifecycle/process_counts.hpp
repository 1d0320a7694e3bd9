// The process's thread and descriptor counts, read from /proc/self: what the lifecycle
// checks compare before and after a plugin's life.
#pragma once

#include <cstddef>

namespace sluice::core {

size_t count_threads();
size_t count_open_fds();

}  // namespace sluice::core
