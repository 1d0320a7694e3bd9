#include "api_objects.hpp"

#include <simdjson.h>

#include <algorithm>

namespace kubernetes_logs {
namespace {

using simdjson::dom::element;
using simdjson::dom::object;

std::string text(element parent, const char* key) {
  std::string_view v;
  if (parent[key].get_string().get(v) != simdjson::SUCCESS) return {};
  return std::string(v);
}

bool selected(const std::vector<std::string>& allowed, std::string_view name) {
  return std::any_of(allowed.begin(), allowed.end(),
                     [&](const std::string& a) { return a == "*" || a == name; });
}

void take_map(element metadata, const char* key, const std::vector<std::string>& allowed,
              std::vector<std::pair<std::string, std::string>>& out) {
  if (allowed.empty()) return;
  object map;
  if (metadata[key].get_object().get(map) != simdjson::SUCCESS) return;
  for (auto field : map) {
    std::string_view value;
    if (!selected(allowed, field.key) || field.value.get_string().get(value) != simdjson::SUCCESS) {
      continue;
    }
    out.emplace_back(std::string(field.key), std::string(value));
  }
  std::sort(out.begin(), out.end());
}

bool pod_of(element item, const Selection& selection, PodInfo& pod, std::string* error) {
  element metadata;
  if (item["metadata"].get(metadata) != simdjson::SUCCESS) {
    *error = "a pod without metadata";
    return false;
  }
  pod.uid = text(metadata, "uid");
  pod.name = text(metadata, "name");
  pod.namespace_name = text(metadata, "namespace");
  pod.resource_version = text(metadata, "resourceVersion");
  if (pod.uid.empty() || pod.name.empty() || pod.namespace_name.empty()) {
    *error = "a pod without its uid, name or namespace";
    return false;
  }
  element spec;
  if (item["spec"].get(spec) == simdjson::SUCCESS) pod.node = text(spec, "nodeName");
  take_map(metadata, "labels", selection.labels, pod.labels);
  take_map(metadata, "annotations", selection.annotations, pod.annotations);
  simdjson::dom::array owners;
  std::string kind, name;
  if (metadata["ownerReferences"].get_array().get(owners) == simdjson::SUCCESS) {
    for (auto owner : owners) {
      bool controller = false;
      if (owner["controller"].get_bool().get(controller) != simdjson::SUCCESS || !controller) {
        continue;
      }
      kind = text(owner, "kind");
      name = text(owner, "name");
      break;
    }
  }
  resolve_owner(pod, kind, name);
  return true;
}

}  // namespace

struct ApiDecoder::Impl {
  Selection selection;
  simdjson::dom::parser parser;
  element parse(std::string_view json, std::string* error, bool* ok) {
    element doc;
    auto result = parser.parse(simdjson::padded_string(json));
    if (result.get(doc) != simdjson::SUCCESS) {
      *error = std::string("not JSON: ") + simdjson::error_message(result.error());
      *ok = false;
      return doc;
    }
    *ok = true;
    return doc;
  }
};

ApiDecoder::ApiDecoder(Selection selection) : impl_(new Impl) {
  impl_->selection = std::move(selection);
}
ApiDecoder::~ApiDecoder() = default;

std::optional<PodList> ApiDecoder::list(std::string_view json, std::string* error) {
  bool ok = false;
  element doc = impl_->parse(json, error, &ok);
  if (!ok) return std::nullopt;
  if (text(doc, "kind") == "Status") {
    *error = "the API server answered " + text(doc, "reason") + ": " + text(doc, "message");
    return std::nullopt;
  }
  PodList out;
  element metadata;
  if (doc["metadata"].get(metadata) == simdjson::SUCCESS) {
    out.resource_version = text(metadata, "resourceVersion");
    out.continue_token = text(metadata, "continue");
  }
  simdjson::dom::array items;
  if (doc["items"].get_array().get(items) != simdjson::SUCCESS) {
    // An empty list may come with "items": null.
    if (!doc["items"].is_null()) {
      *error = "a pod list without items";
      return std::nullopt;
    }
    return out;
  }
  for (auto item : items) {
    PodInfo pod;
    if (!pod_of(item, impl_->selection, pod, error)) return std::nullopt;
    out.pods.push_back(std::move(pod));
  }
  return out;
}

std::optional<WatchEvent> ApiDecoder::event(std::string_view json, std::string* error) {
  bool ok = false;
  element doc = impl_->parse(json, error, &ok);
  if (!ok) return std::nullopt;
  const std::string type = text(doc, "type");
  element object;
  if (doc["object"].get(object) != simdjson::SUCCESS) {
    *error = "a watch event without its object";
    return std::nullopt;
  }
  WatchEvent e;
  if (type == "ERROR") {
    e.type = WatchEvent::Type::error;
    int64_t code = 0;
    if (object["code"].get_int64().get(code) == simdjson::SUCCESS) e.code = static_cast<int>(code);
    e.message = text(object, "message");
    return e;
  }
  if (type == "BOOKMARK") {
    e.type = WatchEvent::Type::bookmark;
    element metadata;
    if (object["metadata"].get(metadata) == simdjson::SUCCESS) {
      e.pod.resource_version = text(metadata, "resourceVersion");
    }
    return e;
  }
  if (type == "ADDED") {
    e.type = WatchEvent::Type::added;
  } else if (type == "MODIFIED") {
    e.type = WatchEvent::Type::modified;
  } else if (type == "DELETED") {
    e.type = WatchEvent::Type::deleted;
  } else {
    *error = "a watch event of unknown type \"" + type + "\"";
    return std::nullopt;
  }
  if (!pod_of(object, impl_->selection, e.pod, error)) return std::nullopt;
  return e;
}

}  // namespace kubernetes_logs
