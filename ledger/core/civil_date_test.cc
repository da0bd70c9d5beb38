#include "ledger/core/civil_date.h"

#include "gtest/gtest.h"
#include "tests/support/event_factory.h"

namespace booo::ledger {
namespace {

using booo::testing::Day;

TEST(CivilDateTest, LeapYearsFollowTheGregorianRules) {
  EXPECT_TRUE(IsLeapYear(2024));
  EXPECT_FALSE(IsLeapYear(2023));
  EXPECT_FALSE(IsLeapYear(2100));
  EXPECT_TRUE(IsLeapYear(2000));
  EXPECT_EQ(DaysInMonth(2024, 2), 29);
  EXPECT_EQ(DaysInMonth(2023, 2), 28);
  EXPECT_EQ(DaysInMonth(2023, 13), 0);
}

TEST(CivilDateTest, AcceptsLeapDayOnlyInLeapYears) {
  EXPECT_TRUE(ValidateCivilDate(Day(2024, 2, 29), "d").ok());
  absl::Status status = ValidateCivilDate(Day(2023, 2, 29), "period.first_day");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "period.first_day: 2023-02-29 is not a calendar day");
}

TEST(CivilDateTest, RefusesUnsetAndOutOfRangeDates) {
  EXPECT_EQ(ValidateCivilDate(booo::v1::CivilDate(), "x").message(), "x: is required");
  EXPECT_FALSE(ValidateCivilDate(Day(1999, 12, 31), "x").ok());
  EXPECT_FALSE(ValidateCivilDate(Day(2022, 4, 31), "x").ok());
  EXPECT_FALSE(ValidateCivilDate(Day(2022, 0, 1), "x").ok());
}

TEST(CivilDateTest, RangeIncludesBothEndsAndMayBeOneDay) {
  booo::v1::DateRange range;
  *range.mutable_first_day() = Day(2022, 10, 14);
  *range.mutable_last_day() = Day(2022, 10, 14);
  EXPECT_TRUE(ValidateDateRange(range, "r").ok());
  *range.mutable_last_day() = Day(2022, 10, 13);
  EXPECT_FALSE(ValidateDateRange(range, "r").ok());
}

TEST(CivilDateTest, EpochDaysCountAcrossTheBoundariesOfTheScheme) {
  EXPECT_EQ(ToEpochDays(Day(1970, 1, 1)), 0);
  // 14 Oct 2022 (last day at EUR 100) and 15 Oct 2022 (first at EUR 83) are adjacent.
  EXPECT_EQ(ToEpochDays(Day(2022, 10, 15)) - ToEpochDays(Day(2022, 10, 14)), 1);
  EXPECT_EQ(ToEpochDays(Day(2024, 1, 1)) - ToEpochDays(Day(2023, 12, 31)), 1);
  EXPECT_EQ(ToEpochDays(Day(2024, 3, 1)) - ToEpochDays(Day(2024, 2, 28)), 2);  // leap day
  // 1 Mar 2022 .. 14 Oct 2022 inclusive is 228 days.
  EXPECT_EQ(ToEpochDays(Day(2022, 10, 14)) - ToEpochDays(Day(2022, 3, 1)) + 1, 228);
  for (int64_t d = ToEpochDays(Day(2021, 12, 1)); d < ToEpochDays(Day(2026, 3, 31)); ++d) {
    ASSERT_EQ(ToEpochDays(FromEpochDays(d)), d);
  }
  EXPECT_EQ(FormatDate(FromEpochDays(ToEpochDays(Day(2024, 2, 29)))), "2024-02-29");
}

}  // namespace
}  // namespace booo::ledger
