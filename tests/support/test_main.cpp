// Catch2's main, with SIGPIPE ignored as the sluice binary ignores it.
#define CATCH_CONFIG_RUNNER
#include <signal.h>

#include <catch2/catch.hpp>

#if defined(__SANITIZE_ADDRESS__)
// AddressSanitizer holds freed memory back (256 MiB by default) to catch use after free; a
// smaller hold keeps the memory-flatness checks meaningful under it.
extern "C" const char* __asan_default_options() {
  return "quarantine_size_mb=16";
}
#endif

int main(int argc, char* argv[]) {
  ::signal(SIGPIPE, SIG_IGN);
  return Catch::Session().run(argc, argv);
}
