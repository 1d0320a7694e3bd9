// Docker's `since` parameter: where a log stream resumes.
#pragma once

#include <cstdint>
#include <string>

namespace docker_source {

// The `since` query value Docker accepts: "seconds.nanoseconds", inclusive.
std::string since_parameter(int64_t ns);

}  // namespace docker_source
