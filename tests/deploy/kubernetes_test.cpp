// deploy/kubernetes, checked without a cluster: every manifest parses and names itself; the
// DaemonSet mounts every path its ConfigMap's pipeline reads or writes, with the right
// access; its probes ask endpoints that the engine, running that very pipeline, answers;
// and the names that tie the objects together (config map, service account, role, pods)
// agree.
#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <optional>
#include <set>

#include "helpers.hpp"
#include "http_client.hpp"
#include "packaged_engine.hpp"
#include "subprocess.hpp"
#include "test_paths.hpp"

using namespace sluice;
namespace fs = std::filesystem;

namespace {

struct Manifests {
  std::map<std::string, YAML::Node> by_kind;  // one object of each kind is enough here
  std::vector<YAML::Node> all;
};

Manifests load_manifests() {
  Manifests m;
  const fs::path dir = fs::path(SLUICE_TEST_SOURCE_DIR) / "deploy/kubernetes";
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".yaml") continue;
    for (const auto& doc : YAML::LoadAllFromFile(entry.path().string())) {
      INFO(entry.path().filename().string());
      REQUIRE(doc["apiVersion"].IsScalar());
      REQUIRE(doc["kind"].IsScalar());
      REQUIRE(doc["metadata"]["name"].IsScalar());
      m.by_kind[doc["kind"].as<std::string>()] = doc;
      m.all.push_back(doc);
    }
  }
  return m;
}

// The part of a glob before its first wildcard: the folder a mount must hold.
std::string fixed_prefix(const std::string& glob) {
  return glob.substr(0, glob.find_first_of("*?["));
}

// The mount of the container under which path lies (the longest mountPath that holds it).
std::optional<YAML::Node> mount_for(const YAML::Node& container, const std::string& path) {
  std::optional<YAML::Node> best;
  size_t best_len = 0;
  for (const auto& m : container["volumeMounts"]) {
    auto mp = m["mountPath"].as<std::string>();
    if (path.rfind(mp, 0) == 0 && (path.size() == mp.size() || path[mp.size()] == '/') &&
        mp.size() > best_len) {
      best = static_cast<const YAML::Node&>(m);
      best_len = mp.size();
    }
  }
  return best;
}

}  // namespace

