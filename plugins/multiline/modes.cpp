#include "modes.hpp"

namespace multiline {

std::optional<std::string> continue_pattern_of(std::string_view mode) {
  // "\tat com.example.Foo.bar(Foo.java:42)", "\t... 12 more", "Caused by: ...",
  // "\tSuppressed: ...", and an exception's own line after the log line that reported it:
  // "java.lang.IllegalStateException: boom".
  if (mode == "java") {
    return R"(^(\s+at\s|\s+\.\.\.\s*\d+\s*(more|common frames omitted)|\s*Caused by:|)"
           R"(\s*Suppressed:|([\w$]+\.)+[\w$]*(Exception|Error|Throwable)(:.*)?$))";
  }
  // "Traceback (most recent call last):", indented frames and source lines, the blank line
  // and sentence between chained exceptions, and the final "ValueError: bad value".
  if (mode == "python") {
    return R"(^(\s|Traceback \(most recent call last\):|During handling of the above exception|)"
           R"(The above exception was the direct cause|([\w]+\.)*\w*(Error|Exception|Warning|)"
           R"(Exit|Interrupt)(:.*)?$|$))";
  }
  // After "panic: ..." or "fatal error: ...": blank lines, "goroutine 1 [running]:", calls
  // such as "main.main()", indented file lines, "created by ...", "exit status 2".
  if (mode == "go") {
    return R"(^(\s|goroutine \d+ \[|[\w./*()\-]+\(.*\)$|created by |exit status \d+|)"
           R"(\[signal |$))";
  }
  return std::nullopt;
}

}  // namespace multiline
