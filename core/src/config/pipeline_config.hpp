// The pipeline file: global settings and the graph of nodes, checked as a whole.
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "config/diagnostics.hpp"

namespace sluice::core {

enum class NodeKind { source, processor, sink };
enum class WhenFull { block, drop_newest };
enum class OnViolation { keep_running, exit };

const char* to_string(NodeKind kind);

struct NodeConfig {
  std::string id;
  NodeKind kind = NodeKind::source;
  std::string type;
  std::vector<std::string> inputs;
  YAML::Node node;  // the node's whole mapping; the plugin reads its own keys from it
  std::string file;
  int line = 0;
  int column = 0;
  size_t max_events = 10'000;
  // The input queue's bound in bytes too: 10,000 long lines would be gigabytes.
  size_t max_bytes = size_t{64} << 20;
  WhenFull when_full = WhenFull::block;
  std::chrono::milliseconds start_deadline{5'000};
  std::chrono::milliseconds stop_deadline{5'000};

  std::string path() const;  // "sinks.out"
};

struct LifecycleConfig {
  std::chrono::milliseconds start_deadline{5'000};
  std::chrono::milliseconds stop_deadline{5'000};
  // How long shutdown waits for queued records to reach the sinks before stopping them.
  std::chrono::milliseconds drain_deadline{5'000};
  OnViolation on_violation = OnViolation::keep_running;
};

struct PipelineConfig {
  std::string file;                // the first file read, for messages about the whole
  std::vector<std::string> files;  // every file read, in order
  std::string data_dir;  // default_data_dir() unless the config sets it
  std::vector<std::string> plugin_dirs;
  std::string api_listen = "127.0.0.1:9400";  // empty: no API server
  LifecycleConfig lifecycle;
  std::vector<NodeConfig> nodes;  // sorted so that every node comes after its inputs
  // Where api.listen and data_dir were written (null when not), for errors about them.
  YAML::Mark api_listen_mark = YAML::Mark::null_mark();
  YAML::Mark data_dir_mark = YAML::Mark::null_mark();
  std::string api_listen_file, data_dir_file;
};

// Where state goes when the config does not say: systemd's StateDirectory when the service
// has one, /var/lib/sluice for root, and the user's XDG state folder otherwise; never a
// path relative to wherever the process happened to start.
std::string default_data_dir();

// Keys every node may have besides its plugin's own.
const std::vector<std::string>& node_core_keys();

// Far beyond any real pipeline: a file with more nodes is refused before its graph is
// checked, so that a reload of a generated or corrupt file cannot stall the engine.
constexpr size_t max_pipeline_nodes = 10'000;

// Parses and checks a pipeline; every problem found goes into diags, not only the first.
std::optional<PipelineConfig> load_pipeline_file(const std::string& path, Diagnostics& diags);
// A pipeline from several files and folders (each folder's *.yaml and *.yml, in name order),
// as one graph: a node id defined twice, or a setting of the whole pipeline (data_dir, api,
// plugin_dirs, lifecycle) set twice, is an error naming both places.
std::optional<PipelineConfig> load_pipeline_files(const std::vector<std::string>& paths,
                                                  Diagnostics& diags);
// The files paths stand for: a file as itself, a folder as its *.yaml and *.yml in name order.
std::vector<std::string> config_files(const std::vector<std::string>& paths, Diagnostics& diags);
std::optional<PipelineConfig> load_pipeline_text(const std::string& text, const std::string& file,
                                                 Diagnostics& diags);

}  // namespace sluice::core
