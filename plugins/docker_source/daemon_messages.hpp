// The parts of the Docker Engine API's JSON answers this plugin reads: /version,
// /containers/json, /containers/{id}/json and the /events stream.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace docker_source {

struct ContainerInfo {
  std::string id;
  std::string name;  // without the leading '/'
  std::string image;
  bool tty = false;
  bool running = false;
  std::vector<std::pair<std::string, std::string>> labels;
};

struct ContainerEvent {
  std::string action;  // start, die, destroy, rename, ...
  std::string id;
  std::string name;  // the new name, for a rename
};

// Each returns nullopt (and says why in *error) when the text is not the expected JSON.
std::optional<std::string> parse_api_version(std::string_view json, std::string* error);
std::optional<std::vector<ContainerInfo>> parse_container_list(std::string_view json,
                                                               std::string* error);
std::optional<ContainerInfo> parse_container_inspect(std::string_view json, std::string* error);
std::optional<ContainerEvent> parse_event(std::string_view json, std::string* error);

// "1.41" against "1.43": the lower of the two; nullopt when the daemon is older than `oldest`.
std::optional<std::string> negotiate_api_version(const std::string& daemon, const char* newest,
                                                 const char* oldest);

}  // namespace docker_source
