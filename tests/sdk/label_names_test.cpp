// The one label-name rule every plugin uses: Loki's and Prometheus's.
#include "sluice/label_names.hpp"

#include <catch2/catch.hpp>

TEST_CASE("label names are valid as Loki and Prometheus have them", "[sdk]") {
  for (const char* ok : {"app", "_", "_ok_9", "A_b", "x9"}) CHECK(sluice::is_valid_label_name(ok));
  for (const char* bad : {"", "9lives", "app.name", "a-b", "naïve", "a b", "é"}) {
    CHECK_FALSE(sluice::is_valid_label_name(bad));
  }
}

TEST_CASE("any text is made a valid label name, and says whether it changed", "[sdk]") {
  struct Case {
    std::string in, out;
    bool changed;
  };
  for (const auto& c :
       {Case{"app", "app", false}, Case{"app.name", "app_name", true},
        Case{"9lives", "_9lives", true}, Case{"a-b/c", "a_b_c", true},
        Case{"_ok_9", "_ok_9", false}, Case{"", "_", true}, Case{"naïve", "na__ve", true}}) {
    std::string name = c.in;
    CHECK(sluice::make_valid_label_name(name) == c.changed);
    CHECK(name == c.out);
    CHECK(sluice::is_valid_label_name(name));
  }
  CHECK(sluice::to_label_name("com.example.app-name") == "com_example_app_name");
}
