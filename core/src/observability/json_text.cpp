#include "observability/json_text.hpp"

#include "sluice/json_string.hpp"

namespace sluice::core {

void append_json_string(std::string_view text, std::string& out) {
  sluice::append_json_string(text.data(), text.size(), out);
}

}  // namespace sluice::core
