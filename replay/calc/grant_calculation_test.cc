// Golden tests of the grant calculation on the shipped rule book. Every expected figure is
// computed by hand in the comment above it; amounts are euro cents.
#include "replay/calc/grant_calculation.h"

#include <functional>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/core/civil_date.h"
#include "replay/calc/stop_when.h"
#include "replay/calc/trace.h"
#include "tests/support/event_factory.h"
#include "tests/support/grant_scenario.h"

namespace booo::replay {
namespace {

using booo::testing::Day;
using booo::testing::GrantScenario;
using ::testing::HasSubstr;

constexpr char kAms[] = "GM0363";

const TraceNode& Node(const GrantComputation& c, const std::string& path) {
  const TraceNode* node = FindNode(c.trace, path);
  EXPECT_NE(node, nullptr) << path;
  static const TraceNode kMissing;
  return node == nullptr ? kMissing : *node;
}

TEST(GrantCalculationTest, GooNormSplitsBetween14And15October2022) {
  GrantScenario s = GrantScenario::WithRuleBook();
  s.Add(booo::testing::GooPlaces("p1", kAms, "L1", Day(2022, 10, 1), Day(2022, 10, 31), 100,
                                 Day(2022, 11, 10)));
  auto c = s.Compute(kAms, 2022);
  ASSERT_TRUE(c.ok()) << c.status();
  // 1..14 Oct at €100: 100 × 14 × 10000 = 14,000,000; 15..31 Oct at €83: 100 × 17 × 8300 =
  // 14,110,000; together 28,110,000.
  const TraceNode& location = Node(*c, "grant/a/norm/L1");
  ASSERT_EQ(location.children_size(), 2);
  EXPECT_EQ(location.children(0).key(), "2022-10-01..2022-10-14");
  EXPECT_EQ(location.children(0).amount_cents(), 14'000'000);
  EXPECT_EQ(location.children(0).formula(), "100 places × 14 days × €100.00 = €140,000.00");
  EXPECT_EQ(location.children(1).key(), "2022-10-15..2022-10-31");
  EXPECT_EQ(location.children(1).amount_cents(), 14'110'000);
  EXPECT_EQ(c->computed_grant_cents, 28'110'000);
  // The leaf cites the amendment that set the rate and the declaration it counts.
  EXPECT_EQ(location.children(1).rules(1).parameter(), "goo_norm_per_place_day");
  EXPECT_EQ(location.children(1).rules(1).value(), "€83.00");
  EXPECT_FALSE(location.children(1).rules(1).citation().empty());
  EXPECT_EQ(location.children(1).sources(0).event_id(), "p1");
}

TEST(GrantCalculationTest, DeclarationAcross31December2023CountsEachDayInItsOwnYear) {
  GrantScenario s = GrantScenario::WithRuleBook();
  s.Add(booo::testing::GooPlaces("p1", kAms, "L1", Day(2023, 12, 1), Day(2024, 1, 31), 50,
                                 Day(2024, 2, 5)));
  // 2023: 50 × 31 × 8300 = 12,865,000. 2024: 50 × 31 × 6100 = 9,455,000.
  EXPECT_EQ(s.Compute(kAms, 2023)->computed_grant_cents, 12'865'000);
  EXPECT_EQ(s.Compute(kAms, 2024)->computed_grant_cents, 9'455'000);
}

TEST(GrantCalculationTest, Across31December2024The44EuroNormStartsOn1January2025) {
  GrantScenario s = GrantScenario::WithRuleBook();
  s.Add(booo::testing::GooPlaces("p1", kAms, "L1", Day(2024, 12, 31), Day(2025, 1, 1), 10,
                                 Day(2025, 1, 10)));
  // 2024: 10 × 1 × 6100 = 61,000. 2025: 10 × 1 × 4400 = 44,000.
  EXPECT_EQ(s.Compute(kAms, 2024)->computed_grant_cents, 61'000);
  EXPECT_EQ(s.Compute(kAms, 2025)->computed_grant_cents, 44'000);
}

TEST(GrantCalculationTest, LeapDayIsAPlaceDay) {
  GrantScenario s = GrantScenario::WithRuleBook();
  s.Add(booo::testing::GooPlaces("p1", kAms, "L1", Day(2024, 2, 28), Day(2024, 3, 1), 7,
                                 Day(2024, 3, 5)));
  // 28 Feb, 29 Feb, 1 Mar: 7 × 3 × 6100 = 128,100.
  EXPECT_EQ(s.Compute(kAms, 2024)->computed_grant_cents, 128'100);
  // The leap day alone, as a valid-time scope: 7 × 1 × 6100 = 42,700.
  auto leap =
      s.Compute(kAms, booo::testing::ScopeOf(Day(2024, 2, 29), Day(2024, 2, 29)), s.Everything());
  ASSERT_TRUE(leap.ok());
  EXPECT_EQ(leap->computed_grant_cents, 42'700);
}

TEST(GrantCalculationTest, RangeSpanningTwoRateChanges) {
  GrantScenario s = GrantScenario::WithRuleBook();
  s.Add(booo::testing::GooPlaces("p1", kAms, "L1", Day(2022, 10, 10), Day(2024, 1, 5), 10,
                                 Day(2024, 1, 10)));
  // 2022: 10..14 Oct at €100 = 10 × 5 × 10000 = 500,000; 15 Oct..31 Dec (17+30+31 = 78 days)
  // at €83 = 10 × 78 × 8300 = 6,474,000; total 6,974,000.
  auto y2022 = s.Compute(kAms, 2022);
  EXPECT_EQ(y2022->computed_grant_cents, 6'974'000);
  EXPECT_EQ(Node(*y2022, "grant/a/norm/L1").children_size(), 2);
  // 2023: 10 × 365 × 8300 = 30,295,000. 2024: 1..5 Jan at €61 = 10 × 5 × 6100 = 305,000.
  EXPECT_EQ(s.Compute(kAms, 2023)->computed_grant_cents, 30'295'000);
  EXPECT_EQ(s.Compute(kAms, 2024)->computed_grant_cents, 305'000);
}

TEST(GrantCalculationTest, DaysBeforeTheSpendingPeriodCountNothing) {
  GrantScenario s = GrantScenario::WithRuleBook();
  s.Add(booo::testing::GooPlaces("p1", kAms, "L1", Day(2022, 2, 20), Day(2022, 3, 5), 10,
                                 Day(2022, 3, 10)));
  // 20..28 Feb lie before 1 Mar 2022: €0. 1..5 Mar: 10 × 5 × 10000 = 500,000.
  auto c = s.Compute(kAms, 2022);
  EXPECT_EQ(c->computed_grant_cents, 500'000);
  const TraceNode& outside = Node(*c, "grant/a/norm/L1/2022-02-20..2022-02-28");
  EXPECT_EQ(outside.amount_cents(), 0);
  EXPECT_THAT(outside.formula(), HasSubstr("outside the spending period"));
}

TEST(GrantCalculationTest, SpendingPeriodAsKnownThenEndsWhereTheRulesThenSaid) {
  GrantScenario s = GrantScenario::WithRuleBook();
  s.Add(booo::testing::GooPlaces("p1", kAms, "L1", Day(2022, 8, 30), Day(2022, 9, 2), 10,
                                 Day(2022, 8, 15)));
  const Scope y = Scope::Year(2022);
  // Known on 20 Aug 2022 (the declaration arrived on the 15th) the spending period ended on
  // 31 Aug: 30 and 31 Aug count, 10 × 2 × 10000 = 200,000; 1 and 2 Sep are outside.
  auto then = s.Compute(kAms, y, KnownAt{s.size(), ledger::ToEpochDays(Day(2022, 8, 20))});
  EXPECT_EQ(then->computed_grant_cents, 200'000);
  EXPECT_EQ(Node(*then, "grant/a/norm/L1/2022-09-01..2022-09-02").amount_cents(), 0);
  // After the extension of 26 Aug 2022 all four days count: 400,000.
  auto later = s.Compute(kAms, y, KnownAt{s.size(), ledger::ToEpochDays(Day(2022, 8, 26))});
  EXPECT_EQ(later->computed_grant_cents, 400'000);
}

TEST(GrantCalculationTest, PersonMonthWithoutAProvisionDoesNotCount) {
  GrantScenario s = GrantScenario::WithRuleBook();
  s.Add(booo::testing::PooMonth("m5", kAms, 2023, 5, 40, 0, Day(2023, 6, 5)));
  s.Add(booo::testing::PooMonth("m6", kAms, 2023, 6, 40, 35, Day(2023, 7, 5)));
  auto c = s.Compute(kAms, 2023);
  // May: 0 × 21000 = 0. June: 35 × 21000 = 735,000.
  EXPECT_EQ(Node(*c, "grant/cd/2023-05").amount_cents(), 0);
  EXPECT_THAT(Node(*c, "grant/cd/2023-05").notes(0), HasSubstr("40 registered persons without"));
  EXPECT_EQ(Node(*c, "grant/cd/2023-06").formula(),
            "35 persons with a provision × €210.00 = €7,350.00");
  EXPECT_EQ(c->computed_grant_cents, 735'000);
}

TEST(GrantCalculationTest, RetroactivePooNormIsSeenOnlyFromItsPublication) {
  GrantScenario s = GrantScenario::WithRuleBook();
  s.Add(booo::testing::PooMonth("m6", kAms, 2022, 6, 100, 100, Day(2022, 7, 10)));
  // As known on 30 Sep 2022 the €210 norm (published 14 Oct 2022) did not exist: €0, flagged.
  const Scope year = Scope::Year(2022);
  auto before = s.Compute(kAms, year, KnownAt{s.size(), ledger::ToEpochDays(Day(2022, 9, 30))});
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->computed_grant_cents, 0);
  EXPECT_THAT(before->flags, ::testing::Contains(HasSubstr("POO norm is not known")));
  // As known on 31 Dec 2022 it applies from March: 100 × 21000 = 2,100,000.
  auto after = s.Compute(kAms, year, KnownAt{s.size(), ledger::ToEpochDays(Day(2022, 12, 31))});
  EXPECT_EQ(after->computed_grant_cents, 2'100'000);
  EXPECT_TRUE(after->flags.empty());
}

TEST(GrantCalculationTest, GooLivingAllowanceCountsOnlyOnceOutsideTheNorm) {
  GrantScenario s = GrantScenario::WithRuleBook();
  const auto goo = booo::v1::RECEPTION_KIND_GOO;
  const auto leefgeld = booo::v1::ALLOWANCE_COMPONENT_LIVING_ALLOWANCE;
  s.Add(booo::testing::LivingAllowance("la23", kAms, goo, leefgeld, Day(2023, 12, 1),
                                       Day(2023, 12, 31), 500'000, Day(2024, 1, 10)));
  s.Add(booo::testing::LivingAllowance("la24", kAms, goo, leefgeld, Day(2024, 1, 1),
                                       Day(2024, 1, 31), 650'000, Day(2024, 2, 10)));
  // December 2023: inside the GOO norm, €0. January 2024: actual cost 650,000.
  EXPECT_EQ(s.Compute(kAms, 2023)->computed_grant_cents, 0);
  EXPECT_EQ(s.Compute(kAms, 2024)->computed_grant_cents, 650'000);
}

TEST(GrantCalculationTest, TransitionCostsCountOnlyWhenApprovedAndAreDepreciatedByDays) {
  GrantScenario s = GrantScenario::WithRuleBook();
  using booo::v1::ALLOCATION_METHOD_DEPRECIATION;
  using booo::v1::ALLOCATION_METHOD_LUMP_SUM;
  s.Add(booo::testing::TransitionRequest("r1", kAms, 40'000'000, Day(2023, 7, 1), Day(2024, 6, 30),
                                         ALLOCATION_METHOD_DEPRECIATION, Day(2023, 5, 1)));
  s.Add(booo::testing::TransitionDecision(
      "d1", kAms, "r1", booo::v1::DECISION_OUTCOME_PARTIALLY_GRANTED, 36'500'000, Day(2023, 7, 1),
      Day(2024, 6, 30), ALLOCATION_METHOD_DEPRECIATION, Day(2023, 6, 1)));
  s.Add(booo::testing::TransitionRequest("r2", kAms, 9'000'000, Day(2023, 3, 1), Day(2023, 3, 31),
                                         ALLOCATION_METHOD_LUMP_SUM, Day(2023, 2, 1)));
  s.Add(booo::testing::TransitionDecision("d2", kAms, "r2", booo::v1::DECISION_OUTCOME_REJECTED, 0,
                                          {}, {}, ALLOCATION_METHOD_LUMP_SUM, Day(2023, 2, 20)));
  // 1 Jul 2023 .. 30 Jun 2024 = 366 days (2024 is a leap year); 184 of them in 2023.
  // 2023: floor(36,500,000 × 184 / 366) = floor(18,349,726.7) = 18,349,726.
  // 2024: floor(36,500,000 × 366 / 366) − 18,349,726 = 18,150,274; the two add up exactly.
  auto y2023 = s.Compute(kAms, 2023);
  EXPECT_EQ(Node(*y2023, "grant/e/r1").amount_cents(), 18'349'726);
  EXPECT_EQ(Node(*y2023, "grant/e/r2").amount_cents(), 0);
  EXPECT_THAT(Node(*y2023, "grant/e/r2").formula(), HasSubstr("rejected"));
  EXPECT_EQ(y2023->computed_grant_cents, 18'349'726);
  EXPECT_EQ(s.Compute(kAms, 2024)->computed_grant_cents, 18'150'274);
}

TEST(GrantCalculationTest, ExceptionClaimDownwardReplacesTheNormAmount) {
  GrantScenario s = GrantScenario::WithRuleBook();
  s.Add(booo::testing::GooPlaces("p1", kAms, "L1", Day(2023, 1, 1), Day(2023, 12, 31), 100,
                                 Day(2024, 1, 15)));
  s.Add(booo::testing::ExceptionClaim("c1", kAms, 2023, 280'000'000, Day(2024, 3, 1)));
  s.Add(booo::testing::ExceptionDecision("c1d", kAms, "c1", booo::v1::DECISION_OUTCOME_GRANTED,
                                         280'000'000, Day(2024, 5, 1)));
  auto c = s.Compute(kAms, 2023);
  // Norm: 100 × 365 × 8300 = 302,950,000. Accepted actual costs 280,000,000: adjustment
  // −22,950,000; deviation −22,950,000 / 302,950,000 = −7.5755 % → "-7.57 %".
  EXPECT_EQ(Node(*c, "grant/a/norm").amount_cents(), 302'950'000);
  const TraceNode& adjustment = Node(*c, "grant/a/exception_clause");
  EXPECT_EQ(adjustment.amount_cents(), -22'950'000);
  EXPECT_THAT(adjustment.formula(), HasSubstr("(deviation -7.57 %)"));
  EXPECT_EQ(Node(*c, "grant/a").amount_cents(), 280'000'000);
  EXPECT_EQ(c->computed_grant_cents, 280'000'000);
}

TEST(GrantCalculationTest, RejectedExceptionClaimLeavesTheNorm) {
  GrantScenario s = GrantScenario::WithRuleBook();
  s.Add(booo::testing::GooPlaces("p1", kAms, "L1", Day(2023, 1, 1), Day(2023, 1, 31), 10,
                                 Day(2023, 2, 1)));
  s.Add(booo::testing::ExceptionClaim("c1", kAms, 2023, 99'000'000, Day(2024, 3, 1)));
  s.Add(booo::testing::ExceptionDecision("c1d", kAms, "c1", booo::v1::DECISION_OUTCOME_REJECTED, 0,
                                         Day(2024, 5, 1)));
  // 10 × 31 × 8300 = 2,573,000; the rejected claim adds 0.
  auto c = s.Compute(kAms, 2023);
  EXPECT_EQ(c->computed_grant_cents, 2'573'000);
  EXPECT_THAT(Node(*c, "grant/a/exception_clause").formula(), HasSubstr("rejected"));
}

TEST(GrantCalculationTest, FindingsAreExcludedUnlessAHardshipDecisionReadmitsThem) {
  GrantScenario s = GrantScenario::WithRuleBook();
  s.Add(booo::testing::GooPlaces("p1", kAms, "L1", Day(2023, 1, 1), Day(2023, 1, 31), 10,
                                 Day(2023, 2, 1)));
  auto report = booo::testing::Report("rep23", kAms, 2023, Day(2024, 7, 1));
  booo::testing::AddFinding(report, "F1", booo::v1::COST_CATEGORY_A_GOO,
                            booo::v1::FINDING_KIND_FOUT, 1'200'000);
  booo::testing::AddFinding(report, "F2", booo::v1::COST_CATEGORY_B_POO_ACTUAL,
                            booo::v1::FINDING_KIND_ONZEKER, 350'000);
  s.Add(report);
  s.Add(booo::testing::Hardship("h1", kAms, "rep23", "F2", 200'000, Day(2024, 9, 1)));
  auto c = s.Compute(kAms, 2023);
  // Norm 10 × 31 × 8300 = 2,573,000; F1 −1,200,000; F2 −350,000 + 200,000 re-admitted:
  // 2,573,000 − 1,350,000 = 1,223,000.
  EXPECT_EQ(Node(*c, "grant/findings/F1").amount_cents(), -1'200'000);
  EXPECT_EQ(Node(*c, "grant/findings/F2/readmitted").amount_cents(), 200'000);
  EXPECT_EQ(Node(*c, "grant/findings").amount_cents(), -1'350'000);
  EXPECT_EQ(c->computed_grant_cents, 1'223'000);
}

TEST(GrantCalculationTest, DecisionsOnAnOriginalStillApplyToItsCorrection) {
  GrantScenario s = GrantScenario::WithRuleBook();
  using booo::v1::ALLOCATION_METHOD_LUMP_SUM;
  s.Add(booo::testing::TransitionRequest("r1", kAms, 5'000'000, Day(2023, 4, 1), Day(2023, 4, 30),
                                         ALLOCATION_METHOD_LUMP_SUM, Day(2023, 3, 1)));
  s.Add(booo::testing::TransitionDecision("d1", kAms, "r1", booo::v1::DECISION_OUTCOME_GRANTED,
                                          4'000'000, Day(2023, 4, 1), Day(2023, 4, 30),
                                          ALLOCATION_METHOD_LUMP_SUM, Day(2023, 3, 15)));
  auto report = booo::testing::Report("rep23", kAms, 2023, Day(2024, 7, 1));
  booo::testing::AddFinding(report, "F1", booo::v1::COST_CATEGORY_E_TRANSITION,
                            booo::v1::FINDING_KIND_ONZEKER, 1'000'000);
  s.Add(report);
  s.Add(booo::testing::Hardship("h1", kAms, "rep23", "F1", 1'000'000, Day(2024, 9, 1)));
  // The request's description and the report's waiver are corrected afterwards; the decision
  // and the hardship decision named the originals and still hold: 4,000,000 − 1,000,000 +
  // 1,000,000 = 4,000,000.
  s.Add(booo::testing::Correcting(
      booo::testing::TransitionRequest("r1-fix", kAms, 5'000'000, Day(2023, 4, 1), Day(2023, 4, 30),
                                       ALLOCATION_METHOD_LUMP_SUM, Day(2023, 5, 1)),
      "r1"));
  auto corrected_report = report;
  corrected_report.set_event_id("rep23-fix");
  corrected_report.mutable_accountability_report_filed()->set_voluntary_waiver_cents(0);
  s.Add(booo::testing::Correcting(corrected_report, "rep23"));
  auto c = s.Compute(kAms, 2023);
  EXPECT_EQ(Node(*c, "grant/e/r1-fix").amount_cents(), 4'000'000);
  EXPECT_EQ(Node(*c, "grant/findings/F1/readmitted").amount_cents(), 1'000'000);
  EXPECT_EQ(c->computed_grant_cents, 4'000'000);
}

TEST(GrantCalculationTest, LateAccountabilityIsFlaggedAndItsReductionApplied) {
  GrantScenario s = GrantScenario::WithRuleBook();
  s.Add(booo::testing::GooPlaces("p1", kAms, "L1", Day(2023, 1, 1), Day(2023, 1, 31), 10,
                                 Day(2023, 2, 1)));
  // The 2023 accountability was due 15 Jul 2024; it came on the 16th.
  s.Add(booo::testing::Report("rep23", kAms, 2023, Day(2024, 7, 16)));
  auto flagged = s.Compute(kAms, 2023);
  EXPECT_THAT(flagged->flags, ::testing::Contains(HasSubstr("late accountability")));
  EXPECT_EQ(flagged->computed_grant_cents, 2'573'000);
  s.Add(booo::testing::LateDecision("late", kAms, 2023, 73'000, Day(2024, 9, 1)));
  // 2,573,000 − 73,000 = 2,500,000.
  EXPECT_EQ(s.Compute(kAms, 2023)->computed_grant_cents, 2'500'000);
}

TEST(GrantCalculationTest, OnTimeAccountabilityOn15JulyIsNotLate) {
  GrantScenario s = GrantScenario::WithRuleBook();
  s.Add(booo::testing::Report("rep23", kAms, 2023, Day(2024, 7, 15)));
  EXPECT_TRUE(s.Compute(kAms, 2023)->flags.empty());
}

TEST(GrantCalculationTest, VoluntaryWaiverLowersTheGrantFrom2023Only) {
  GrantScenario s = GrantScenario::WithRuleBook();
  s.Add(booo::testing::GooPlaces("p1", kAms, "L1", Day(2022, 12, 1), Day(2023, 1, 31), 10,
                                 Day(2023, 2, 1)));
  s.Add(booo::testing::Report("rep22", kAms, 2022, Day(2023, 7, 1), 100'000));
  s.Add(booo::testing::Report("rep23", kAms, 2023, Day(2024, 7, 1), 100'000));
  // 2022: 10 × 31 × 8300 = 2,573,000; a waiver is not possible for 2022: still 2,573,000.
  // 2023: 2,573,000 − 100,000 = 2,473,000, and the trace shows both.
  auto y2022 = s.Compute(kAms, 2022);
  EXPECT_EQ(y2022->computed_grant_cents, 2'573'000);
  EXPECT_EQ(Node(*y2022, "grant/waiver").amount_cents(), 0);
  auto y2023 = s.Compute(kAms, 2023);
  EXPECT_EQ(Node(*y2023, "grant/a").amount_cents(), 2'573'000);
  EXPECT_EQ(Node(*y2023, "grant/waiver").amount_cents(), -100'000);
  EXPECT_EQ(y2023->computed_grant_cents, 2'473'000);
}

TEST(GrantCalculationTest, BalanceNetsAdvancesAndVoluntaryRepayments) {
  GrantScenario s = GrantScenario::WithRuleBook();
  // A grant of €80: 1 place × 1 day × €83 is too much, so use a determination of €80.
  s.Add(booo::testing::Advance("a1", kAms, 2023, 10'000, Day(2023, 2, 1)));
  s.Add(booo::testing::Repayment("r1", kAms, 2023, 2'000, Day(2024, 3, 1)));
  s.Add(booo::testing::Determination("v1", kAms, 2023, 8'000, Day(2024, 11, 1)));
  auto c = s.Compute(kAms, 2023);
  // DOMAIN example: advances €100, grant €80, repaid €20: net paid €80, balance €0.
  EXPECT_EQ(c->grant_cents, 8'000);
  EXPECT_EQ(c->net_paid_cents, 8'000);
  EXPECT_EQ(c->balance_cents, 0);
  s.Add(booo::testing::Advance("a2", kAms, 2023, 5'000, Day(2024, 12, 1)));
  // Another €50 advance: balance −€50, to reclaim.
  EXPECT_EQ(s.Compute(kAms, 2023)->balance_cents, -5'000);
}

TEST(GrantCalculationTest, LaterDeclarationReplacesEarlierOnTheSameDays) {
  GrantScenario s = GrantScenario::WithRuleBook();
  s.Add(booo::testing::GooPlaces("p1", kAms, "L1", Day(2023, 1, 1), Day(2023, 1, 31), 10,
                                 Day(2023, 2, 1)));
  s.Add(booo::testing::GooPlaces("p2", kAms, "L1", Day(2023, 1, 11), Day(2023, 1, 20), 20,
                                 Day(2023, 2, 2)));
  // 1..10 and 21..31 Jan at 10 places (21 days), 11..20 at 20: (10 × 21 + 20 × 10) × 8300 =
  // 410 × 8300 = 3,403,000.
  EXPECT_EQ(s.Compute(kAms, 2023)->computed_grant_cents, 3'403'000);
}

TEST(GrantCalculationTest, CorrectionReplacesTheOriginalOnlyFromItsLedgerPoint) {
  GrantScenario s = GrantScenario::WithRuleBook();
  s.Add(booo::testing::GooPlaces("p1", kAms, "L1", Day(2023, 1, 1), Day(2023, 1, 31), 10,
                                 Day(2023, 2, 1)));
  const uint64_t before_correction = s.size();
  s.Add(booo::testing::Correcting(booo::testing::GooPlaces("p1-fix", kAms, "L1", Day(2023, 1, 1),
                                                           Day(2023, 1, 31), 8, Day(2023, 3, 1)),
                                  "p1"));
  // Before the correction: 10 × 31 × 8300 = 2,573,000; from it on: 8 × 31 × 8300 = 2,058,400.
  const Scope y = Scope::Year(2023);
  EXPECT_EQ(s.Compute(kAms, y, KnownAt{before_correction, std::nullopt})->computed_grant_cents,
            2'573'000);
  EXPECT_EQ(s.Compute(kAms, 2023)->computed_grant_cents, 2'058'400);
  // As known on 15 Feb 2023 (before the correction's received date) the original stands.
  EXPECT_EQ(s.Compute(kAms, y, KnownAt{s.size(), ledger::ToEpochDays(Day(2023, 2, 15))})
                ->computed_grant_cents,
            2'573'000);
}

TEST(GrantCalculationTest, VatFundContributionIsCountedFrom2024AndNotDeducted) {
  GrantScenario s = GrantScenario::WithRuleBook();
  s.Add(booo::testing::GooPlaces("p1", kAms, "L1", Day(2023, 12, 31), Day(2024, 1, 2), 100,
                                 Day(2024, 1, 10)));
  s.Add(booo::testing::PooMonth("m1", kAms, 2024, 1, 50, 40, Day(2024, 2, 1)));
  // 2024: 100 places × 2 days × 300 = 60,000 plus 40 person-months × 100 = 4,000: 64,000.
  // The grant is 100 × 2 × 6100 + 40 × 9200 = 1,220,000 + 368,000 = 1,588,000, untouched.
  auto c = s.Compute(kAms, 2024);
  EXPECT_EQ(c->vat_fund_cents, 64'000);
  EXPECT_EQ(c->computed_grant_cents, 1'588'000);
  EXPECT_EQ(s.Compute(kAms, 2023)->vat_fund_cents, 0);
}

TEST(GrantCalculationTest, OverflowIsOutOfRangeNeverAWrap) {
  GrantScenario s;
  // A norm of €1 trillion per place-day (the largest amount the ledger takes) for 10 million
  // places over 31 days: 10^14 × 10^7 × 31 does not fit in 64 bits.
  s.AddRule("goo_norm_per_place_day", Day(2023, 1, 1), std::nullopt, 100'000'000'000'000,
            Day(2022, 12, 1));
  booo::v1::EventBody period;
  period.set_event_id("sp");
  period.set_stream("rules");
  auto* v = period.mutable_rule_amended()->add_values();
  v->set_parameter("spending_period");
  *v->mutable_valid_from() = Day(2023, 1, 1);
  v->set_flag(true);
  *period.mutable_rule_amended()->mutable_publication_date() = Day(2022, 12, 1);
  s.Add(period);
  s.Add(booo::testing::GooPlaces("p1", kAms, "L1", Day(2023, 1, 1), Day(2023, 1, 31), 10'000'000,
                                 Day(2023, 2, 1)));
  auto c = s.Compute(kAms, 2023);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(c.status().message(), HasSubstr("overflows"));
}

TEST(GrantCalculationTest, ScopeOutsideTheYearIsRefused) {
  GrantScenario s = GrantScenario::WithRuleBook();
  auto c =
      s.Compute(kAms, booo::testing::ScopeOf(Day(2023, 12, 1), Day(2024, 1, 31)), s.Everything());
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(GrantCalculationTest, TraceDigestIsStableAndMovesWithTheFacts) {
  GrantScenario s = GrantScenario::WithRuleBook();
  s.Add(booo::testing::GooPlaces("p1", kAms, "L1", Day(2023, 1, 1), Day(2023, 1, 31), 10,
                                 Day(2023, 2, 1)));
  const std::string first = s.Compute(kAms, 2023)->trace.digest();
  EXPECT_EQ(first.size(), 32u);
  EXPECT_EQ(s.Compute(kAms, 2023)->trace.digest(), first);
  s.Add(booo::testing::PooMonth("m1", kAms, 2023, 1, 1, 1, Day(2023, 2, 1)));
  EXPECT_NE(s.Compute(kAms, 2023)->trace.digest(), first);
}

}  // namespace
// ---- The law as it was known: the rule book's corrections of its own encoding ----

// Every rule value named in a trace node, by parameter.
const booo::v1::TraceRuleValue* RuleOf(const TraceNode& node, const std::string& parameter) {
  for (const auto& r : node.rules()) {
    if (r.parameter() == parameter) return &r;
  }
  ADD_FAILURE() << "no rule " << parameter << " in " << node.key();
  return nullptr;
}

TEST(GrantsAsTheLawHadThem, A2024GooGrantAsKnownOn1March2024) {
  GrantScenario s = GrantScenario::WithRuleBook();
  s.Add(booo::testing::GooPlaces("p1", kAms, "L1", Day(2024, 1, 1), Day(2024, 1, 31), 10,
                                 Day(2024, 2, 1)));
  // As known on 1 Mar 2024 the 2024 re-setting (19 Oct 2023) holds both the €61 norm and the
  // 2024 spending period: 10 places × 31 days × €61.00 = €18,910.00 (before the correction of
  // the book's encoding, 2024 entered the period only with the Tijdelijke wet on 27 Jun 2024,
  // and this came out €0.00).
  auto c = s.Compute(kAms, Scope::Year(2024), KnownAt{s.size(), ledger::ToEpochDays(Day(2024, 3, 1))});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->computed_grant_cents, 1'891'000);
  const TraceNode& leaf = Node(*c, "grant/a/norm/L1/2024-01-01..2024-01-31");
  EXPECT_EQ(leaf.formula(), "10 places × 31 days × €61.00 = €18,910.00");
  const auto* period = RuleOf(leaf, "spending_period");
  ASSERT_NE(period, nullptr);
  EXPECT_EQ(period->value(), "true");
  EXPECT_THAT(period->citation(), HasSubstr("kenmerk 5024581"));
  EXPECT_THAT(period->source(), HasSubstr("1 januari 2024 inwerkingtreding"));
  // As known on 1 Oct 2023, before the re-setting, no 2024 day is in the spending period.
  auto before = s.Compute(kAms, Scope::Year(2024),
                          KnownAt{s.size(), ledger::ToEpochDays(Day(2023, 10, 1))});
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->computed_grant_cents, 0);
}

TEST(GrantsAsTheLawHadThem, A2023WaiverAsKnownOn1August2024) {
  GrantScenario s = GrantScenario::WithRuleBook();
  s.Add(booo::testing::GooPlaces("p1", kAms, "L1", Day(2023, 1, 1), Day(2023, 1, 31), 10,
                                 Day(2023, 2, 1)));
  s.Add(booo::testing::Report("rep23", kAms, 2023, Day(2024, 7, 10), 100'000));
  // As known on 1 Aug 2024 (before the 13 Nov 2024 document that reports the waiver): the waiver
  // is dated by the opening of the 2023 accountability, 1 Jan 2024, so it counts.
  // 10 × 31 × €83.00 = €25,730.00; − €1,000.00 waived = €24,730.00.
  auto c = s.Compute(kAms, Scope::Year(2023), KnownAt{s.size(), ledger::ToEpochDays(Day(2024, 8, 1))});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(Node(*c, "grant/waiver").amount_cents(), -100'000);
  EXPECT_EQ(c->computed_grant_cents, 2'473'000);
  const auto* rule = RuleOf(Node(*c, "grant/waiver"), "voluntary_waiver_allowed");
  ASSERT_NE(rule, nullptr);
  EXPECT_THAT(rule->citation(), HasSubstr("date inferred"));
  ASSERT_EQ(rule->set_by_size(), 1);
  EXPECT_EQ(ledger::FormatDate(rule->set_by(0).publication_date()), "2024-01-01");
}

TEST(GrantsAsTheLawHadThem, A2026PooMonthKeepsThe2025NormUntilAmended) {
  GrantScenario s = GrantScenario::WithRuleBook();
  s.Add(booo::testing::PooMonth("m1", kAms, 2026, 1, 12, 10, Day(2026, 2, 5)));
  // No instrument sets a norm for 2026; the €48.00 norm set from 1 Jan 2025 stands until it is
  // amended (replay/rulebook/README.md): 10 × €48.00 = €480.00, set by the letter of 13 Nov 2024.
  auto c = s.Compute(kAms, 2026);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->computed_grant_cents, 48'000);
  const TraceNode& leaf = Node(*c, "grant/cd/2026-01");
  const auto* rate = RuleOf(leaf, "poo_norm_per_person_month");
  ASSERT_NE(rate, nullptr);
  ASSERT_EQ(rate->set_by_size(), 1);
  EXPECT_THAT(rate->set_by(0).citation(), HasSubstr("19637, nr. 3312"));
}

TEST(GrantsAsTheLawHadThem, APooMonthWithNoNormKnownSaysSo) {
  GrantScenario s = GrantScenario::WithRuleBook();
  s.Add(booo::testing::PooMonth("m1", kAms, 2022, 5, 12, 10, Day(2022, 6, 5)));
  // No POO norm existed until Stcrt. 2022, 27515 (14 Oct 2022) set €210 back to 1 Mar 2022. As
  // known on 1 Oct 2022 the month counts for €0.00 and the trace says no norm is known; as known
  // on 14 Oct 2022: 10 × €210.00 = €2,100.00.
  auto before = s.Compute(kAms, Scope::Year(2022),
                          KnownAt{s.size(), ledger::ToEpochDays(Day(2022, 10, 1))});
  ASSERT_TRUE(before.ok()) << before.status();
  EXPECT_EQ(before->computed_grant_cents, 0);
  const TraceNode& leaf = Node(*before, "grant/cd/2022-05");
  EXPECT_EQ(leaf.formula(), "10 persons with a provision × no POO norm known = €0.00");
  EXPECT_THAT(leaf.notes(), ::testing::Contains(HasSubstr("no POO norm is known")));
  EXPECT_THAT(before->flags, ::testing::Contains(HasSubstr("POO norm is not known")));
  auto after = s.Compute(kAms, Scope::Year(2022),
                         KnownAt{s.size(), ledger::ToEpochDays(Day(2022, 10, 14))});
  EXPECT_EQ(after->computed_grant_cents, 210'000);
}

TEST(GrantsAsTheLawHadThem, AnExceptionClaimDecidedBefore27515IsNamed) {
  GrantScenario s = GrantScenario::WithRuleBook();
  s.Add(booo::testing::GooPlaces("p1", kAms, "L1", Day(2022, 3, 1), Day(2022, 3, 31), 10,
                                 Day(2022, 4, 1)));
  s.Add(booo::testing::ExceptionClaim("c1", kAms, 2022, 5'000'000, Day(2022, 9, 1)));
  s.Add(booo::testing::ExceptionDecision("c1d", kAms, "c1", booo::v1::DECISION_OUTCOME_GRANTED,
                                         5'000'000, Day(2022, 10, 1)));
  // As known on 1 Oct 2022 no exception clause exists (Stcrt. 2022, 27515 is published on 14
  // Oct): category a stays at the norm, 10 × 31 × €100.00 = €31,000.00, and the trace says why.
  auto early = s.Compute(kAms, Scope::Year(2022),
                         KnownAt{s.size(), ledger::ToEpochDays(Day(2022, 10, 1))});
  ASSERT_TRUE(early.ok()) << early.status();
  EXPECT_EQ(early->computed_grant_cents, 3'100'000);
  const TraceNode& leaf = Node(*early, "grant/a/exception_clause");
  EXPECT_EQ(leaf.amount_cents(), 0);
  EXPECT_THAT(leaf.notes(), ::testing::Contains(HasSubstr("no exception clause is known for 2022")));
  EXPECT_THAT(early->flags, ::testing::Contains(HasSubstr("no exception clause is known")));
  // As known today the clause covers 2022 and is applied, €31,000.00 + (€50,000.00 − €31,000.00)
  // = €50,000.00, and the trace says the decision preceded the clause's publication.
  auto now = s.Compute(kAms, 2022);
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->computed_grant_cents, 5'000'000);
  EXPECT_THAT(Node(*now, "grant/a/exception_clause").notes(),
              ::testing::Contains(HasSubstr("precedes the publication of the exception clause")));
  EXPECT_THAT(now->flags, ::testing::Contains(HasSubstr("before the exception clause was published")));
  // A decision after the clause's publication raises neither.
  GrantScenario later = GrantScenario::WithRuleBook();
  later.Add(booo::testing::GooPlaces("p1", kAms, "L1", Day(2022, 3, 1), Day(2022, 3, 31), 10,
                                     Day(2022, 4, 1)));
  later.Add(booo::testing::ExceptionClaim("c1", kAms, 2022, 5'000'000, Day(2023, 3, 1)));
  later.Add(booo::testing::ExceptionDecision("c1d", kAms, "c1", booo::v1::DECISION_OUTCOME_GRANTED,
                                             5'000'000, Day(2023, 5, 1)));
  auto quiet = later.Compute(kAms, 2022);
  EXPECT_TRUE(Node(*quiet, "grant/a/exception_clause").notes().empty());
}

// ---- Citations: the instrument that set a value, and the one it was read from ----

TEST(RuleCitations, The83EuroNormOf2022IsSetBy27515AndReadFromTheMemo) {
  GrantScenario s = GrantScenario::WithRuleBook();
  s.Add(booo::testing::GooPlaces("p1", kAms, "L1", Day(2022, 10, 15), Day(2022, 12, 31), 10,
                                 Day(2023, 1, 10)));
  auto c = s.Compute(kAms, 2022);
  ASSERT_TRUE(c.ok());
  // 10 × 78 × €83.00 = €64,740.00.
  EXPECT_EQ(c->computed_grant_cents, 6'474'000);
  const auto* rate =
      RuleOf(Node(*c, "grant/a/norm/L1/2022-10-15..2022-12-31"), "goo_norm_per_place_day");
  ASSERT_NE(rate, nullptr);
  // Read from the latest amendment that covers those days (the 2024 re-setting restates €83 for
  // 15 Oct 2022 - 31 Dec 2023), set by Stcrt. 2022, 27515 for all of them.
  EXPECT_THAT(rate->citation(), HasSubstr("Decision memo JenV of 19 Oct 2023"));
  ASSERT_EQ(rate->set_by_size(), 1);
  EXPECT_EQ(rate->set_by(0).citation(), "Stcrt. 2022, 27515 (regulation of 11 Oct 2022, nr. 4245817)");
  EXPECT_EQ(ledger::FormatDate(rate->set_by(0).publication_date()), "2022-10-14");
  EXPECT_EQ(ledger::FormatDate(rate->set_by(0).days().first_day()), "2022-10-15");
  EXPECT_EQ(ledger::FormatDate(rate->set_by(0).days().last_day()), "2022-12-31");
  EXPECT_THAT(rate->set_by(0).source(), HasSubstr("art. I A"));
  // The set-by record is outside the canonical encoding: the trace digest is that of the
  // derivation, as TRACE_FORMAT.md v1 defines it.
  TraceNode stripped = c->trace;
  std::function<void(TraceNode&)> strip = [&](TraceNode& n) {
    for (auto& r : *n.mutable_rules()) {
      r.clear_set_by();
      r.clear_source();
    }
    for (auto& child : *n.mutable_children()) strip(child);
  };
  strip(stripped);
  EXPECT_EQ(ComputeDigests(stripped), c->trace.digest());
}

TEST(RuleCitations, ASpendingPeriodSetPieceByPieceNamesEachInstrument) {
  GrantScenario s = GrantScenario::WithRuleBook();
  s.Add(booo::testing::PooMonth("m1", kAms, 2022, 5, 10, 10, Day(2022, 6, 5)));
  s.Add(booo::testing::GooPlaces("p1", kAms, "L1", Day(2022, 8, 1), Day(2022, 9, 30), 1,
                                 Day(2022, 10, 5)));
  auto c = s.Compute(kAms, 2022);
  ASSERT_TRUE(c.ok());
  // The period over Aug-Sep 2022 is read from the latest extension but was set for August by
  // the original regulation and for September by the extension of 26 Aug 2022.
  const TraceNode& leaf = Node(*c, "grant/a/norm/L1/2022-08-01..2022-09-30");
  const auto* period = RuleOf(leaf, "spending_period");
  ASSERT_NE(period, nullptr);
  ASSERT_EQ(period->set_by_size(), 2);
  EXPECT_EQ(period->set_by(0).citation(), "Stcrt. 2022, 15021");
  EXPECT_EQ(ledger::FormatDate(period->set_by(0).days().last_day()), "2022-08-31");
  EXPECT_EQ(period->set_by(1).citation(), "Stcrt. 2022, 22626");
  EXPECT_EQ(ledger::FormatDate(period->set_by(1).days().first_day()), "2022-09-01");
}

// A caller that stopped waiting (replay/calc/stop_when.h): the computation gives up at the
// next of its checks with CANCELLED, whichever check that is; the same computation asked again
// without the stop gives the whole answer; a nested stop ends with its scope.
TEST(GrantCalculationTest, GivesUpAtTheNextCheckOnceItsCallerStopped) {
  GrantScenario s = GrantScenario::WithRuleBook();
  s.Add(booo::testing::GooPlaces("p1", kAms, "L1", Day(2023, 1, 1), Day(2023, 1, 31), 10,
                                 Day(2023, 2, 1)));
  int checks_in_a_whole_computation = 0;
  {
    StopWhen count([&] {
      ++checks_in_a_whole_computation;
      return false;
    });
    ASSERT_TRUE(s.Compute(kAms, 2023).ok());
  }
  ASSERT_GE(checks_in_a_whole_computation, 8);  // before each step, the settlement, the VAT fund
  for (int stop_at = 1; stop_at <= checks_in_a_whole_computation; ++stop_at) {
    int checks = 0;
    StopWhen stop([&] { return ++checks >= stop_at; });
    auto c = s.Compute(kAms, 2023);
    EXPECT_EQ(c.status().code(), absl::StatusCode::kCancelled) << stop_at;
    EXPECT_THAT(c.status().message(), HasSubstr("stopped waiting"));
    EXPECT_EQ(checks, stop_at);  // nothing asked after the stop was seen
  }
  {
    StopWhen outer([] { return false; });
    {
      StopWhen inner([] { return true; });
      EXPECT_EQ(s.Compute(kAms, 2023).status().code(), absl::StatusCode::kCancelled);
    }
    EXPECT_TRUE(s.Compute(kAms, 2023).ok());
  }
  auto whole = s.Compute(kAms, 2023);
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(whole->computed_grant_cents, 10 * 31 * 8300);
}

}  // namespace booo::replay
