// What the in-process benchmarks share: a counter read from the engine's registry, and the
// process's CPU seconds.
#pragma once

#include <sys/resource.h>

#include <string>

#include "engine.hpp"

namespace sluice::bench {

inline double counter(core::Metrics& metrics, const std::string& name,
                      const std::string& component) {
  for (const auto& family : metrics.registry()->Collect()) {
    if (family.name != name) continue;
    for (const auto& m : family.metric) {
      for (const auto& l : m.label) {
        if (l.name == "component_id" && l.value == component) return m.counter.value;
      }
    }
  }
  return 0;
}

inline double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

}  // namespace sluice::bench
