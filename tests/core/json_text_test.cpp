// The engine's JSON escaping (log lines, /debug/threads).
#include <catch2/catch.hpp>

#include "observability/json_text.hpp"

TEST_CASE("text is escaped into a JSON string", "[json]") {
  std::string out;
  sluice::core::append_json_string("a \"quoted\" \\ line\n\ttab \x01 end", out);
  CHECK(out == R"("a \"quoted\" \\ line\n\ttab \u0001 end")");
}

TEST_CASE("invalid UTF-8 in the engine's JSON becomes U+FFFD, valid UTF-8 passes", "[json]") {
  std::string out;
  sluice::core::append_json_string("caf\xc3\xa9 \xff end", out);
  CHECK(out == "\"caf\xc3\xa9 \xEF\xBF\xBD end\"");
}
