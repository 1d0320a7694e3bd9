#include "plugins/plugin_description.hpp"

#include "observability/json_text.hpp"

namespace sluice::core {
namespace {

std::string default_shown(const PluginSetting& s) {
  if (s.required) return "required";
  if (s.default_value.empty()) return "none";
  return s.default_value;
}

// A cell of a Markdown table: a '|' would end it.
std::string cell(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

std::string describe_text(const PluginLibrary& plugin) {
  std::string out = plugin.name + " (" + kind_name(plugin.descriptor.kind) + ", version " +
                    plugin.version + ")\n" + plugin.description + "\n";
  if (plugin.settings.empty()) return out + "\nThis plugin declares no settings.\n";
  for (const auto& s : plugin.settings) {
    out += "\n" + s.name + " (" + s.type + ", default: " + default_shown(s) + ")\n";
    out += "    " + s.description + "\n";
    if (!s.allowed.empty()) out += "    allowed: " + s.allowed + "\n";
    if (!s.hints.empty()) {
      out += "    elsewhere called:";
      for (size_t i = 0; i < s.hints.size(); ++i) out += (i == 0 ? " " : ", ") + s.hints[i];
      out += "\n";
    }
  }
  return out;
}

std::string describe_json(const PluginLibrary& plugin) {
  std::string out = "{\"name\":";
  append_json_string(plugin.name, out);
  out += ",\"kind\":";
  append_json_string(kind_name(plugin.descriptor.kind), out);
  out += ",\"version\":";
  append_json_string(plugin.version, out);
  out += ",\"description\":";
  append_json_string(plugin.description, out);
  out += ",\"settings\":[";
  for (size_t i = 0; i < plugin.settings.size(); ++i) {
    const PluginSetting& s = plugin.settings[i];
    if (i > 0) out += ',';
    out += "{\"name\":";
    append_json_string(s.name, out);
    out += ",\"type\":";
    append_json_string(s.type, out);
    out += ",\"default\":";
    if (s.required || s.default_value.empty()) {
      out += "null";
    } else {
      append_json_string(s.default_value, out);
    }
    out += ",\"allowed\":";
    append_json_string(s.allowed, out);
    out += ",\"description\":";
    append_json_string(s.description, out);
    out += s.required ? ",\"required\":true" : ",\"required\":false";
    out += ",\"hints\":[";
    for (size_t h = 0; h < s.hints.size(); ++h) {
      if (h > 0) out += ',';
      append_json_string(s.hints[h], out);
    }
    out += "]}";
  }
  return out + "]}\n";
}

std::string describe_markdown(const PluginLibrary& plugin) {
  std::string out =
      "| key | type | default | allowed | meaning |\n| --- | --- | --- | --- | --- |\n";
  for (const auto& s : plugin.settings) {
    std::string shown = default_shown(s);
    if (!s.required && !s.default_value.empty()) shown = "`" + shown + "`";
    out += "| `" + s.name + "` | " + cell(s.type) + " | " + cell(shown) + " | " + cell(s.allowed) +
           " | " + cell(s.description) + " |\n";
  }
  return out;
}

}  // namespace sluice::core
