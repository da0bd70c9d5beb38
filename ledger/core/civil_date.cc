#include "ledger/core/civil_date.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace booo::ledger {
namespace {

std::string FormatRaw(int year, int month, int day) {
  return absl::StrFormat("%04d-%02d-%02d", year, month, day);
}

}  // namespace

bool IsLeapYear(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12) return 0;
  if (month == 2 && IsLeapYear(year)) return 29;
  return kDays[month - 1];
}

absl::Status ValidateCivilDate(const booo::v1::CivilDate& date, absl::string_view field) {
  if (date.year() == 0 && date.month() == 0 && date.day() == 0) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": is required"));
  }
  if (date.year() < kMinYear || date.year() > kMaxYear) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": year ", date.year(), " is outside ", kMinYear, "..", kMaxYear));
  }
  if (date.month() < 1 || date.month() > 12 || date.day() < 1 ||
      date.day() > DaysInMonth(date.year(), date.month())) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": ", FormatRaw(date.year(), date.month(), date.day()), " is not a calendar day"));
  }
  return absl::OkStatus();
}

absl::Status ValidateYearMonth(const booo::v1::YearMonth& month, absl::string_view field) {
  if (month.year() == 0 && month.month() == 0) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": is required"));
  }
  if (month.year() < kMinYear || month.year() > kMaxYear || month.month() < 1 ||
      month.month() > 12) {
    return absl::InvalidArgumentError(absl::StrFormat("%s: %04d-%02d is not a calendar month",
                                                      field, month.year(), month.month()));
  }
  return absl::OkStatus();
}

absl::Status ValidateDateRange(const booo::v1::DateRange& range, absl::string_view field) {
  if (!range.has_first_day() && !range.has_last_day()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": is required"));
  }
  absl::Status first = ValidateCivilDate(range.first_day(), absl::StrCat(field, ".first_day"));
  if (!first.ok()) return first;
  absl::Status last = ValidateCivilDate(range.last_day(), absl::StrCat(field, ".last_day"));
  if (!last.ok()) return last;
  if (CompareDates(range.first_day(), range.last_day()) > 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": first_day ", FormatDate(range.first_day()), " is after last_day ",
                     FormatDate(range.last_day())));
  }
  return absl::OkStatus();
}

// Howard Hinnant's days_from_civil: exact for every proleptic Gregorian date.
int64_t ToEpochDays(const booo::v1::CivilDate& date) {
  int64_t y = date.year();
  const int64_t m = date.month();
  const int64_t d = date.day();
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

booo::v1::CivilDate MakeDate(int32_t year, int32_t month, int32_t day) {
  booo::v1::CivilDate date;
  date.set_year(year);
  date.set_month(month);
  date.set_day(day);
  return date;
}

booo::v1::CivilDate FromEpochDays(int64_t days) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t doe = days - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  booo::v1::CivilDate out;
  out.set_year(static_cast<int32_t>(yoe + era * 400 + (m <= 2)));
  out.set_month(static_cast<int32_t>(m));
  out.set_day(static_cast<int32_t>(d));
  return out;
}

int CompareDates(const booo::v1::CivilDate& a, const booo::v1::CivilDate& b) {
  if (a.year() != b.year()) return a.year() < b.year() ? -1 : 1;
  if (a.month() != b.month()) return a.month() < b.month() ? -1 : 1;
  if (a.day() != b.day()) return a.day() < b.day() ? -1 : 1;
  return 0;
}

std::string FormatDate(const booo::v1::CivilDate& date) {
  return FormatRaw(date.year(), date.month(), date.day());
}

}  // namespace booo::ledger
