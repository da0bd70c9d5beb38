// Every control signal fires on a crafted scenario with its exact figures, and stays silent on
// the clean variant. On the shipped rule book and control thresholds; amounts in cents.
#include "replay/controls/controls.h"

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "ledger/core/civil_date.h"
#include "gtest/gtest.h"
#include "tests/support/event_factory.h"
#include "tests/support/grant_scenario.h"

namespace booo::replay {
namespace {

using booo::testing::Day;
using booo::testing::GrantScenario;
using ::testing::HasSubstr;
using booo::v1::ALLOCATION_METHOD_LUMP_SUM;

constexpr char kAms[] = "GM0363";
constexpr char kUtr[] = "GM0344";

std::vector<booo::v1::Signal> Fired(const GrantScenario& s, const std::string& rule, int year,
                                    booo::v1::CivilDate as_of) {
  auto signals = s.Signals(year, as_of);
  EXPECT_TRUE(signals.ok()) << signals.status();
  std::vector<booo::v1::Signal> out;
  for (auto& signal : *signals) {
    if (signal.rule() == rule) out.push_back(signal);
  }
  return out;
}

int64_t FigureValue(const booo::v1::Signal& s, const std::string& name) {
  for (const auto& f : s.figures()) {
    if (f.name() == name) return f.value();
  }
  ADD_FAILURE() << "no figure " << name;
  return -1;
}

// A clean municipality for 2023: a registered location within capacity, person-months, a
// living allowance under the ceiling, an accountability on time, a determination.
GrantScenario Clean() {
  GrantScenario s = GrantScenario::WithRuleBook();
  s.Add(booo::testing::Location("loc", kAms, "L1", booo::v1::ACCOMMODATION_TYPE_REGULAR_BUILDING,
                                100, Day(2023, 1, 1), Day(2023, 12, 31), Day(2023, 1, 1)));
  s.Add(booo::testing::GooPlaces("p1", kAms, "L1", Day(2023, 1, 1), Day(2023, 1, 31), 10,
                                 Day(2023, 2, 1)));
  s.Add(booo::testing::WithPersons(
      booo::testing::PooMonth("m11", kAms, 2023, 11, 12, 10, Day(2023, 12, 5)),
      {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
  s.Add(booo::testing::LivingAllowance(
      "la", kAms, booo::v1::RECEPTION_KIND_POO, booo::v1::ALLOWANCE_COMPONENT_LIVING_ALLOWANCE,
      Day(2023, 11, 1), Day(2023, 11, 30), 300'000, Day(2023, 12, 5)));
  s.Add(booo::testing::AdvanceRequest("ar", kAms, 2023, 20'000, Day(2023, 9, 30)));
  s.Add(booo::testing::Advance("a1", kAms, 2023, 20'000, Day(2023, 10, 15)));
  s.Add(booo::testing::Report("rep", kAms, 2023, Day(2024, 7, 15)));
  s.Add(booo::testing::Determination("det", kAms, 2023, 2'783'000, Day(2024, 11, 1)));
  return s;
}

TEST(ControlsTest, ACleanMunicipalityRaisesNoSignal) {
  auto signals = Clean().Signals(2023, Day(2026, 1, 1));
  ASSERT_TRUE(signals.ok());
  for (const auto& s : *signals) ADD_FAILURE() << s.rule() << ": " << s.message();
}

TEST(ControlsTest, LivingAllowanceAboveTheCeilingInForceThatMonth) {
  GrantScenario s = Clean();
  s.Add(booo::testing::Correcting(
      booo::testing::LivingAllowance("la-fix", kAms, booo::v1::RECEPTION_KIND_POO,
                                     booo::v1::ALLOWANCE_COMPONENT_LIVING_ALLOWANCE,
                                     Day(2023, 11, 1), Day(2023, 11, 30), 310'000,
                                     Day(2023, 12, 20)),
      "la"));
  auto fired = Fired(s, "poo_living_allowance_above_ceiling", 2023, Day(2024, 1, 1));
  ASSERT_EQ(fired.size(), 1u);
  // Ceiling from 1 Oct 2023: €303.19 per person-month; 10 persons: €3,031.90; paid €3,100.
  EXPECT_EQ(fired[0].message(),
            "The POO living allowance of €3,100.00 paid for 2023-11 exceeds the ceiling for 10 "
            "persons with a provision (€3,031.90) by €68.10.");
  EXPECT_EQ(FigureValue(fired[0], "ceiling for the month"), 303'190);
  EXPECT_EQ(fired[0].severity(), booo::v1::SEVERITY_WARNING);
  EXPECT_EQ(fired[0].rules(0).parameter(), "poo_living_allowance_ceiling_per_person_month");
  EXPECT_EQ(fired[0].sources(0).event_id(), "la-fix");
}

TEST(ControlsTest, PaymentsOfOneMonthAreJudgedTogether) {
  GrantScenario s = Clean();
  // Two more payments for November, each under the ceiling alone (€3,031.90), together with
  // the €3,000 of Clean(): €3,000 + €20 + €15 = €3,035 > €3,031.90.
  for (auto [id, cents] : {std::pair{"la2", 2'000}, std::pair{"la3", 1'500}}) {
    s.Add(booo::testing::LivingAllowance(
        id, kAms, booo::v1::RECEPTION_KIND_POO, booo::v1::ALLOWANCE_COMPONENT_LIVING_ALLOWANCE,
        Day(2023, 11, 1), Day(2023, 11, 30), cents, Day(2023, 12, 6)));
  }
  auto fired = Fired(s, "poo_living_allowance_above_ceiling", 2023, Day(2024, 1, 1));
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(FigureValue(fired[0], "paid for the month"), 303'500);
  EXPECT_EQ(fired[0].sources_size(), 4);  // three payments and the person-month declaration
}

TEST(ControlsTest, PlacesAboveRegisteredCapacity) {
  GrantScenario s = Clean();
  s.Add(booo::testing::GooPlaces("p2", kAms, "L1", Day(2023, 3, 1), Day(2023, 3, 31), 120,
                                 Day(2023, 4, 1)));
  auto fired = Fired(s, "places_above_capacity", 2023, Day(2024, 1, 1));
  ASSERT_EQ(fired.size(), 1u);
  // 20 places too many on 31 days: 620 place-days.
  EXPECT_EQ(fired[0].message(),
            "Location L1 declares 120 realised places on 2023-03-01..2023-03-31, above its "
            "registered capacity of 100 (620 place-days too many).");
  EXPECT_EQ(FigureValue(fired[0], "place-days above capacity"), 620);
  EXPECT_EQ(fired[0].severity(), booo::v1::SEVERITY_HIGH);
  EXPECT_EQ(fired[0].sources_size(), 2);  // the declaration and the registration
}

TEST(ControlsTest, UnregisteredLocationIsReportedForInformation) {
  GrantScenario s = Clean();
  s.Add(booo::testing::GooPlaces("p3", kAms, "L9", Day(2023, 5, 1), Day(2023, 5, 10), 7,
                                 Day(2023, 6, 1)));
  auto fired = Fired(s, "location_not_registered", 2023, Day(2024, 1, 1));
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(FigureValue(fired[0], "place-days without a registration"), 70);
  EXPECT_EQ(fired[0].severity(), booo::v1::SEVERITY_INFO);
}

TEST(ControlsTest, ActualCostPerPlaceDayOutsideThePlausibleBand) {
  GrantScenario s = Clean();
  // 10 places × 31 days = 310 place-days; €80,000 actual: €258.06 per place-day, above the
  // €249.99 maximum.
  s.Add(booo::testing::ExceptionClaim("uc", kAms, 2023, 8'000'000, Day(2024, 3, 1)));
  auto fired = Fired(s, "goo_cost_per_place_day_implausible", 2023, Day(2024, 4, 1));
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(FigureValue(fired[0], "cost per place-day"), 25'806);
  EXPECT_THAT(fired[0].message(), HasSubstr("€258.06 per place-day, above the plausible maximum "
                                            "of €249.99"));
  // €30,000: €96.77 per place-day, inside the band.
  GrantScenario clean = Clean();
  clean.Add(booo::testing::ExceptionClaim("uc", kAms, 2023, 3'000'000, Day(2024, 3, 1)));
  EXPECT_TRUE(Fired(clean, "goo_cost_per_place_day_implausible", 2023, Day(2024, 4, 1)).empty());
}

TEST(ControlsTest, TransitionCostsWithoutOrAboveAnApproval) {
  GrantScenario s = Clean();
  s.Add(booo::testing::TransitionRequest("r1", kAms, 5'000'000, Day(2023, 4, 1), Day(2023, 4, 30),
                                         ALLOCATION_METHOD_LUMP_SUM, Day(2023, 3, 1)));
  s.Add(booo::testing::TransitionDecision("d1", kAms, "r1", booo::v1::DECISION_OUTCOME_GRANTED,
                                          4'000'000, Day(2023, 4, 1), Day(2023, 4, 30),
                                          ALLOCATION_METHOD_LUMP_SUM, Day(2023, 3, 15)));
  s.Add(booo::testing::TransitionDeclared("t1", kAms, 2023, "r1", 4'500'000, Day(2024, 2, 1)));
  s.Add(booo::testing::TransitionDeclared("t2", kAms, 2023, "", 700'000, Day(2024, 2, 1)));
  auto above = Fired(s, "transition_costs_above_approval", 2023, Day(2024, 3, 1));
  ASSERT_EQ(above.size(), 1u);
  EXPECT_EQ(FigureValue(above[0], "approved for the year"), 4'000'000);
  EXPECT_EQ(FigureValue(above[0], "above the approval"), 500'000);
  auto unapproved = Fired(s, "transition_costs_unapproved", 2023, Day(2024, 3, 1));
  ASSERT_EQ(unapproved.size(), 1u);
  EXPECT_EQ(unapproved[0].message(),
            "€7,000.00 of transition costs declared for 2023 without naming a request; they "
            "need prior approval.");
  // Declared within the approval: silent.
  GrantScenario clean = Clean();
  clean.Add(booo::testing::TransitionRequest("r1", kAms, 5'000'000, Day(2023, 4, 1),
                                             Day(2023, 4, 30), ALLOCATION_METHOD_LUMP_SUM,
                                             Day(2023, 3, 1)));
  clean.Add(booo::testing::TransitionDecision("d1", kAms, "r1", booo::v1::DECISION_OUTCOME_GRANTED,
                                              4'000'000, Day(2023, 4, 1), Day(2023, 4, 30),
                                              ALLOCATION_METHOD_LUMP_SUM, Day(2023, 3, 15)));
  clean.Add(booo::testing::TransitionDeclared("t1", kAms, 2023, "r1", 4'000'000, Day(2024, 2, 1)));
  auto signals = clean.Signals(2023, Day(2024, 3, 1));
  for (const auto& sig : *signals) EXPECT_THAT(sig.rule(), ::testing::Not(HasSubstr("transition")));
}

TEST(ControlsTest, AccountabilityMissingAfter15JulyAndLate) {
  GrantScenario s = GrantScenario::WithRuleBook();
  s.Add(booo::testing::GooPlaces("p1", kAms, "L1", Day(2023, 1, 1), Day(2023, 1, 31), 10,
                                 Day(2023, 2, 1)));
  // Due 15 Jul 2024: on that day nothing is missing yet; the day after it is, 1 day overdue.
  EXPECT_TRUE(Fired(s, "accountability_missing", 2023, Day(2024, 7, 15)).empty());
  auto missing = Fired(s, "accountability_missing", 2023, Day(2024, 7, 16));
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(FigureValue(missing[0], "days overdue"), 1);
  s.Add(booo::testing::Report("rep", kAms, 2023, Day(2024, 7, 20)));
  auto late = Fired(s, "accountability_late", 2023, Day(2024, 8, 1));
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(FigureValue(late[0], "days late"), 5);
  EXPECT_TRUE(Fired(s, "accountability_missing", 2023, Day(2024, 8, 1)).empty());
}

TEST(ControlsTest, ACorrectedReportKeepsTheDateTheOriginalArrived) {
  GrantScenario s = Clean();  // its report arrived on 15 Jul 2024, the deadline
  auto fix = booo::testing::Report("rep-fix", kAms, 2023, Day(2024, 8, 20));
  s.Add(booo::testing::Correcting(fix, "rep"));
  EXPECT_TRUE(Fired(s, "accountability_late", 2023, Day(2024, 9, 1)).empty());
  // Judged on 1 Aug 2024, a report that arrived on 20 Aug is not there yet.
  GrantScenario late = GrantScenario::WithRuleBook();
  late.Add(booo::testing::GooPlaces("p1", kAms, "L1", Day(2023, 1, 1), Day(2023, 1, 31), 10,
                                    Day(2023, 2, 1)));
  late.Add(booo::testing::Report("rep", kAms, 2023, Day(2024, 8, 20)));
  auto missing = Fired(late, "accountability_missing", 2023, Day(2024, 8, 1));
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(FigureValue(missing[0], "deadline"), 20240715);  // a date figure is YYYYMMDD
  EXPECT_TRUE(Fired(late, "accountability_late", 2023, Day(2024, 8, 1)).empty());
}

TEST(ControlsTest, DeterminationOverdueAfter31DecemberOfTheFollowingYear) {
  GrantScenario s = GrantScenario::WithRuleBook();
  s.Add(booo::testing::GooPlaces("p1", kAms, "L1", Day(2023, 1, 1), Day(2023, 1, 31), 10,
                                 Day(2023, 2, 1)));
  EXPECT_TRUE(Fired(s, "determination_overdue", 2023, Day(2024, 12, 31)).empty());
  auto overdue = Fired(s, "determination_overdue", 2023, Day(2025, 1, 1));
  ASSERT_EQ(overdue.size(), 1u);
  EXPECT_EQ(FigureValue(overdue[0], "days overdue"), 1);
  EXPECT_TRUE(Fired(Clean(), "determination_overdue", 2023, Day(2026, 1, 1)).empty());
}

TEST(ControlsTest, AdvanceRequestedAfterTheDeadlineInForce) {
  GrantScenario s = Clean();
  s.Add(booo::testing::AdvanceRequest("ar2", kAms, 2023, 50'000, Day(2023, 10, 1)));
  auto late = Fired(s, "advance_requested_late", 2023, Day(2024, 1, 1));
  ASSERT_EQ(late.size(), 1u);  // 30 Sep (in Clean) is on time; 1 Oct is not
  EXPECT_EQ(late[0].message(),
            "An advance of €500.00 for 2023 was applied for on 2023-10-01, after the deadline "
            "of 2023-09-30.");
}

TEST(ControlsTest, AdvancesAboveTheGrantMeanAReclaim) {
  GrantScenario s = GrantScenario::WithRuleBook();
  s.Add(booo::testing::GooPlaces("p1", kAms, "L1", Day(2023, 1, 1), Day(2023, 1, 31), 10,
                                 Day(2023, 2, 1)));
  s.Add(booo::testing::Advance("a1", kAms, 2023, 10'000'000, Day(2023, 2, 1)));
  s.Add(booo::testing::Repayment("r1", kAms, 2023, 1'000'000, Day(2023, 6, 1)));
  auto fired = Fired(s, "advances_exceed_grant", 2023, Day(2023, 7, 1));
  ASSERT_EQ(fired.size(), 1u);
  // Grant 10 × 31 × €83 = €25,730; net paid €100,000 − €10,000 = €90,000: reclaim €64,270.
  EXPECT_EQ(FigureValue(fired[0], "to reclaim"), 6'427'000);
}

TEST(ControlsTest, APersonCountedByTwoMunicipalitiesInOneMonth) {
  GrantScenario s = GrantScenario::WithRuleBook();
  s.Add(booo::testing::WithPersons(
      booo::testing::PooMonth("a5", kAms, 2023, 5, 3, 3, Day(2023, 6, 1)), {1, 2, 3}));
  s.Add(booo::testing::WithPersons(
      booo::testing::PooMonth("u5", kUtr, 2023, 5, 2, 2, Day(2023, 6, 2)), {3, 4}));
  s.Add(booo::testing::WithPersons(
      booo::testing::PooMonth("u6", kUtr, 2023, 6, 1, 1, Day(2023, 7, 2)), {1}));
  auto fired = Fired(s, "person_counted_twice", 2023, Day(2023, 8, 1));
  // Person 3 in May, once per municipality; person 1 is in June only at Utrecht: no signal.
  ASSERT_EQ(fired.size(), 2u);
  EXPECT_EQ(fired[0].municipality_code(), kUtr);
  EXPECT_EQ(fired[0].message(),
            "1 person declared by GM0344 for 2023-05 is also declared by GM0363 for the same "
            "month: a person-month counts once.");
  EXPECT_EQ(fired[1].municipality_code(), kAms);
  EXPECT_EQ(FigureValue(fired[1], "persons counted by both"), 1);
}

TEST(ControlsTest, ExpensiveAccommodationShareAboveWhatTheMinistrySteersOn) {
  GrantScenario s = GrantScenario::WithRuleBook();
  s.Add(booo::testing::GooPlaces("reg", kAms, "L1", Day(2023, 1, 1), Day(2023, 2, 28), 70,
                                 Day(2023, 3, 1)));
  s.Add(booo::testing::WithType(booo::testing::GooPlaces("hotel", kAms, "H1", Day(2023, 1, 1),
                                                         Day(2023, 1, 31), 30, Day(2023, 3, 1)),
                                booo::v1::ACCOMMODATION_TYPE_HOTEL));
  s.Add(booo::testing::WithType(booo::testing::GooPlaces("ship", kAms, "S1", Day(2023, 2, 1),
                                                         Day(2023, 2, 28), 20, Day(2023, 3, 1)),
                                booo::v1::ACCOMMODATION_TYPE_SHIP));
  auto fired = Fired(s, "expensive_accommodation_share", 2023, Day(2023, 4, 1));
  // January: 930 hotel place-days of 3,100 = 30.00 % > 25 %. February: 560 of 2,520 =
  // 22.22 %: silent.
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(FigureValue(fired[0], "expensive share"), 3000);
  EXPECT_THAT(fired[0].message(), HasSubstr("In 2023-01, 930 of 3,100 GOO place-days"));
}

// ---- Signals without noise (issue: evidence, accountability owed, the new checks) ----

std::vector<std::string> SourceIds(const booo::v1::Signal& s) {
  std::vector<std::string> ids;
  for (const auto& source : s.sources()) ids.push_back(source.event_id());
  return ids;
}

TEST(ControlsTest, DeadlineSignalsCiteWhatMakesTheYearAccountable) {
  GrantScenario s = GrantScenario::WithRuleBook();
  s.Add(booo::testing::Advance("a1", kAms, 2023, 20'000, Day(2023, 10, 15)));
  s.Add(booo::testing::GooPlaces("p1", kAms, "L1", Day(2023, 1, 1), Day(2023, 1, 31), 10,
                                 Day(2023, 2, 1)));
  auto missing = Fired(s, "accountability_missing", 2023, Day(2025, 1, 1));
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_THAT(missing[0].message(),
              HasSubstr("it is owed because €200.00 in advances was paid and 1 declaration of "
                        "costs arrived for 2023."));
  EXPECT_EQ(FigureValue(missing[0], "advances paid"), 20'000);
  EXPECT_EQ(FigureValue(missing[0], "declarations"), 1);
  EXPECT_THAT(SourceIds(missing[0]), ::testing::ElementsAre("a1", "p1"));
  // The deadline's legal basis, for the day it was looked up (the year's end).
  ASSERT_EQ(missing[0].rules_size(), 1);
  ASSERT_EQ(missing[0].rules(0).set_by_size(), 1);
  EXPECT_THAT(missing[0].rules(0).set_by(0).citation(), HasSubstr("Stcrt. 2022, 27515"));
  EXPECT_EQ(ledger::FormatDate(missing[0].rules(0).set_by(0).days().first_day()), "2023-12-31");
  auto overdue = Fired(s, "determination_overdue", 2023, Day(2025, 1, 1));
  ASSERT_EQ(overdue.size(), 1u);
  EXPECT_THAT(SourceIds(overdue[0]), ::testing::ElementsAre("a1", "p1"));
}

TEST(ControlsTest, ACorrectedDeclarationWasThereFromItsFirstDay) {
  GrantScenario s = GrantScenario::WithRuleBook();
  s.Add(booo::testing::GooPlaces("p1", kAms, "L1", Day(2023, 1, 1), Day(2023, 1, 31), 10,
                                 Day(2023, 5, 1)));
  s.Add(booo::testing::Correcting(booo::testing::GooPlaces("p1-fix", kAms, "L1", Day(2023, 1, 1),
                                                           Day(2023, 1, 31), 9, Day(2024, 9, 1)),
                                  "p1"));
  // Judged on 1 Aug 2024, before the correction arrived: the declaration of 1 May 2023 makes
  // 2023 accountable.
  EXPECT_EQ(Fired(s, "accountability_missing", 2023, Day(2024, 8, 1)).size(), 1u);
}

TEST(ControlsTest, AnAdvanceRequestAloneOwesNoAccountability) {
  GrantScenario s = GrantScenario::WithRuleBook();
  // Requests for 2022 and 2023, nothing paid, nothing declared: nothing is owed, for either
  // year, however late the day they are judged on.
  s.Add(booo::testing::AdvanceRequest("ar22", kAms, 2022, 20'000, Day(2022, 9, 1)));
  s.Add(booo::testing::AdvanceRequest("ar23", kAms, 2023, 20'000, Day(2023, 9, 1)));
  for (int year : {2022, 2023}) {
    EXPECT_TRUE(Fired(s, "accountability_missing", year, Day(2026, 12, 1)).empty()) << year;
    EXPECT_TRUE(Fired(s, "determination_overdue", year, Day(2026, 12, 1)).empty()) << year;
  }
  // A report alone makes the year one to determine.
  GrantScenario reported = GrantScenario::WithRuleBook();
  reported.Add(booo::testing::Report("rep", kAms, 2023, Day(2024, 7, 1)));
  auto overdue = Fired(reported, "determination_overdue", 2023, Day(2025, 1, 1));
  ASSERT_EQ(overdue.size(), 1u);
  EXPECT_THAT(overdue[0].message(), HasSubstr("its accountability report arrived for 2023."));
  // Once the 2023 advance is paid, 2023 is owed; 2022 still is not.
  s.Add(booo::testing::Advance("a23", kAms, 2023, 20'000, Day(2023, 10, 1)));
  EXPECT_EQ(Fired(s, "accountability_missing", 2023, Day(2026, 12, 1)).size(), 1u);
  EXPECT_TRUE(Fired(s, "accountability_missing", 2022, Day(2026, 12, 1)).empty());
  // Judged before the payment arrived, it was not owed yet.
  EXPECT_TRUE(Fired(s, "accountability_missing", 2023, Day(2023, 9, 30)).empty());
}

TEST(ControlsTest, APooMonthWithoutPseudonymsIsRaisedOncePerYear) {
  GrantScenario s = GrantScenario::WithRuleBook();
  s.Add(booo::testing::PooMonth("m10", kAms, 2023, 10, 12, 10, Day(2023, 11, 5)));
  s.Add(booo::testing::PooMonth("m11", kAms, 2023, 11, 12, 8, Day(2023, 12, 5)));
  s.Add(booo::testing::WithPersons(
      booo::testing::PooMonth("m12", kAms, 2023, 12, 2, 2, Day(2024, 1, 5)), {1, 2}));
  auto fired = Fired(s, "poo_person_refs_missing", 2023, Day(2024, 2, 1));
  ASSERT_EQ(fired.size(), 1u);
  // October (10) and November (8): 18 person-months without pseudonyms; December has them.
  EXPECT_EQ(fired[0].message(),
            "The POO declarations for 2023-10, 2023-11 count 18 person-months with a provision "
            "without the persons' pseudonyms, so counting a person in two municipalities cannot "
            "be checked.");
  EXPECT_EQ(FigureValue(fired[0], "person-months without pseudonyms"), 18);
  EXPECT_THAT(SourceIds(fired[0]), ::testing::ElementsAre("m10", "m11"));
  // A month in which nobody received a provision needs none.
  GrantScenario quiet = GrantScenario::WithRuleBook();
  quiet.Add(booo::testing::PooMonth("m10", kAms, 2023, 10, 3, 0, Day(2023, 11, 5)));
  EXPECT_TRUE(Fired(quiet, "poo_person_refs_missing", 2023, Day(2024, 2, 1)).empty());
}

TEST(ControlsTest, GooLivingAllowanceAboveTheCeilingFrom2024) {
  GrantScenario s = GrantScenario::WithRuleBook();
  s.Add(booo::testing::GooPlaces("p1", kAms, "L1", Day(2024, 3, 1), Day(2024, 3, 31), 10,
                                 Day(2024, 4, 2)));
  s.Add(booo::testing::LivingAllowance("la", kAms, booo::v1::RECEPTION_KIND_GOO,
                                       booo::v1::ALLOWANCE_COMPONENT_LIVING_ALLOWANCE,
                                       Day(2024, 3, 1), Day(2024, 3, 31), 310'000,
                                       Day(2024, 4, 2)));
  // March 2024: 10 places × 31 days = 310 place-days, at most 10 persons; ceiling €303.19 per
  // person-month: floor(30,319 × 310 / 31) = €3,031.90; paid €3,100.00: €68.10 above.
  auto fired = Fired(s, "goo_living_allowance_above_ceiling", 2024, Day(2024, 5, 1));
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].message(),
            "The GOO living allowance of €3,100.00 paid for 2024-03 exceeds the ceiling for 310 "
            "place-days (at most €3,031.90) by €68.10.");
  EXPECT_EQ(FigureValue(fired[0], "ceiling for the month"), 303'190);
  ASSERT_EQ(fired[0].rules_size(), 1);
  EXPECT_EQ(fired[0].rules(0).parameter(), "goo_living_allowance_ceiling_per_person_month");
  EXPECT_THAT(fired[0].rules(0).source(), HasSubstr("EUR 303.19"));
  // €3,031.90 exactly is within; and in 2023 the allowance is inside the norm: no ceiling.
  GrantScenario quiet = GrantScenario::WithRuleBook();
  quiet.Add(booo::testing::GooPlaces("p1", kAms, "L1", Day(2024, 3, 1), Day(2024, 3, 31), 10,
                                     Day(2024, 4, 2)));
  quiet.Add(booo::testing::LivingAllowance("la", kAms, booo::v1::RECEPTION_KIND_GOO,
                                           booo::v1::ALLOWANCE_COMPONENT_LIVING_ALLOWANCE,
                                           Day(2024, 3, 1), Day(2024, 3, 31), 303'190,
                                           Day(2024, 4, 2)));
  quiet.Add(booo::testing::LivingAllowance("la23", kAms, booo::v1::RECEPTION_KIND_GOO,
                                           booo::v1::ALLOWANCE_COMPONENT_LIVING_ALLOWANCE,
                                           Day(2023, 3, 1), Day(2023, 3, 31), 900'000,
                                           Day(2023, 4, 2)));
  EXPECT_TRUE(Fired(quiet, "goo_living_allowance_above_ceiling", 2024, Day(2024, 5, 1)).empty());
  EXPECT_TRUE(Fired(quiet, "goo_living_allowance_above_ceiling", 2023, Day(2024, 5, 1)).empty());
}

// Transition costs for April 2023, requested on 1 Mar 2023 and approved (as requested) on
// `decided`.
GrantScenario AprilCostsApprovedOn(booo::v1::CivilDate decided) {
  GrantScenario s = GrantScenario::WithRuleBook();
  s.Add(booo::testing::TransitionRequest("r1", kAms, 5'000'000, Day(2023, 4, 1), Day(2023, 4, 30),
                                         ALLOCATION_METHOD_LUMP_SUM, Day(2023, 3, 1)));
  s.Add(booo::testing::TransitionDecision("d1", kAms, "r1", booo::v1::DECISION_OUTCOME_GRANTED,
                                          4'000'000, Day(2023, 4, 1), Day(2023, 4, 30),
                                          ALLOCATION_METHOD_LUMP_SUM, decided));
  return s;
}

TEST(ControlsTest, TransitionCostsIncurredBeforeTheirApproval) {
  GrantScenario s = AprilCostsApprovedOn(Day(2023, 4, 10));
  s.Add(booo::testing::TransitionDeclared("t1", kAms, 2023, "r1", 4'000'000, Day(2024, 2, 1)));
  // Costs from 1 Apr, approval on 10 Apr: 1-9 Apr, 9 days, without approval. The approval still
  // clears "unapproved".
  auto fired = Fired(s, "transition_costs_incurred_before_approval", 2023, Day(2024, 3, 1));
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(FigureValue(fired[0], "days before approval"), 9);
  EXPECT_EQ(ledger::FormatDate(fired[0].period().last_day()), "2023-04-09");
  EXPECT_THAT(SourceIds(fired[0]), ::testing::ElementsAre("r1", "d1"));
  EXPECT_TRUE(Fired(s, "transition_costs_unapproved", 2023, Day(2024, 3, 1)).empty());
  // Approved long after the costs ended (1 Feb 2024): the 30 days of April 2023, and nothing in
  // 2024, where there were no costs.
  const GrantScenario late = AprilCostsApprovedOn(Day(2024, 2, 1));
  auto late2023 = Fired(late, "transition_costs_incurred_before_approval", 2023, Day(2024, 3, 1));
  ASSERT_EQ(late2023.size(), 1u);
  EXPECT_EQ(FigureValue(late2023[0], "days before approval"), 30);
  EXPECT_TRUE(
      Fired(late, "transition_costs_incurred_before_approval", 2024, Day(2024, 3, 1)).empty());
  // Approved on the first day of the costs: beforehand enough.
  EXPECT_TRUE(Fired(AprilCostsApprovedOn(Day(2023, 4, 1)),
                    "transition_costs_incurred_before_approval", 2023, Day(2024, 3, 1))
                  .empty());
}

// January 2023: 70 places in a regular building and 30 in `type` (930 of 3,100 place-days).
GrantScenario JanuaryWith30PlacesIn(booo::v1::AccommodationType type) {
  GrantScenario s = GrantScenario::WithRuleBook();
  s.Add(booo::testing::GooPlaces("reg", kAms, "L1", Day(2023, 1, 1), Day(2023, 1, 31), 70,
                                 Day(2023, 3, 1)));
  s.Add(booo::testing::WithType(booo::testing::GooPlaces("x", kAms, "X1", Day(2023, 1, 1),
                                                         Day(2023, 1, 31), 30, Day(2023, 3, 1)),
                                type));
  return s;
}

TEST(ControlsTest, HolidayParksCountAsExpensiveAccommodation) {
  // 930 holiday-park place-days of 3,100 = 30.00 % > 25 %.
  auto fired = Fired(JanuaryWith30PlacesIn(booo::v1::ACCOMMODATION_TYPE_HOLIDAY_PARK),
                     "expensive_accommodation_share", 2023, Day(2023, 4, 1));
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(FigureValue(fired[0], "expensive share"), 3000);
  EXPECT_THAT(fired[0].message(), HasSubstr("were in hotels, holiday parks or ships"));
  // "Other" accommodation is not expensive.
  EXPECT_TRUE(Fired(JanuaryWith30PlacesIn(booo::v1::ACCOMMODATION_TYPE_OTHER),
                    "expensive_accommodation_share", 2023, Day(2023, 4, 1))
                  .empty());
}

TEST(ControlsTest, DaysWithoutANormAreOneSignalPerMunicipalityYear) {
  // POO months of 2022 as the law stood before Stcrt. 2022, 27515 set the POO norm: rules
  // published up to 13 Oct 2022 only (a scenario of the book's amendments of that time).
  GrantScenario s = GrantScenario::WithRuleBookPublishedBy(Day(2022, 10, 13));
  for (int month : {4, 5, 6}) {
    s.Add(booo::testing::PooMonth(absl::StrCat("m", month), kAms, 2022, month, 10, 10,
                                  Day(2022, month + 1, 5)));
  }
  auto fired = Fired(s, "norm_unknown", 2022, Day(2022, 10, 13));
  ASSERT_EQ(fired.size(), 1u);
  // 3 months × 10 persons = 30 person-months without a norm.
  EXPECT_EQ(FigureValue(fired[0], "person-months without a norm"), 30);
  EXPECT_EQ(FigureValue(fired[0], "declarations concerned"), 3);
  EXPECT_THAT(fired[0].message(), HasSubstr("no POO norm for 30 person-months"));
  // With the whole book, 27515 sets €210 from 1 Mar 2022: quiet.
  GrantScenario full = GrantScenario::WithRuleBook();
  for (int month : {4, 5, 6}) {
    full.Add(booo::testing::PooMonth(absl::StrCat("m", month), kAms, 2022, month, 10, 10,
                                     Day(2022, month + 1, 5)));
  }
  EXPECT_TRUE(Fired(full, "norm_unknown", 2022, Day(2023, 1, 1)).empty());
}

TEST(ControlsTest, AThresholdRestatedLaterCitesTheInstrumentThatSetIt) {
  GrantScenario s = Clean();
  s.Add(booo::testing::Correcting(
      booo::testing::LivingAllowance("la-fix", kAms, booo::v1::RECEPTION_KIND_POO,
                                     booo::v1::ALLOWANCE_COMPONENT_LIVING_ALLOWANCE,
                                     Day(2023, 11, 1), Day(2023, 11, 30), 310'000,
                                     Day(2023, 12, 20)),
      "la"));
  auto fired = Fired(s, "poo_living_allowance_above_ceiling", 2023, Day(2024, 1, 1));
  ASSERT_EQ(fired.size(), 1u);
  const auto& rule = fired[0].rules(0);
  // €303.19 for November 2023 is read from the 2025 amendment (which restates it up to 31 Dec
  // 2024) but was set by the indexation announced on 31 Aug 2023.
  EXPECT_EQ(rule.value(), "€303.19");
  EXPECT_THAT(rule.citation(), HasSubstr("amounts from 1 Jan 2025"));
  ASSERT_EQ(rule.set_by_size(), 1);
  EXPECT_THAT(rule.set_by(0).citation(), HasSubstr("Rijksoverheid news of 31 Aug 2023"));
  EXPECT_EQ(ledger::FormatDate(rule.set_by(0).publication_date()), "2023-08-31");
  EXPECT_FALSE(rule.set_by(0).source().empty());
  EXPECT_EQ(ledger::FormatDate(rule.set_by(0).days().first_day()), "2023-11-01");
}

TEST(SisaFiguresTest, IndicatorValuesCarryTheirEvents) {
  GrantScenario s = Clean();
  auto report = booo::testing::Report("rep-fix", kAms, 2023, Day(2024, 7, 15));
  booo::testing::AddFinding(report, "F1", booo::v1::COST_CATEGORY_A_GOO,
                            booo::v1::FINDING_KIND_FOUT, 10'000);
  booo::testing::AddFinding(report, "F2", booo::v1::COST_CATEGORY_CD_POO_NORM,
                            booo::v1::FINDING_KIND_ONZEKER, 5'000);
  s.Add(booo::testing::Correcting(report, "rep"));
  auto figures = s.Sisa(kAms, 2023);
  ASSERT_TRUE(figures.ok());
  std::map<std::string, booo::v1::SisaFigure> by_code;
  for (const auto& f : figures->figures()) by_code[f.code()] = f;
  EXPECT_EQ(by_code["goo_place_days"].value(), 310);         // 10 × 31
  EXPECT_EQ(by_code["goo_norm_amount"].value(), 2'573'000);  // 310 × €83
  EXPECT_EQ(by_code["poo_person_months"].value(), 10);
  EXPECT_EQ(by_code["poo_norm_amount"].value(), 210'000);  // 10 × €210
  EXPECT_EQ(by_code["poo_actual_costs"].value(), 300'000);
  EXPECT_EQ(by_code["fout"].value(), 10'000);
  EXPECT_EQ(by_code["onzeker"].value(), 5'000);
  // 2,573,000 + 210,000 + 300,000 − 15,000
  EXPECT_EQ(by_code["grant"].value(), 3'068'000);
  ASSERT_EQ(by_code["goo_place_days"].sources_size(), 1);
  EXPECT_EQ(by_code["goo_place_days"].sources(0).event_id(), "p1");
}

}  // namespace
}  // namespace booo::replay