TEST_CASE(
    "the DaemonSet mounts what its pipeline reads and writes, and ties the objects "
    "together",
    "[deploy]") {
  auto m = load_manifests();
  for (const char* kind : {"Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding",
                           "ConfigMap", "DaemonSet", "Service"}) {
    INFO(kind);
    CHECK(m.by_kind.count(kind) == 1);
  }
  const auto ds = m.by_kind["DaemonSet"];
  const auto pod = ds["spec"]["template"]["spec"];
  const auto container = pod["containers"][0];
  const auto config_map = m.by_kind["ConfigMap"];
  const auto pipeline = YAML::Load(config_map["data"]["sluice.yaml"].as<std::string>());

  // The config the container runs is the ConfigMap's, where the ConfigMap is mounted.
  const auto args = container["args"].as<std::vector<std::string>>();
  REQUIRE(args.size() == 3);
  CHECK(args[0] == "run");
  const auto config_mount = mount_for(container, args[2]);
  REQUIRE(config_mount);
  CHECK(fs::path(args[2]).filename() == "sluice.yaml");
  bool config_from_map = false;
  for (const auto& v : pod["volumes"]) {
    if (v["name"].as<std::string>() == (*config_mount)["name"].as<std::string>()) {
      config_from_map = v["configMap"]["name"].as<std::string>() ==
                        config_map["metadata"]["name"].as<std::string>();
    }
  }
  CHECK(config_from_map);

  // Every folder a file source reads is mounted; the state folder is mounted writable and
  // lives on the node (hostPath), so that positions outlive the pod.
  std::vector<std::string> read;
  for (const auto& source : pipeline["sources"]) {
    const auto type = source.second["type"].as<std::string>();
    if (type == "file_source") {
      for (const auto& glob : source.second["include"]) {
        read.push_back(fixed_prefix(glob.as<std::string>()));
      }
    } else if (type == "kubernetes_logs") {
      read.push_back(source.second["pods_dir"].as<std::string>("/var/log/pods"));
      // Under dockerd the pod log files are links into its folder.
      read.emplace_back("/var/lib/docker/containers");
    }
  }
  CHECK(read.size() >= 3);
  for (const auto& path : read) {
    INFO(path);
    auto mount = mount_for(container, path);
    CHECK(mount);
    if (mount) CHECK((*mount)["readOnly"].as<bool>(false));
  }

  // The pipeline is configs/kubernetes.yaml's, with the API on the pod's address.
  const auto shipped =
      YAML::LoadFile((fs::path(SLUICE_TEST_SOURCE_DIR) / "configs/kubernetes.yaml").string());
  for (const char* part : {"data_dir", "sources", "sinks"}) {
    INFO(part);
    CHECK(YAML::Dump(pipeline[part]) == YAML::Dump(shipped[part]));
  }
  const std::string data_dir = "/var/lib/sluice";  // the config's default
  CHECK(pipeline["data_dir"].as<std::string>().find(data_dir) != std::string::npos);
  auto state = mount_for(container, data_dir);
  REQUIRE(state);
  CHECK_FALSE((*state)["readOnly"].as<bool>(false));
  for (const auto& v : pod["volumes"]) {
    if (v["name"].as<std::string>() == (*state)["name"].as<std::string>()) {
      CHECK(v["hostPath"]["path"].as<std::string>() == data_dir);
    }
  }

  // Hardening, and time enough to drain on stop (drain_deadline + stop_deadline: 5 s each).
  CHECK(container["securityContext"]["readOnlyRootFilesystem"].as<bool>());
  CHECK_FALSE(container["securityContext"]["allowPrivilegeEscalation"].as<bool>());
  CHECK(container["securityContext"]["capabilities"]["drop"][0].as<std::string>() == "ALL");
  CHECK(pod["terminationGracePeriodSeconds"].as<int>() > 10);
  CHECK(container["resources"]["limits"]["memory"]);
  CHECK(container["resources"]["requests"]["cpu"]);

  // The names that tie the objects together.
  const auto sa = m.by_kind["ServiceAccount"]["metadata"]["name"].as<std::string>();
  CHECK(pod["serviceAccountName"].as<std::string>() == sa);
  const auto binding = m.by_kind["ClusterRoleBinding"];
  CHECK(binding["roleRef"]["name"].as<std::string>() ==
        m.by_kind["ClusterRole"]["metadata"]["name"].as<std::string>());
  CHECK(binding["subjects"][0]["name"].as<std::string>() == sa);
  std::set<std::string> resources, verbs;
  for (const auto& rule : m.by_kind["ClusterRole"]["rules"]) {
    for (const auto& r : rule["resources"]) resources.insert(r.as<std::string>());
    for (const auto& v : rule["verbs"]) verbs.insert(v.as<std::string>());
  }
  CHECK(resources == std::set<std::string>{"namespaces", "pods"});
  CHECK(verbs == std::set<std::string>{"get", "list", "watch"});
  const auto service = m.by_kind["Service"];
  for (const auto& label : service["spec"]["selector"]) {
    CHECK(ds["spec"]["template"]["metadata"]["labels"][label.first.as<std::string>()]
              .as<std::string>() == label.second.as<std::string>());
  }
  CHECK(service["spec"]["ports"][0]["targetPort"].as<std::string>() ==
        container["ports"][0]["name"].as<std::string>());
  const auto namespace_name = m.by_kind["Namespace"]["metadata"]["name"].as<std::string>();
  for (const auto& doc : m.all) {
    auto kind = doc["kind"].as<std::string>();
    if (kind == "Namespace" || kind == "ClusterRole" || kind == "ClusterRoleBinding") continue;
    INFO(kind);
    CHECK(doc["metadata"]["namespace"].as<std::string>() == namespace_name);
  }
}

TEST_CASE("the DaemonSet's probes ask what the engine, running its ConfigMap, answers",
          "[deploy]") {
  auto m = load_manifests();
  const auto container = m.by_kind["DaemonSet"]["spec"]["template"]["spec"]["containers"][0];
  test::TempDir dir;
  const std::string config = dir.file("sluice.yaml");
  test::write_file(config, m.by_kind["ConfigMap"]["data"]["sluice.yaml"].as<std::string>());
  // The port the probes name is the one the pipeline listens on by default.
  const auto pipeline = YAML::LoadFile(config);
  const auto listen = pipeline["api"]["listen"].as<std::string>();
  const auto port = container["ports"][0]["containerPort"].as<int>();
  CHECK(listen.find(":" + std::to_string(port) + "}") != std::string::npos);
  CHECK(container["livenessProbe"]["httpGet"]["port"].as<std::string>() ==
        container["ports"][0]["name"].as<std::string>());

  test::PackagedEngine engine(config);
  INFO(engine.log());
  REQUIRE(engine.port() != 0);
  for (const char* probe : {"livenessProbe", "readinessProbe"}) {
    const auto path = container[probe]["httpGet"]["path"].as<std::string>();
    INFO(probe << " " << path);
    CHECK(test::wait_until([&] { return test::http_get(engine.port(), path).status == 200; }));
  }
  CHECK(engine.stop() == 0);
}
