// The engine's JSON escaping (log lines, /debug/threads).
#include <catch2/catch.hpp>

#include "observability/json_text.hpp"

TEST_CASE("text is escaped into a JSON string", "[json]") {
  std::string out;
  sluice::core::append_json_string("a \"quoted\" \\ line\n\ttab \x01 end", out);
  CHECK(out == R"("a \"quoted\" \\ line\n\ttab \u0001 end")");
}
