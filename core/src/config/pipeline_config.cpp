#include "config/pipeline_config.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "config/interpolation.hpp"
#include "config/yaml_access.hpp"

namespace sluice::core {

const char* to_string(NodeKind kind) {
  switch (kind) {
    case NodeKind::source: return "source";
    case NodeKind::processor: return "processor";
    case NodeKind::sink: return "sink";
  }
  return "?";
}

namespace {

const char* section_name(NodeKind kind) {
  switch (kind) {
    case NodeKind::source: return "sources";
    case NodeKind::processor: return "processors";
    case NodeKind::sink: return "sinks";
  }
  return "?";
}

void unknown_key(const YamlReader& r, const YAML::Node& key, const std::string& path,
                 const std::vector<std::string>& known) {
  const std::string& name = key.Scalar();
  std::string message = "unknown key '" + name + "'";
  std::string guess = closest_match(name, known);
  if (!guess.empty()) message += " (did you mean '" + guess + "'?)";
  r.error(key, path.empty() ? name : path + "." + name, message);
}

void read_lifecycle(const YamlReader& r, const YAML::Node& n, LifecycleConfig& out) {
  if (!r.is_map(n, "lifecycle")) return;
  static const std::vector<std::string> known = {"start_deadline", "stop_deadline",
                                                 "drain_deadline", "on_violation"};
  for (const auto& kv : n) {
    std::string key = kv.first.Scalar();
    std::string path = "lifecycle." + key;
    if (key == "start_deadline") {
      if (auto d = r.duration(kv.second, path)) out.start_deadline = *d;
    } else if (key == "stop_deadline") {
      if (auto d = r.duration(kv.second, path)) out.stop_deadline = *d;
    } else if (key == "drain_deadline") {
      if (auto d = r.duration(kv.second, path)) out.drain_deadline = *d;
    } else if (key == "on_violation") {
      if (auto s = r.string(kv.second, path)) {
        if (*s == "continue") {
          out.on_violation = OnViolation::keep_running;
        } else if (*s == "exit") {
          out.on_violation = OnViolation::exit;
        } else {
          r.error(kv.second, path, "expected 'continue' or 'exit', got '" + *s + "'");
        }
      }
    } else {
      unknown_key(r, kv.first, "lifecycle", known);
    }
  }
}

void read_api(const YamlReader& r, const YAML::Node& n, PipelineConfig& out) {
  if (!r.is_map(n, "api")) return;
  static const std::vector<std::string> known = {"listen", "enabled"};
  for (const auto& kv : n) {
    std::string key = kv.first.Scalar();
    if (key == "listen") {
      if (auto s = r.string(kv.second, "api.listen")) out.api_listen = *s;
      out.api_listen_mark = kv.second.Mark();
    } else if (key == "enabled") {
      if (auto b = r.boolean(kv.second, "api.enabled"); b && !*b) out.api_listen.clear();
    } else {
      unknown_key(r, kv.first, "api", known);
    }
  }
}

void read_buffer(const YamlReader& r, const YAML::Node& n, const std::string& path,
                 NodeConfig& node) {
  if (!r.is_map(n, path)) return;
  static const std::vector<std::string> known = {"max_events", "max_bytes", "when_full"};
  for (const auto& kv : n) {
    std::string key = kv.first.Scalar();
    if (key == "max_events") {
      if (auto v = r.integer(kv.second, path + ".max_events")) {
        if (*v < 1) {
          r.error(kv.second, path + ".max_events", "must be at least 1");
        } else {
          node.max_events = static_cast<size_t>(*v);
        }
      }
    } else if (key == "max_bytes") {
      if (auto v = r.bytes(kv.second, path + ".max_bytes")) {
        if (*v < 1024) {
          r.error(kv.second, path + ".max_bytes", "must be at least 1KiB");
        } else {
          node.max_bytes = static_cast<size_t>(*v);
        }
      }
    } else if (key == "when_full") {
      if (auto s = r.string(kv.second, path + ".when_full")) {
        if (*s == "block") {
          node.when_full = WhenFull::block;
        } else if (*s == "drop_newest") {
          node.when_full = WhenFull::drop_newest;
        } else {
          r.error(kv.second, path + ".when_full",
                  "expected 'block' or 'drop_newest', got '" + *s + "'");
        }
      }
    } else {
      unknown_key(r, kv.first, path, known);
    }
  }
}

void read_section(const YamlReader& r, const YAML::Node& section, NodeKind kind,
                  const LifecycleConfig& lifecycle, std::vector<NodeConfig>& out,
                  std::map<std::string, std::string>& seen) {
  std::string name = section_name(kind);
  if (section.IsNull()) return;
  if (!r.is_map(section, name)) return;
  for (const auto& kv : section) {
    NodeConfig node;
    node.id = kv.first.Scalar();
    node.kind = kind;
    node.file = r.file();
    node.line = kv.first.Mark().line + 1;
    node.column = kv.first.Mark().column + 1;
    node.start_deadline = lifecycle.start_deadline;
    node.stop_deadline = lifecycle.stop_deadline;
    std::string path = name + "." + node.id;
    if (auto it = seen.find(node.id); it != seen.end()) {
      r.error(kv.first, path,
              "duplicate id '" + node.id + "' (first defined at " + it->second + ")");
      continue;
    }
    seen[node.id] = r.file() + ":" + std::to_string(node.line) + ":" + std::to_string(node.column);
    if (node.id.empty()) {
      r.error(kv.first, path, "a node id must not be empty");
      continue;
    }
    if (!r.is_map(kv.second, path)) continue;
    node.node = kv.second;
    const YAML::Node type = kv.second["type"];
    if (!type) {
      r.error(kv.first, path,
              "missing 'type': which plugin runs this " + std::string(to_string(kind)));
    } else if (auto t = r.string(type, path + ".type")) {
      node.type = *t;
    }
    if (const YAML::Node inputs = kv.second["inputs"]) {
      if (kind == NodeKind::source) {
        r.error(inputs, path + ".inputs", "a source takes no inputs");
      } else if (auto list = r.strings(inputs, path + ".inputs")) {
        node.inputs = *list;
      }
    } else if (kind != NodeKind::source) {
      r.error(kv.first, path,
              "missing 'inputs': a " + std::string(to_string(kind)) + " needs at least one input");
    }
    if (const YAML::Node buffer = kv.second["buffer"]) {
      if (kind == NodeKind::source) {
        r.error(buffer, path + ".buffer", "a source has no input buffer");
      } else {
        read_buffer(r, buffer, path + ".buffer", node);
      }
    }
    if (const YAML::Node d = kv.second["start_deadline"]) {
      if (auto v = r.duration(d, path + ".start_deadline")) node.start_deadline = *v;
    }
    if (const YAML::Node d = kv.second["stop_deadline"]) {
      if (auto v = r.duration(d, path + ".stop_deadline")) node.stop_deadline = *v;
    }
    out.push_back(std::move(node));
  }
}

// Inputs must name existing non-sink nodes and the graph must have no cycle; on success the
// nodes are reordered so that each comes after all of its inputs.
void check_graph(Diagnostics& diags, std::vector<NodeConfig>& nodes) {
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < nodes.size(); ++i) index[nodes[i].id] = i;
  std::vector<std::string> ids;
  ids.reserve(nodes.size());
  for (const auto& n : nodes) ids.push_back(n.id);
  bool inputs_ok = true;
  for (auto& n : nodes) {
    const YamlReader r(n.file, diags);
    std::set<std::string> unique;
    for (size_t i = 0; i < n.inputs.size(); ++i) {
      const std::string& in = n.inputs[i];
      YAML::Node at = n.node["inputs"].IsSequence() ? n.node["inputs"][i] : n.node["inputs"];
      std::string path = n.path() + ".inputs";
      auto it = index.find(in);
      if (it == index.end()) {
        std::string message = "unknown input '" + in + "'";
        std::string guess = closest_match(in, ids);
        if (!guess.empty()) message += " (did you mean '" + guess + "'?)";
        r.error(at, path, message);
        inputs_ok = false;
      } else if (nodes[it->second].kind == NodeKind::sink) {
        r.error(at, path, "input '" + in + "' is a sink; sinks have no output");
        inputs_ok = false;
      } else if (in == n.id) {
        r.error(at, path, "'" + in + "' lists itself as an input (a cycle)");
        inputs_ok = false;
      } else if (!unique.insert(in).second) {
        r.error(at, path, "input '" + in + "' is listed twice");
        inputs_ok = false;
      }
    }
  }
  if (!inputs_ok) return;

