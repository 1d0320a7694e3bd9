// The pod metadata kubernetes_logs keeps: the API server's lists and watch events decoded,
// owners resolved, and the cache that keeps a deleted pod for its grace period.
#include <catch2/catch.hpp>
#include <string>

#include "api_objects.hpp"
#include "pod_metadata.hpp"

using namespace kubernetes_logs;
using namespace std::chrono_literals;
using Pairs = std::vector<std::pair<std::string, std::string>>;

namespace {

// A pod as the API server writes it (trimmed of what the cache never reads).
std::string pod_json(const std::string& uid, const std::string& name,
                     const std::string& owner_kind = "ReplicaSet",
                     const std::string& owner_name = "web-5f7b9c8d4") {
  return R"({"metadata":{"name":")" + name + R"(","namespace":"shop","uid":")" + uid +
         R"(","resourceVersion":"101","labels":{"app":"web","pod-template-hash":"5f7b9c8d4"},)"
         R"("annotations":{"team":"checkout","kubectl.kubernetes.io/last-applied-configuration":"{huge}"},)"
         R"("ownerReferences":[{"apiVersion":"v1","kind":"Other","name":"not-the-controller"},)"
         R"({"apiVersion":"apps/v1","kind":")" +
         owner_kind + R"(","name":")" + owner_name +
         R"(","uid":"x","controller":true}]},"spec":{"nodeName":"node-1","containers":[]},)"
         R"("status":{"phase":"Running"}})";
}

}  // namespace

TEST_CASE(
    "a pod list is decoded with its version, labels and annotations through the "
    "allow-lists, and its owner resolved",
    "[kubernetes_logs]") {
  ApiDecoder decoder({{"app", "pod-template-hash"}, {"team"}});
  std::string error;
  auto list = decoder.list(
      R"({"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"12345","continue":"next"},"items":[)" +
          pod_json("u1", "web-5f7b9c8d4-abcde") + "," +
          pod_json("u2", "nightly-28912345-xyz", "Job", "nightly-28912345") + "]}",
      &error);
  INFO(error);
  REQUIRE(list);
  CHECK(list->resource_version == "12345");
  CHECK(list->continue_token == "next");
  REQUIRE(list->pods.size() == 2);
  const auto& web = list->pods[0];
  CHECK(web.uid == "u1");
  CHECK(web.name == "web-5f7b9c8d4-abcde");
  CHECK(web.namespace_name == "shop");
  CHECK(web.node == "node-1");
  CHECK(web.labels == Pairs{{"app", "web"}, {"pod-template-hash", "5f7b9c8d4"}});
  CHECK(web.annotations == Pairs{{"team", "checkout"}});  // not the manifest
  CHECK(web.owner_kind == "Deployment");
  CHECK(web.owner_name == "web");
  CHECK(list->pods[1].owner_kind == "Job");
  CHECK(list->pods[1].owner_name == "nightly-28912345");

  // A ReplicaSet whose name does not end in the pod's hash is not taken for a Deployment's.
  PodInfo alone;
  alone.labels = {{"pod-template-hash", "abc"}};
  resolve_owner(alone, "ReplicaSet", "standalone");
  CHECK(alone.owner_kind == "ReplicaSet");
  CHECK(alone.owner_name == "standalone");

  // Every label by default; no annotation by default.
  ApiDecoder defaults(Selection{});
  auto all = defaults.list(
      R"({"metadata":{"resourceVersion":"1"},"items":[)" + pod_json("u1", "p") + "]}", &error);
  REQUIRE(all);
  CHECK(all->pods[0].labels.size() == 2);
  CHECK(all->pods[0].annotations.empty());
  auto empty = defaults.list(R"({"metadata":{"resourceVersion":"7"},"items":null})", &error);
  REQUIRE(empty);
  CHECK(empty->pods.empty());
}

