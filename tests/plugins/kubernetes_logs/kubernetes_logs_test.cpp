// kubernetes_logs on the fake host: pod labels from the kubelet's layout, the runtimes'
// formats decoded, and the kubelet's rotation.
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "pod_path.hpp"
#include "sluice/testing/fake_host.hpp"

extern "C" const sluice_plugin_descriptor_t* sluice_plugin_entry(uint16_t, uint16_t);

using namespace kubernetes_logs;
namespace fs = std::filesystem;
using Pairs = std::vector<std::pair<std::string, std::string>>;

namespace {

struct Dir {
  fs::path path;
  Dir() {
    path = fs::temp_directory_path() / ("kubernetes-logs-unit-" + std::to_string(::getpid()));
    fs::remove_all(path);
    fs::create_directories(path / "state");
  }
  ~Dir() { fs::remove_all(path); }
  std::string pods() const { return (path / "pods").string(); }
  // A file under pods_dir, written (appended) with content.
  std::string write(const std::string& name, const std::string& content) const {
    auto p = path / "pods" / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::app) << content;
    return p.string();
  }
};

std::string cri(const std::string& stream, const std::string& tag, const std::string& text) {
  return "2026-12-03T10:00:00.123456789Z " + stream + " " + tag + " " + text + "\n";
}

std::string value(const Pairs& pairs, const std::string& name) {
  for (const auto& [n, v] : pairs) {
    if (n == name) return v;
  }
  return "(none)";
}

bool has(const Pairs& pairs, const std::string& name) {
  return value(pairs, name) != "(none)";
}

std::vector<sluice::testing::FakeRecord> with_line(
    const std::vector<sluice::testing::FakeRecord>& records, const std::string& line) {
  std::vector<sluice::testing::FakeRecord> out;
  for (const auto& r : records) {
    if (r.line == line) out.push_back(r);
  }
  return out;
}

}  // namespace

TEST_CASE("a pod log's path names its namespace, pod, uid and container", "[kubernetes_logs]") {
  auto p = parse_pod_path(
      "/var/log/pods/kube-system_coredns-7db6d8ff4d-x2l9p_0f4c8a1e-3b5d-4c6e-9f70-1a2b3c4d5e6f/"
      "coredns/0.log",
      "/var/log/pods");
  REQUIRE(p);
  CHECK(p->namespace_name == "kube-system");
  CHECK(p->pod == "coredns-7db6d8ff4d-x2l9p");
  CHECK(p->uid == "0f4c8a1e-3b5d-4c6e-9f70-1a2b3c4d5e6f");
  CHECK(p->container == "coredns");
  // Dots in a pod's name (a DNS subdomain), a rotated file, a trailing slash on the folder.
  auto dotted =
      parse_pod_path("/pods/my.team_web.v2-0_abc/side-car/3.log.20261203-101010", "/pods/");
  REQUIRE(dotted);
  CHECK(dotted->namespace_name == "my.team");
  CHECK(dotted->pod == "web.v2-0");
  CHECK(dotted->uid == "abc");
  CHECK(dotted->container == "side-car");
  // Not the kubelet's layout: no answer rather than a wrong one.
  for (const char* path :
       {"/other/ns_pod_uid/c/0.log", "/pods/ns_pod_uid/0.log", "/pods/ns-pod-uid/c/0.log",
        "/pods/ns_uid/c/0.log", "/pods/ns_pod_uid/c/deeper/0.log", "/podsx/ns_pod_uid/c/0.log",
        "/pods/_pod_uid/c/0.log", "/pods/ns_pod_/c/0.log"}) {
    INFO(path);
    CHECK_FALSE(parse_pod_path(path, "/pods"));
  }
}

