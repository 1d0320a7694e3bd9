#include "daemon_messages.hpp"

#include <simdjson.h>

#include <cstdio>

namespace docker_source {
namespace {

using simdjson::dom::element;
using simdjson::dom::object;

std::string text_of(element e, const char* key) {
  std::string_view v;
  if (e[key].get(v) == simdjson::SUCCESS) return std::string(v);
  return {};
}

void read_labels(element labels, std::vector<std::pair<std::string, std::string>>& out) {
  object o;
  if (labels.get(o) != simdjson::SUCCESS) return;  // null when there are none
  for (auto field : o) {
    std::string_view v;
    if (field.value.get(v) == simdjson::SUCCESS) out.emplace_back(field.key, v);
  }
}

std::string strip_slash(std::string_view name) {
  if (!name.empty() && name[0] == '/') name.remove_prefix(1);
  return std::string(name);
}

// simdjson reads past the end of its input, so each document is copied into padded memory.
struct Parsed {
  simdjson::dom::parser parser;
  element root;
  bool parse(std::string_view json, std::string* error) {
    simdjson::padded_string padded(json);
    if (auto err = parser.parse(padded).get(root); err) {
      if (error) *error = std::string("invalid JSON: ") + simdjson::error_message(err);
      return false;
    }
    return true;
  }
};

bool parse_version_number(const std::string& v, int& major, int& minor) {
  return std::sscanf(v.c_str(), "%d.%d", &major, &minor) == 2;
}

}  // namespace

std::optional<std::string> parse_api_version(std::string_view json, std::string* error) {
  Parsed p;
  if (!p.parse(json, error)) return std::nullopt;
  std::string v = text_of(p.root, "ApiVersion");
  if (v.empty()) {
    if (error) *error = "no ApiVersion in /version";
    return std::nullopt;
  }
  return v;
}

std::optional<std::vector<ContainerInfo>> parse_container_list(std::string_view json,
                                                               std::string* error) {
  Parsed p;
  if (!p.parse(json, error)) return std::nullopt;
  simdjson::dom::array list;
  if (p.root.get(list) != simdjson::SUCCESS) {
    if (error) *error = "/containers/json did not answer a list";
    return std::nullopt;
  }
  std::vector<ContainerInfo> out;
  for (element item : list) {
    ContainerInfo c;
    c.id = text_of(item, "Id");
    simdjson::dom::array names;
    if (item["Names"].get(names) == simdjson::SUCCESS) {
      for (element n : names) {
        std::string_view name;
        if (n.get(name) == simdjson::SUCCESS) {
          c.name = strip_slash(name);
          break;
        }
      }
    }
    c.image = text_of(item, "Image");
    c.running = text_of(item, "State") == "running";
    element labels;
    if (item["Labels"].get(labels) == simdjson::SUCCESS) read_labels(labels, c.labels);
    if (!c.id.empty()) out.push_back(std::move(c));
  }
  return out;
}

std::optional<ContainerInfo> parse_container_inspect(std::string_view json, std::string* error) {
  Parsed p;
  if (!p.parse(json, error)) return std::nullopt;
  ContainerInfo c;
  c.id = text_of(p.root, "Id");
  c.name = strip_slash(text_of(p.root, "Name"));
  element config;
  if (p.root["Config"].get(config) == simdjson::SUCCESS) {
    c.image = text_of(config, "Image");
    bool tty = false;
    if (config["Tty"].get(tty) == simdjson::SUCCESS) c.tty = tty;
    element labels;
    if (config["Labels"].get(labels) == simdjson::SUCCESS) read_labels(labels, c.labels);
  }
  bool running = false;
  if (p.root["State"]["Running"].get(running) == simdjson::SUCCESS) c.running = running;
  if (c.id.empty()) {
    if (error) *error = "no Id in the container's inspection";
    return std::nullopt;
  }
  return c;
}

std::optional<ContainerEvent> parse_event(std::string_view json, std::string* error) {
  Parsed p;
  if (!p.parse(json, error)) return std::nullopt;
  ContainerEvent e;
  if (text_of(p.root, "Type") != "container") {
    if (error) *error = "not a container event";
    return std::nullopt;
  }
  e.action = text_of(p.root, "Action");
  element actor;
  if (p.root["Actor"].get(actor) == simdjson::SUCCESS) {
    e.id = text_of(actor, "ID");
    element attributes;
    if (actor["Attributes"].get(attributes) == simdjson::SUCCESS) {
      e.name = strip_slash(text_of(attributes, "name"));
    }
  }
  if (e.id.empty()) e.id = text_of(p.root, "id");
  if (e.action.empty() || e.id.empty()) {
    if (error) *error = "a container event without an action or an id";
    return std::nullopt;
  }
  return e;
}

std::optional<std::string> negotiate_api_version(const std::string& daemon, const char* newest,
                                                 const char* oldest) {
  int dmaj = 0, dmin = 0, nmaj = 0, nmin = 0, omaj = 0, omin = 0;
  if (!parse_version_number(daemon, dmaj, dmin) || !parse_version_number(newest, nmaj, nmin) ||
      !parse_version_number(oldest, omaj, omin)) {
    return std::nullopt;
  }
  if (std::make_pair(dmaj, dmin) < std::make_pair(omaj, omin)) return std::nullopt;
  if (std::make_pair(dmaj, dmin) > std::make_pair(nmaj, nmin)) return std::string(newest);
  return std::to_string(dmaj) + "." + std::to_string(dmin);
}

}  // namespace docker_source
