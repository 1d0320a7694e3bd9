// Exact accounting of numbered lines ("PREFIX N"), as the source tests write them.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace sluice::test {

// How many times each number of "PREFIX N" appears among lines.
std::map<int, int> count_numbers(const std::vector<std::string>& lines, const std::string& prefix);

// Every number from 1 to count arrived exactly once (or, for at-least-once cases, at least
// once); names the first few missing or doubled.
void require_each(const std::map<int, int>& seen, int count, bool exactly_once = true);

}  // namespace sluice::test
