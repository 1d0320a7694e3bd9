#include "lifecycle/service_notify.hpp"

#include <systemd/sd-daemon.h>

#include "observability/logging.hpp"

namespace sluice::core::service {

namespace {
// NOTIFY_SOCKET stays in the environment: the reloads and the stop notify it too, and the
// engine starts no process that could take it for its own.
void notify(const std::string& state) {
  const int r = sd_notify(0, state.c_str());
  if (r < 0) engine_logger()->warn("cannot notify the service manager: error {}", -r);
}
}  // namespace

void ready(const std::string& status) {
  notify("READY=1\nSTATUS=" + status);
}

void reloading() {
  notify("RELOADING=1\nSTATUS=reloading");
}

void stopping() {
  notify("STOPPING=1\nSTATUS=stopping: draining what is queued into the sinks");
}

}  // namespace sluice::core::service
