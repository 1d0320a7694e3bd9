// The descriptor budget the plugins that hold a descriptor per thing they follow share.
#include <sys/resource.h>

#include <catch2/catch.hpp>

#include "descriptors.hpp"

using sluice::plugins::descriptor_budget;
using sluice::plugins::descriptors_reserved;

TEST_CASE("the descriptor budget keeps a quarter of the limit, at most 256, for the rest",
          "[plugin_common]") {
  CHECK(descriptors_reserved(100) == 25);
  CHECK(descriptors_reserved(1024) == 256);
  CHECK(descriptors_reserved(1048576) == 256);
  CHECK(descriptors_reserved(0) == 0);

  rlimit saved{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &saved) == 0);
  // The budget follows the process's soft limit, as a plugin starting now would see it.
  for (rlim_t soft : {rlim_t{64}, rlim_t{400}, rlim_t{2000}}) {
    if (saved.rlim_max != RLIM_INFINITY && soft > saved.rlim_max) continue;
    rlimit lower = saved;
    lower.rlim_cur = soft;
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &lower) == 0);
    auto budget = descriptor_budget();
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &saved) == 0);
    REQUIRE(budget);
    CHECK(budget->limit == soft);
    CHECK(budget->available == soft - descriptors_reserved(soft));
  }
}