TEST_CASE("kubernetes_logs labels each record with its pod and decodes CRI and json-file",
          "[kubernetes_logs]") {
  Dir d;
  d.write("shop_cart-5f7b9_1111-aaaa/cart/0.log",
          cri("stdout", "F", "cart ready") + cri("stdout", "P", "a long ") +
              cri("stderr", "F", "an error between") + cri("stdout", "F", "line, joined"));
  d.write("kube-system_proxy.node-1_2222-bbbb/kube-proxy/1.log",
          R"({"log":"proxy up\n","stream":"stderr","time":"2026-12-03T10:00:01Z"})"
          "\n");
  // Not the kubelet's layout at all: read, but with no pod labels.
  d.write("stray/file/0.log", "not a pod\n");
  sluice::testing::FakeHost host(sluice_plugin_entry(SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR));
  host.set_state_dir((d.path / "state").string());
  REQUIRE(host.create({{"pods_dir", d.pods()}}));
  REQUIRE(host.start());
  REQUIRE(host.wait_for_emitted(5));
  host.ack_all(SLUICE_OUTCOME_DELIVERED);
  REQUIRE(host.stop());
  auto records = host.emitted();
  REQUIRE(records.size() == 5);

  auto ready = with_line(records, "cart ready");
  REQUIRE(ready.size() == 1);
  CHECK(ready[0].labels == Pairs{{"container", "cart"},
                                 {"namespace", "shop"},
                                 {"pod", "cart-5f7b9"},
                                 {"stream", "stdout"}});
  CHECK(value(ready[0].metadata, "pod_uid") == "1111-aaaa");
  CHECK(value(ready[0].metadata, "filename") == d.pods() + "/shop_cart-5f7b9_1111-aaaa/cart/0.log");
  CHECK(ready[0].timestamp_ns == 1'796'292'000'123'456'789);
  auto joined = with_line(records, "a long line, joined");
  REQUIRE(joined.size() == 1);
  auto between = with_line(records, "an error between");
  REQUIRE(between.size() == 1);
  CHECK(value(between[0].labels, "stream") == "stderr");

  auto proxy = with_line(records, "proxy up");
  REQUIRE(proxy.size() == 1);
  CHECK(value(proxy[0].labels, "namespace") == "kube-system");
  CHECK(value(proxy[0].labels, "pod") == "proxy.node-1");
  CHECK(value(proxy[0].labels, "container") == "kube-proxy");
  CHECK(value(proxy[0].labels, "stream") == "stderr");

  auto stray = with_line(records, "not a pod");
  REQUIRE(stray.size() == 1);
  CHECK_FALSE(has(stray[0].labels, "pod"));
  CHECK(has(stray[0].labels, "filename"));
}

TEST_CASE(
    "kubernetes_logs puts the pod's uid in a label when asked, and refuses a relative "
    "pods_dir",
    "[kubernetes_logs]") {
  Dir d;
  d.write("ns_pod_uid-1/c/0.log", cri("stdout", "F", "hello"));
  sluice::testing::FakeHost host(sluice_plugin_entry(SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR));
  host.set_state_dir((d.path / "state").string());
  REQUIRE(host.create({{"pods_dir", d.pods()}, {"pod_uid", "label"}}));
  REQUIRE(host.start());
  REQUIRE(host.wait_for_emitted(1));
  REQUIRE(host.stop());
  auto records = host.emitted();
  REQUIRE(records.size() == 1);
  CHECK(value(records[0].labels, "pod_uid") == "uid-1");
  CHECK_FALSE(has(records[0].metadata, "pod_uid"));

  sluice::testing::FakeHost refused(sluice_plugin_entry(SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR));
  CHECK_FALSE(refused.create({{"pods_dir", "var/log/pods"}}));
  REQUIRE(refused.config_errors().size() == 1);
  CHECK(refused.config_errors()[0].find("pods_dir") != std::string::npos);
  CHECK(refused.config_errors()[0].find("absolute") != std::string::npos);
}

// The kubelet rotates a container's log by renaming 0.log to 0.log.<date>, the runtime opening
// a new 0.log; it compresses the older rotated files to .gz later. Every line once: the
// renamed file read to its end, the new one from its start, the .gz never.
TEST_CASE("kubernetes_logs reads through the kubelet's rotation, and never a .gz",
          "[kubernetes_logs]") {
  Dir d;
  const std::string live = d.write("ns_app-1_u1/app/0.log", cri("stdout", "F", "line 1"));
  sluice::testing::FakeHost host(sluice_plugin_entry(SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR));
  host.set_state_dir((d.path / "state").string());
  REQUIRE(host.create({{"pods_dir", d.pods()},
                       {"scan_interval", "20ms"},
                       {"poll_interval", "20ms"},
                       {"rotate_wait", "200ms"}}));
  REQUIRE(host.start());
  REQUIRE(host.wait_for_emitted(1));
  // Renamed; the runtime writes one more line to the file it still holds, then to the new.
  const std::string rotated = live + ".20261203-101010";
  fs::rename(live, rotated);
  d.write("ns_app-1_u1/app/0.log.20261203-101010", cri("stdout", "F", "line 2"));
  d.write("ns_app-1_u1/app/0.log", cri("stdout", "F", "line 3"));
  // An older rotation compressed, and a CRI-looking line in it that must not be read.
  d.write("ns_app-1_u1/app/0.log.20261203-000000.gz", cri("stdout", "F", "from the gz"));
  REQUIRE(host.wait_for_emitted(3));
  d.write("ns_app-1_u1/app/0.log", cri("stdout", "F", "line 4"));
  REQUIRE(host.wait_for_emitted(4));
  host.ack_all(SLUICE_OUTCOME_DELIVERED);
  REQUIRE(host.stop());
  auto records = host.emitted();
  std::vector<std::string> lines;
  for (const auto& r : records) {
    lines.push_back(r.line);
    CHECK(value(r.labels, "pod") == "app-1");
  }
  std::sort(lines.begin(), lines.end());
  CHECK(lines == std::vector<std::string>{"line 1", "line 2", "line 3", "line 4"});
}
