// What every fuzz target shares: the libFuzzer entry point's declaration and FUZZ_CHECK, a
// property check that aborts (so libFuzzer, and the corpus replay in the test suite, report the
// input) in every build, release included.
#ifndef BOOO_TESTS_FUZZ_FUZZ_CHECK_H_
#define BOOO_TESTS_FUZZ_FUZZ_CHECK_H_

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

#define FUZZ_CHECK(condition)                                                         \
  do {                                                                                \
    if (!(condition)) {                                                               \
      std::fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                   \
    }                                                                                 \
  } while (0)

#endif  // BOOO_TESTS_FUZZ_FUZZ_CHECK_H_
