// Valid JSON that simdjson refuses: numbers beyond 64 bits and lone UTF-16 surrogates (which
// JavaScript's JSON.stringify writes), and bytes that are not UTF-8. Rather than refuse every
// field of such a line, json_parser parses a repaired copy of it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace json_parser {

struct Repairs {
  size_t numbers = 0;     // numbers kept as strings of their text
  size_t surrogates = 0;  // lone \uD800-\uDFFF escapes made \uFFFD
  size_t bytes = 0;       // bytes that were not UTF-8, made U+FFFD
};

// The line with each number that 64 bits cannot hold (an integer past the int64 and uint64
// ranges, a float past double's) written as a string of its text, each lone surrogate escape
// as \uFFFD, and each byte that is not UTF-8 inside a string as U+FFFD. nullopt when there
// was nothing of the kind to repair: the line is then malformed for another reason.
std::optional<std::string> repair_json(std::string_view line, Repairs* repairs = nullptr);

}  // namespace json_parser
