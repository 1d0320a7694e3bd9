// Where the host side of a violated plugin instance goes: a thread past its deadline may still
// call back into its instance, queues and outputs, so those are never freed, as its library is
// never unloaded. The memory stays reachable, and a violation is rare and already reported.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

namespace sluice::core {

inline void quarantine_forever(std::shared_ptr<void> object) {
  static std::mutex mutex;
  static auto* kept = new std::vector<std::shared_ptr<void>>();
  std::lock_guard lock(mutex);
  kept->push_back(std::move(object));
}

template <class T>
void quarantine(std::unique_ptr<T> object) {
  quarantine_forever(std::shared_ptr<void>(object.release(), [](void*) {}));
}

template <class T>
void quarantine(std::shared_ptr<T> object) {
  quarantine_forever(std::move(object));
}

}  // namespace sluice::core
