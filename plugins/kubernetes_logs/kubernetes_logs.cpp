// kubernetes_logs: the pod logs the kubelet keeps on a node, read as file_source reads files,
// decoded from the container runtime's format, and labelled with their namespace, pod and
// container from the path alone.
#include "kubernetes_settings.hpp"
#include "sluice/plugin.hpp"
#include "tailing_source.hpp"

namespace kubernetes_logs {
namespace {

// Read before the tailing part is built, which keeps a reference to them.
struct ReadSettings {
  explicit ReadSettings(const sluice::Config& cfg) : settings(Settings::read(cfg)) {}
  Settings settings;
};

class KubernetesLogs final : private ReadSettings, public file_source::TailingSource {
 public:
  static const sluice::SettingsDescription& settings_table() { return Settings::table(); }
  KubernetesLogs(sluice::Context& ctx, const sluice::Config& cfg)
      : ReadSettings(cfg), TailingSource(ctx, settings) {}
};

}  // namespace
}  // namespace kubernetes_logs

SLUICE_PLUGIN(kubernetes_logs::KubernetesLogs, "kubernetes_logs", "1.0.0",
              "Pod logs from the kubelet's folder: CRI or json-file, split lines joined, pod "
              "labels from the path")
