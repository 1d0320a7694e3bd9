// deploy/compose and the Dockerfile, checked for consistency rather than run (the images of
// Loki, Grafana and Prometheus come from a registry this machine cannot reach): every file
// a service mounts exists, the names and ports the services use to reach each other are
// the ones they listen on, the paths Sluice's container is given are the ones its packaged
// config reads, and Prometheus's own checker accepts its config.
#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <regex>
#include <set>

#include "helpers.hpp"
#include "subprocess.hpp"

using namespace sluice;
namespace fs = std::filesystem;

namespace {

const fs::path source_dir = SLUICE_TEST_SOURCE_DIR;
const fs::path compose_dir = source_dir / "deploy/compose";

struct Volume {
  std::string host, container;
  bool read_only = false;
};

std::vector<Volume> volumes_of(const YAML::Node& service) {
  std::vector<Volume> out;
  for (const auto& v : service["volumes"]) {
    auto text = v.as<std::string>();
    Volume vol;
    auto first = text.find(':');
    vol.host = text.substr(0, first);
    auto rest = text.substr(first + 1);
    auto second = rest.find(':');
    vol.container = rest.substr(0, second);
    vol.read_only = second != std::string::npos && rest.substr(second + 1) == "ro";
    out.push_back(vol);
  }
  return out;
}

// The host path of a relative bind mount; empty for a named volume or an absolute path.
fs::path bound_file(const Volume& v) {
  if (v.host.rfind("./", 0) == 0 || v.host.rfind("../", 0) == 0) return compose_dir / v.host;
  return {};
}

// The container port a service publishes for port (its "host:port:container" mappings).
bool publishes(const YAML::Node& service, int port) {
  for (const auto& p : service["ports"]) {
    auto text = p.as<std::string>();
    if (text.substr(text.rfind(':') + 1) == std::to_string(port)) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("compose.yaml agrees with the image, the packaged config and the monitoring files",
          "[deploy]") {
  const auto compose = YAML::LoadFile((compose_dir / "compose.yaml").string());
  const auto services = compose["services"];
  std::set<std::string> names;
  for (const auto& s : services) names.insert(s.first.as<std::string>());
  CHECK(names == std::set<std::string>{"grafana", "loki", "prometheus", "sluice"});

  // Every relative file a service mounts exists.
  for (const auto& s : services) {
    for (const auto& v : volumes_of(s.second)) {
      auto file = bound_file(v);
      INFO(s.first.as<std::string>() << ": " << v.host);
      if (!file.empty()) CHECK(fs::exists(file));
    }
  }

  // Sluice: built from this tree, given what its packaged config reads and writes.
  const auto sluice = services["sluice"];
  CHECK(fs::exists(compose_dir / sluice["build"].as<std::string>() / "Dockerfile"));
  const auto config = YAML::LoadFile((source_dir / "deploy/sluice.yaml").string());
  std::map<std::string, Volume> by_target;
  for (const auto& v : volumes_of(sluice)) by_target[v.container] = v;
  CHECK(config["sources"]["containers"]["host"].as<std::string>().find(
            "unix:///var/run/docker.sock") != std::string::npos);
  CHECK(by_target["/var/run/docker.sock"].read_only);
  CHECK(config["sources"]["files"]["include"][0].as<std::string>().rfind("/var/log/", 0) == 0);
  CHECK(by_target["/var/log"].read_only);
  CHECK(config["data_dir"].as<std::string>().find("/var/lib/sluice") != std::string::npos);
  REQUIRE(by_target.count("/var/lib/sluice") == 1);
  CHECK_FALSE(by_target["/var/lib/sluice"].read_only);
  CHECK(compose["volumes"][by_target["/var/lib/sluice"].host]);

  // Names and ports: Sluice reaches Loki where Loki listens, Prometheus scrapes Sluice where
  // the image's API listens.
  CHECK(sluice["environment"]["LOKI_URL"].as<std::string>() == "http://loki:3100");
  CHECK(publishes(services["loki"], 3100));
  const auto dockerfile = test::read_file((source_dir / "Dockerfile").string());
  std::smatch api;
  REQUIRE(
      std::regex_search(dockerfile, api, std::regex(R"(ENV SLUICE_API_LISTEN=0\.0\.0\.0:(\d+))")));
  CHECK(publishes(sluice, std::stoi(api[1])));
  const auto prometheus = YAML::LoadFile((compose_dir / "prometheus.yml").string());
  CHECK(prometheus["scrape_configs"][0]["static_configs"][0]["targets"][0].as<std::string>() ==
        "sluice:" + api[1].str());

  // Prometheus's config, with the container's paths replaced by the files mounted there,
  // passes promtool check config (which also checks the rules it loads).
  std::string prometheus_text = test::read_file((compose_dir / "prometheus.yml").string());
  for (const auto& v : volumes_of(services["prometheus"])) {
    for (size_t at; (at = prometheus_text.find(v.container)) != std::string::npos;) {
      prometheus_text.replace(at, v.container.size(), bound_file(v).string());
    }
  }
  test::TempDir dir;
  test::write_file(dir.file("prometheus.yml"), prometheus_text);
  auto checked =
      test::run({"/usr/bin/env", "promtool", "check", "config", dir.file("prometheus.yml")});
  INFO(checked.out << checked.err);
  CHECK(checked.exit_code == 0);
  CHECK(checked.out.find("9 rules found") != std::string::npos);

  // Grafana: its data sources are the services, and its dashboards folder holds the
  // dashboard mounted into it.
  const auto sources =
      YAML::LoadFile((compose_dir / "grafana/provisioning/datasources/datasources.yaml").string());
  std::set<std::string> urls, types;
  for (const auto& s : sources["datasources"]) {
    urls.insert(s["url"].as<std::string>());
    types.insert(s["type"].as<std::string>());
  }
  CHECK(urls == std::set<std::string>{"http://loki:3100", "http://prometheus:9090"});
  CHECK(publishes(services["prometheus"], 9090));
  CHECK(types.count("prometheus") == 1);  // the dashboard's data source variable's type
  const auto providers =
      YAML::LoadFile((compose_dir / "grafana/provisioning/dashboards/dashboards.yaml").string());
  const auto folder = providers["providers"][0]["options"]["path"].as<std::string>();
  bool dashboard_there = false;
  for (const auto& v : volumes_of(services["grafana"])) {
    if (fs::path(v.container).parent_path() == folder &&
        bound_file(v).filename() == "sluice-dashboard.json") {
      dashboard_there = true;
    }
  }
  CHECK(dashboard_there);
}

TEST_CASE(
    "the Dockerfile builds in one stage and runs in a slim one, unprivileged, with a "
    "health check",
    "[deploy]") {
  const auto dockerfile = test::read_file((source_dir / "Dockerfile").string());
  std::vector<std::string> from;
  std::regex from_line(R"((^|\n)FROM ([^\n]+))");
  for (std::sregex_iterator it(dockerfile.begin(), dockerfile.end(), from_line), end; it != end;
       ++it) {
    from.push_back((*it)[2]);
  }
  REQUIRE(from.size() == 2);
  CHECK(from[0] == "debian:bookworm AS build");
  CHECK(from[1] == "debian:bookworm-slim");
  const auto final_stage = dockerfile.substr(dockerfile.rfind("\nFROM "));
  CHECK(final_stage.find("\nUSER sluice\n") != std::string::npos);
  CHECK(final_stage.find("\nHEALTHCHECK ") != std::string::npos);
  CHECK(final_stage.find("install-deps") == std::string::npos);  // no compiler comes in
  CHECK(fs::exists(source_dir / "deploy/docker/healthcheck.sh"));
}
