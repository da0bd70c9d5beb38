// Calendar-day arithmetic on the wire's CivilDate, without time zones or a clock.
#ifndef BOOO_LEDGER_CORE_CIVIL_DATE_H_
#define BOOO_LEDGER_CORE_CIVIL_DATE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "booo/v1/types.pb.h"

namespace booo::ledger {

// Years the ledger accepts. The scheme began in 2022; the bounds only catch typos and keep
// day arithmetic far from overflow.
inline constexpr int kMinYear = 2000;
inline constexpr int kMaxYear = 2199;

// Microseconds in a UTC day: recorded-at times (micros since the epoch) to days and back.
inline constexpr int64_t kMicrosPerDay = int64_t{86'400} * 1'000'000;

bool IsLeapYear(int year);
int DaysInMonth(int year, int month);  // 0 for a month outside 1..12

// OK, or INVALID_ARGUMENT naming `field` and what is wrong ("period.last_day: 2023-02-29 is not
// a calendar day"). An all-zero (unset) date is refused as "is required".
absl::Status ValidateCivilDate(const booo::v1::CivilDate& date, absl::string_view field);
absl::Status ValidateYearMonth(const booo::v1::YearMonth& month, absl::string_view field);
// Both days valid and first_day <= last_day (both inclusive).
absl::Status ValidateDateRange(const booo::v1::DateRange& range, absl::string_view field);

// Days since 1970-01-01 (may be negative); the date must be valid.
int64_t ToEpochDays(const booo::v1::CivilDate& date);
booo::v1::CivilDate FromEpochDays(int64_t days);
// The date with these fields, unchecked (ValidateCivilDate checks one).
booo::v1::CivilDate MakeDate(int32_t year, int32_t month, int32_t day);
int CompareDates(const booo::v1::CivilDate& a, const booo::v1::CivilDate& b);  // <0, 0, >0
std::string FormatDate(const booo::v1::CivilDate& date);                       // "2022-10-15"

}  // namespace booo::ledger

#endif  // BOOO_LEDGER_CORE_CIVIL_DATE_H_