  // Depth-first search, on a stack of its own rather than the call stack (a chain of many
  // thousand processors must not overflow it); a node met again while on the path closes a
  // cycle. Each node and each edge is visited once.
  enum class Mark { none, active, done };
  std::vector<Mark> marks(nodes.size(), Mark::none);
  std::vector<std::vector<size_t>> inputs(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    for (const auto& in : nodes[i].inputs) inputs[i].push_back(index.at(in));
  }
  std::vector<size_t> order;
  order.reserve(nodes.size());
  struct Frame {
    size_t node;
    size_t next_input;
  };
  std::vector<Frame> path;
  bool cycle_reported = false;
  for (size_t root = 0; root < nodes.size() && !cycle_reported; ++root) {
    if (marks[root] != Mark::none) continue;
    marks[root] = Mark::active;
    path.push_back({root, 0});
    while (!path.empty() && !cycle_reported) {
      Frame& top = path.back();
      if (top.next_input == inputs[top.node].size()) {
        marks[top.node] = Mark::done;
        order.push_back(top.node);
        path.pop_back();
        continue;
      }
      const size_t next = inputs[top.node][top.next_input++];
      if (marks[next] == Mark::done) continue;
      if (marks[next] == Mark::active) {
        cycle_reported = true;
        auto from = std::find_if(path.begin(), path.end(),
                                 [next](const Frame& f) { return f.node == next; });
        // A long loop is named by its ends: the message stays a line, not a file.
        const auto length = static_cast<size_t>(path.end() - from);
        std::string loop;
        for (auto it = from; it != path.end(); ++it) {
          const auto at = static_cast<size_t>(it - from);
          if (length > 12 && at == 6) {
            loop += "... (" + std::to_string(length - 11) + " more) -> ";
            it += static_cast<std::ptrdiff_t>(length - 12);
            continue;
          }
          loop += nodes[it->node].id + " -> ";
        }
        loop += nodes[next].id;
        diags.add({nodes[next].file, nodes[next].line, nodes[next].column,
                   nodes[next].path() + ".inputs", "the graph has a cycle: " + loop});
        break;
      }
      marks[next] = Mark::active;
      path.push_back({next, 0});
    }
  }
  if (cycle_reported) return;
  std::vector<NodeConfig> sorted;
  sorted.reserve(order.size());
  for (size_t i : order) sorted.push_back(std::move(nodes[i]));
  nodes = std::move(sorted);
}

// One file of a config, parsed: its mapping, or nothing when it could not be read.
struct ConfigFile {
  std::string path;
  YAML::Node root;
};

// The settings that are the whole pipeline's, not a node's: each may be set in one file only.
const std::vector<std::string> global_keys = {"data_dir", "plugin_dirs", "api", "lifecycle"};

void read_globals(const ConfigFile& f, Diagnostics& diags, PipelineConfig& config,
                  std::map<std::string, std::string>& set_in) {
  const YamlReader r(f.path, diags);
  for (const auto& kv : f.root) {
    const std::string key = kv.first.Scalar();
    if (std::find(global_keys.begin(), global_keys.end(), key) == global_keys.end()) continue;
    const std::string here = f.path + ":" + std::to_string(kv.first.Mark().line + 1) + ":" +
                             std::to_string(kv.first.Mark().column + 1);
    if (auto it = set_in.find(key); it != set_in.end()) {
      r.error(kv.first, key,
              "'" + key + "' is set already, at " + it->second +
                  ": a setting of the whole pipeline belongs in one file");
      continue;
    }
    set_in[key] = here;
    if (key == "data_dir") {
      if (auto s = r.string(kv.second, key)) config.data_dir = *s;
      config.data_dir_mark = kv.second.Mark();
      config.data_dir_file = f.path;
    } else if (key == "plugin_dirs") {
      if (auto l = r.strings(kv.second, key)) config.plugin_dirs = *l;
    } else if (key == "api") {
      read_api(r, kv.second, config);
      config.api_listen_file = f.path;
    } else {
      read_lifecycle(r, kv.second, config.lifecycle);
    }
  }
}

void read_sections(const ConfigFile& f, Diagnostics& diags, PipelineConfig& config,
                   std::map<std::string, std::string>& seen) {
  const YamlReader r(f.path, diags);
  static const std::vector<std::string> known = [] {
    auto keys = global_keys;
    keys.insert(keys.end(), {"sources", "processors", "sinks"});
    return keys;
  }();
  for (const auto& kv : f.root) {
    const std::string key = kv.first.Scalar();
    if (key == "sources") {
      read_section(r, kv.second, NodeKind::source, config.lifecycle, config.nodes, seen);
    } else if (key == "processors") {
      read_section(r, kv.second, NodeKind::processor, config.lifecycle, config.nodes, seen);
    } else if (key == "sinks") {
      read_section(r, kv.second, NodeKind::sink, config.lifecycle, config.nodes, seen);
    } else if (std::find(known.begin(), known.end(), key) == known.end()) {
      unknown_key(r, kv.first, "", known);
    }
  }
}

// The files as one pipeline: settings from wherever they are set, nodes from every file
// (lifecycle defaults apply to all of them), and the graph checked as a whole.
std::optional<PipelineConfig> parse(const std::vector<ConfigFile>& files, Diagnostics& diags) {
  PipelineConfig config;
  for (const auto& f : files) config.files.push_back(f.path);
  config.file = files.empty() ? "" : files.front().path;
  config.api_listen_file = config.data_dir_file = config.file;
  config.data_dir = default_data_dir();
  std::vector<const ConfigFile*> mappings;
  for (const auto& f : files) {
    const YamlReader r(f.path, diags);
    if (f.root.IsNull()) {
      // One empty file among several is a fragment still to be written; alone, it is a
      // mistake.
      if (files.size() == 1) {
        r.error(f.root, "", "the file is empty: it needs at least one source and one sink");
      }
      continue;
    }
    if (r.is_map(f.root, "")) mappings.push_back(&f);
  }
  if (!diags.empty()) return std::nullopt;
  std::map<std::string, std::string> set_in;
  for (const auto* f : mappings) read_globals(*f, diags, config, set_in);
  std::map<std::string, std::string> seen;
  for (const auto* f : mappings) read_sections(*f, diags, config, seen);
  const YamlReader whole(config.file, diags);
  auto count = [&](NodeKind k) {
    return std::count_if(config.nodes.begin(), config.nodes.end(),
                         [k](const NodeConfig& n) { return n.kind == k; });
  };
  const YAML::Node first = mappings.empty() ? YAML::Node() : mappings.front()->root;
  if (diags.empty() && count(NodeKind::source) == 0) {
    whole.error(first, "sources", "no source is defined: records have nowhere to come from");
  }
  if (diags.empty() && count(NodeKind::sink) == 0) {
    whole.error(first, "sinks", "no sink is defined: records have nowhere to go");
  }
  if (config.nodes.size() > max_pipeline_nodes) {
    whole.error(first, "",
                "the pipeline has " + std::to_string(config.nodes.size()) + " nodes; at most " +
                    std::to_string(max_pipeline_nodes) + " are allowed");
    return std::nullopt;
  }
  check_graph(diags, config.nodes);
  if (!diags.empty()) return std::nullopt;
  return config;
}

// Parses one file's text, with its environment variables replaced; nothing (and the reason
// in diags) when it is not YAML or a variable is missing.
std::optional<ConfigFile> read_config_text(const std::string& text, const std::string& path,
                                           Diagnostics& diags) {
  ConfigFile f{path, {}};
  try {
    f.root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    YamlReader(path, diags).error_at(e.mark, "", "malformed YAML: " + e.msg);
    return std::nullopt;
  }
  if (!interpolate_tree(f.root, process_environment, YamlReader(path, diags))) return std::nullopt;
  return f;
}

std::optional<std::string> read_whole(const std::string& path, Diagnostics& diags) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diags.add({path, 0, 0, "", "cannot read the file: " + std::string(std::strerror(errno))});
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

std::string NodeConfig::path() const {
  return std::string(section_name(kind)) + "." + id;
}

const std::vector<std::string>& node_core_keys() {
  static const std::vector<std::string> keys = {"type", "inputs", "buffer", "start_deadline",
                                                "stop_deadline"};
  return keys;
}

std::string default_data_dir() {
  if (const char* state = std::getenv("STATE_DIRECTORY"); state != nullptr && *state != '\0') {
    std::string first(state);
    return first.substr(0, first.find(':'));  // systemd lists one per StateDirectory= entry
  }
  if (::geteuid() == 0) return "/var/lib/sluice";
  if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg != nullptr && *xdg == '/') {
    return std::string(xdg) + "/sluice";
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home == '/') {
    return std::string(home) + "/.local/state/sluice";
  }
  return "./data";
}

