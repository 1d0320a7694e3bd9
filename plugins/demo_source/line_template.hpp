// A line template with {seq} (the record's number, from 1) and {level} (cycling through
// info, warn, error, debug) placeholders, rendered without allocating per record.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <vector>

class LineTemplate {
 public:
  explicit LineTemplate(const std::string& text) {
    std::string literal;
    for (size_t i = 0; i < text.size();) {
      if (text.compare(i, 5, "{seq}") == 0) {
        parts_.push_back({Part::literal, literal});
        parts_.push_back({Part::seq, {}});
        literal.clear();
        i += 5;
      } else if (text.compare(i, 7, "{level}") == 0) {
        parts_.push_back({Part::literal, literal});
        parts_.push_back({Part::level, {}});
        literal.clear();
        i += 7;
      } else {
        literal += text[i++];
      }
    }
    parts_.push_back({Part::literal, literal});
  }

  void render(uint64_t seq, std::string& out) const {
    static const char* const levels[] = {"info", "warn", "error", "debug"};
    out.clear();
    for (const auto& p : parts_) {
      switch (p.kind) {
        case Part::literal: out += p.text; break;
        case Part::seq: {
          char buf[24];
          auto r = std::to_chars(buf, buf + sizeof buf, seq);
          out.append(buf, r.ptr);
          break;
        }
        case Part::level: out += levels[seq % 4]; break;
      }
    }
  }

 private:
  struct Part {
    enum Kind { literal, seq, level } kind;
    std::string text;
  };
  std::vector<Part> parts_;
};
