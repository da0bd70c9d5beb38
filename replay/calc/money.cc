#include "replay/calc/money.h"

#include <cstdlib>
#include <sstream>

#include "absl/numeric/int128.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace booo::replay {
namespace {

absl::Status Overflow(absl::string_view what) {
  return absl::OutOfRangeError(absl::StrCat(what, ": the amount overflows 64-bit euro cents"));
}

std::string GroupThousands(uint64_t n) {
  std::string digits = absl::StrCat(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

uint64_t Magnitude(int64_t v) {
  // Avoids negating INT64_MIN.
  return v < 0 ? uint64_t{0} - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
}

}  // namespace

absl::StatusOr<int64_t> CheckedAdd(int64_t a, int64_t b, absl::string_view what) {
  int64_t out;
  if (__builtin_add_overflow(a, b, &out)) return Overflow(what);
  return out;
}

absl::StatusOr<int64_t> CheckedMul(int64_t a, int64_t b, absl::string_view what) {
  int64_t out;
  if (__builtin_mul_overflow(a, b, &out)) return Overflow(what);
  return out;
}

absl::StatusOr<int64_t> CheckedMul3(int64_t a, int64_t b, int64_t c, absl::string_view what) {
  int64_t ab;
  int64_t out;
  if (__builtin_mul_overflow(a, b, &ab) || __builtin_mul_overflow(ab, c, &out)) {
    return Overflow(what);
  }
  return out;
}

int64_t ProRataFloor(int64_t amount, int64_t part, int64_t whole) {
  const absl::int128 product = absl::int128(amount) * part;
  return static_cast<int64_t>(product / whole);
}

std::string FormatEuros(int64_t cents) {
  const uint64_t m = Magnitude(cents);
  return absl::StrCat(cents < 0 ? "-" : "", "€", GroupThousands(m / 100), ".",
                      absl::StrFormat("%02d", static_cast<int>(m % 100)));
}

std::string FormatDeviationPercent(int64_t actual, int64_t reference) {
  if (reference == 0) return "n/a";
  const absl::int128 basis_points =
      (absl::int128(actual) - reference) * 10000 / absl::int128(reference);
  const bool negative = basis_points < 0;
  const absl::uint128 m = absl::uint128(negative ? -basis_points : basis_points);
  // Amounts are bounded, but the ratio of two is not: |basis points| may exceed 64 bits.
  std::ostringstream whole;
  whole << m / 100;
  std::string digits = whole.str();
  std::string grouped;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (digits.size() - i) % 3 == 0) grouped.push_back(',');
    grouped.push_back(digits[i]);
  }
  return absl::StrCat(negative ? "-" : "+", grouped, ".",
                      absl::StrFormat("%02d", static_cast<int>(absl::Uint128Low64(m % 100))), " %");
}

std::string FormatCount(int64_t n) {
  return absl::StrCat(n < 0 ? "-" : "", GroupThousands(Magnitude(n)));
}

}  // namespace booo::replay