std::optional<PipelineConfig> load_pipeline_text(const std::string& text, const std::string& file,
                                                 Diagnostics& diags) {
  auto f = read_config_text(text, file, diags);
  if (!f) return std::nullopt;
  return parse({*f}, diags);
}

std::vector<std::string> config_files(const std::vector<std::string>& paths, Diagnostics& diags) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  for (const auto& path : paths) {
    std::error_code ec;
    if (!fs::is_directory(path, ec)) {
      files.push_back(path);
      continue;
    }
    std::vector<std::string> found;
    for (const auto& entry : fs::directory_iterator(path, ec)) {
      const auto ext = entry.path().extension();
      if ((ext == ".yaml" || ext == ".yml") && !entry.is_directory()) {
        found.push_back(entry.path().string());
      }
    }
    if (ec) {
      diags.add({path, 0, 0, "", "cannot list the folder: " + ec.message()});
      continue;
    }
    if (found.empty()) {
      diags.add({path, 0, 0, "", "the folder holds no *.yaml or *.yml file"});
      continue;
    }
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

std::optional<PipelineConfig> load_pipeline_files(const std::vector<std::string>& paths,
                                                  Diagnostics& diags) {
  std::vector<ConfigFile> files;
  for (const auto& path : config_files(paths, diags)) {
    auto text = read_whole(path, diags);
    if (!text) continue;
    if (auto f = read_config_text(*text, path, diags)) files.push_back(std::move(*f));
  }
  if (!diags.empty()) return std::nullopt;
  return parse(files, diags);
}

std::optional<PipelineConfig> load_pipeline_file(const std::string& path, Diagnostics& diags) {
  return load_pipeline_files({path}, diags);
}

}  // namespace sluice::core
