// docker_source's readers of the daemon's JSON answers: any text is an answer or an error.
#include <cstdint>
#include <string>

#include "daemon_messages.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string error;
  (void)docker_source::parse_api_version(text, &error);
  (void)docker_source::parse_container_list(text, &error);
  (void)docker_source::parse_container_inspect(text, &error);
  (void)docker_source::parse_event(text, &error);
  (void)docker_source::negotiate_api_version(std::string(text), "1.43", "1.25");
  return 0;
}
