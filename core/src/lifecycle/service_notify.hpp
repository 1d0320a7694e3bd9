// What systemd's Type=notify asks of a service: say when it is ready, when a reload runs
// and when it stops, so that `systemctl start` returns once the pipeline runs and
// `systemctl reload` once the reload is done. Without NOTIFY_SOCKET (not run by systemd)
// each call does nothing.
#pragma once

#include <string>

namespace sluice::core::service {

// The pipeline runs; status is the one line `systemctl status` shows.
void ready(const std::string& status);
// A reload has begun: systemd waits for the next ready().
void reloading();
// Shutdown has begun: draining, then stopping the nodes.
void stopping();

}  // namespace sluice::core::service