TEST_CASE("watch events are decoded: changes, bookmarks, 410 Gone, and what is not an event",
          "[kubernetes_logs]") {
  ApiDecoder decoder(Selection{});
  std::string error;
  auto added = decoder.event(R"({"type":"ADDED","object":)" + pod_json("u1", "p1") + "}", &error);
  REQUIRE(added);
  CHECK(added->type == WatchEvent::Type::added);
  CHECK(added->pod.uid == "u1");
  auto deleted =
      decoder.event(R"({"type":"DELETED","object":)" + pod_json("u1", "p1") + "}", &error);
  REQUIRE(deleted);
  CHECK(deleted->type == WatchEvent::Type::deleted);
  auto bookmark = decoder.event(
      R"({"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"12746"}}})",
      &error);
  REQUIRE(bookmark);
  CHECK(bookmark->type == WatchEvent::Type::bookmark);
  CHECK(bookmark->pod.resource_version == "12746");
  auto gone = decoder.event(
      R"j({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},)j"
      R"j("status":"Failure","message":"too old resource version: 1 (2)",)j"
      R"j("reason":"Expired","code":410}})j",
      &error);
  REQUIRE(gone);
  CHECK(gone->type == WatchEvent::Type::error);
  CHECK(gone->code == 410);
  CHECK(gone->message == "too old resource version: 1 (2)");

  CHECK_FALSE(decoder.event("{\"type\":\"ADDED\",\"obj", &error));
  CHECK(error.find("not JSON") == 0);
  CHECK_FALSE(decoder.event(R"({"type":"SURPRISE","object":{}})", &error));
  CHECK(error.find("SURPRISE") != std::string::npos);
  CHECK_FALSE(decoder.event(R"({"type":"ADDED","object":{"metadata":{"name":"x"}}})", &error));
  CHECK(error.find("uid") != std::string::npos);
  CHECK_FALSE(decoder.list(
      R"({"kind":"Status","status":"Failure","reason":"Forbidden","message":"pods is forbidden","code":403})",
      &error));
  CHECK(error.find("Forbidden: pods is forbidden") != std::string::npos);
}

TEST_CASE("the pod cache keeps a deleted pod for its grace, survives a relist, and is bounded",
          "[kubernetes_logs]") {
  const auto t0 = PodCache::clock::time_point{} + 1h;
  PodCache cache(5min, 3);
  auto pod = [](const std::string& uid) {
    PodInfo p;
    p.uid = uid;
    p.name = "pod-" + uid;
    p.namespace_name = "ns";
    return p;
  };
  cache.upsert(pod("a"), t0);
  cache.upsert(pod("b"), t0);
  REQUIRE(cache.find("a"));
  CHECK(cache.find("a")->name == "pod-a");
  CHECK(cache.find("zz") == nullptr);
  CHECK(cache.hits() == 2);
  CHECK(cache.misses() == 1);

  // Deleted: still there within the grace, gone after it.
  const auto v = cache.version();
  cache.remove("a", t0 + 1min);
  CHECK(cache.find("a") != nullptr);
  cache.expire(t0 + 5min + 59s);
  CHECK(cache.find("a") != nullptr);
  cache.expire(t0 + 6min + 1s);
  CHECK(cache.find("a") == nullptr);
  CHECK(cache.version() > v);

  // A relist after 410 Gone: pods it does not name are deleted now, not forgotten.
  cache.upsert(pod("c"), t0 + 7min);
  cache.replace_all({pod("c"), pod("d")}, t0 + 8min);
  CHECK(cache.find("b") != nullptr);
  CHECK(cache.size() == 3);
  cache.expire(t0 + 13min);
  CHECK(cache.find("b") == nullptr);
  CHECK(cache.size() == 2);

  // Past the bound the deleted go first, the longest gone first; a live pod only when the
  // live alone are too many.
  cache.remove("c", t0 + 14min);
  cache.upsert(pod("e"), t0 + 15min);  // c (deleted), d, e
  cache.upsert(pod("f"), t0 + 15min);  // over 3: c goes
  CHECK(cache.find("c") == nullptr);
  CHECK(cache.size() == 3);
  CHECK(cache.evicted() == 1);
  cache.upsert(pod("g"), t0 + 15min);  // four live: one goes
  CHECK(cache.size() == 3);
  CHECK(cache.evicted() == 2);
}
