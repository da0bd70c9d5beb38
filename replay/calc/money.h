// Money and counts for the grant calculation: int64 euro cents, checked arithmetic, and the
// formats the trace shows people. No floating point anywhere.
#ifndef BOOO_REPLAY_CALC_MONEY_H_
#define BOOO_REPLAY_CALC_MONEY_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace booo::replay {

// a + b, a * b, a * b * c: OUT_OF_RANGE naming `what` when the result does not fit in int64.
absl::StatusOr<int64_t> CheckedAdd(int64_t a, int64_t b, absl::string_view what);
absl::StatusOr<int64_t> CheckedMul(int64_t a, int64_t b, absl::string_view what);
absl::StatusOr<int64_t> CheckedMul3(int64_t a, int64_t b, int64_t c, absl::string_view what);

// floor(amount * part / whole) with a 128-bit intermediate; whole > 0, 0 <= part <= whole,
// amount >= 0. Used for pro-rata allocation, where the cumulative form
// floor(A*k/n) - floor(A*j/n) makes the pieces of one amount add up to it exactly.
int64_t ProRataFloor(int64_t amount, int64_t part, int64_t whole);

// "€308,760.00", "-€1,000.00".
std::string FormatEuros(int64_t cents);
// The deviation of `actual` from `reference` in percent with two decimals, truncated toward
// zero: "+12.34 %", "-3.10 %"; "n/a" when reference is 0.
std::string FormatDeviationPercent(int64_t actual, int64_t reference);
// 1234567 -> "1,234,567".
std::string FormatCount(int64_t n);

}  // namespace booo::replay

#endif  // BOOO_REPLAY_CALC_MONEY_H_
