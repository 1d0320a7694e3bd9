// The two deadlines the core holds every plugin to, and what it does when one passes: a start
// that does not return in time, and threads that do not return after stop, are violations.
#pragma once

#include <chrono>
#include <functional>
#include <optional>

#include "lifecycle/thread_ledger.hpp"

namespace sluice::core {

// Runs call on a helper thread and waits up to deadline for it, so that a plugin stuck in its
// start cannot hang the engine. Returns its result, or nothing when it did not return in time
// (the helper is then left to finish on its own).
std::optional<int> call_within(std::chrono::milliseconds deadline, std::function<int()> call);

// A core worker (a processor's) is given until drain_until to return by itself, as it does
// once its inbox is closed and empty; then it is stopped and given stop_deadline. Returns
// false when it still runs after that: a violation for the caller to record.
bool join_by_deadlines(ThreadLedger& worker, std::chrono::steady_clock::time_point drain_until,
                       std::chrono::milliseconds stop_deadline);

}  // namespace sluice::core
