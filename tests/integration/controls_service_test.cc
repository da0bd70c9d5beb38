// The Controls service end to end: signals, SiSa figures, budget execution and accommodation
// mix over gRPC, on a real ledgerd with the shipped rule books; and the pseudonym path's
// refusal of a citizen service number, which writes nothing.
#include "tests/integration/grants_env.h"

namespace booo::testing {
namespace {

using ::testing::HasSubstr;

class ControlsServiceTest : public GrantsServiceTest {
 protected:
  booo::v1::ListSignalsResponse Signals(booo::v1::ListSignalsRequest request) {
    booo::v1::ListSignalsResponse out;
    grpc::ClientContext context;
    grpc::Status s = controls_->ListSignals(&context, request, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }
};

TEST_F(ControlsServiceTest, ListsSignalsWithFiltersAndTheirEvents) {
  Put(Location("loc", "GM0363", "L1", booo::v1::ACCOMMODATION_TYPE_REGULAR_BUILDING, 100,
               Day(2023, 1, 1), Day(2023, 12, 31), Day(2023, 1, 1)),
      amsterdam_);
  auto declared =
      Put(GooPlaces("p1", "GM0363", "L1", Day(2023, 3, 1), Day(2023, 3, 31), 120, Day(2023, 4, 1)),
          amsterdam_);
  Put(Advance("a1", "GM0344", 2023, 100, Day(2023, 2, 1)), root_);
  booo::v1::ListSignalsRequest request;
  request.set_municipality_code("GM0363");
  request.set_min_severity(booo::v1::SEVERITY_HIGH);
  *request.mutable_as_of() = Day(2024, 1, 1);
  auto r = Signals(request);
  ASSERT_EQ(r.signals_size(), 1);
  const booo::v1::Signal& s = r.signals(0);
  EXPECT_EQ(s.rule(), "places_above_capacity");
  EXPECT_EQ(s.message(),
            "Location L1 declares 120 realised places on 2023-03-01..2023-03-31, above its "
            "registered capacity of 100 (620 place-days too many).");
  EXPECT_EQ(s.sources(0).leaf_hash(), declared.receipt().leaf_hash());
  // Judged on today (the clock: 10 Jan 2025), Utrecht's 2023 accountability is missing, and
  // as known on 1 Jul 2024 it was not yet due.
  request.Clear();
  request.set_rule("accountability_missing");
  EXPECT_EQ(Signals(request).signals_size(), 2);
  *request.mutable_known_at()->mutable_business_date() = Day(2024, 7, 1);
  EXPECT_EQ(Signals(request).signals_size(), 0);
}

TEST_F(ControlsServiceTest, RefusesMalformedFilters) {
  booo::v1::ListSignalsRequest request;
  request.set_rule("no_such_rule");
  booo::v1::ListSignalsResponse out;
  grpc::ClientContext c1;
  grpc::Status s = controls_->ListSignals(&c1, request, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("rule: unknown rule"));
  request.Clear();
  request.set_municipality_code("Amsterdam");
  grpc::ClientContext c2;
  s = controls_->ListSignals(&c2, request, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("municipality_code"));
  booo::v1::GetSisaFiguresRequest sisa;
  sisa.set_municipality_code("GM9999");
  sisa.set_spending_year(2023);
  booo::v1::SisaFigures figures;
  grpc::ClientContext c3;
  EXPECT_EQ(controls_->GetSisaFigures(&c3, sisa, &figures).error_code(),
            grpc::StatusCode::NOT_FOUND);
  booo::v1::GetAccommodationMixRequest mix;
  booo::v1::AccommodationMix rows;
  grpc::ClientContext c4;
  s = controls_->GetAccommodationMix(&c4, mix, &rows);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("spending_year"));
}

TEST_F(ControlsServiceTest, RefusesADayAfterTodayAsOutOfRange) {
  // The server's clock stands at 2025-01-10.
  booo::v1::ListSignalsRequest request;
  *request.mutable_as_of() = Day(2099, 1, 1);
  booo::v1::ListSignalsResponse out;
  grpc::ClientContext c1;
  grpc::Status s = controls_->ListSignals(&c1, request, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_EQ(s.error_message(),
            "as_of: 2099-01-01 is in the future (today is 2025-01-10 UTC, one day of slack); "
            "deadlines are judged on a day that has happened");
  request.clear_as_of();
  *request.mutable_known_at()->mutable_business_date() = Day(2025, 1, 12);
  grpc::ClientContext c2;
  s = controls_->ListSignals(&c2, request, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_THAT(s.error_message(), HasSubstr("known_at.business_date: 2025-01-12 is in the future"));
  // Today, and the day of slack the ledger gives business dates, are accepted.
  *request.mutable_known_at()->mutable_business_date() = Day(2025, 1, 11);
  *request.mutable_as_of() = Day(2025, 1, 11);
  grpc::ClientContext c3;
  EXPECT_TRUE(controls_->ListSignals(&c3, request, &out).ok());
}

TEST_F(ControlsServiceTest, SignalsOfOneMunicipalityYearAreOneCase) {
  Put(Advance("a1", "GM0344", 2023, 100, Day(2023, 2, 1)), root_);
  Put(Location("loc", "GM0344", "L1", booo::v1::ACCOMMODATION_TYPE_REGULAR_BUILDING, 100,
               Day(2023, 1, 1), Day(2023, 12, 31), Day(2023, 1, 1)),
      utrecht_);
  Put(GooPlaces("p1", "GM0344", "L1", Day(2023, 3, 1), Day(2023, 3, 31), 10, Day(2023, 4, 1)),
      utrecht_);
  Put(AdvanceRequest("ar", "GM0363", 2023, 100, Day(2023, 2, 1)), amsterdam_);
  booo::v1::ListSignalsRequest request;
  request.set_spending_year(2023);
  *request.mutable_as_of() = Day(2025, 1, 10);
  auto r = Signals(request);
  // GM0344 received an advance and declared places: its accountability (due 15 Jul 2024) is
  // missing and its determination (due 31 Dec 2024) overdue, one case with two parts. GM0363
  // only applied for an advance: it owes nothing and has no case.
  ASSERT_EQ(r.cases_size(), 1) << r.DebugString();
  const auto& c = r.cases(0);
  EXPECT_EQ(c.case_id(), "GM0344/2023");
  EXPECT_EQ(c.severity(), booo::v1::SEVERITY_HIGH);
  EXPECT_THAT(c.rules(), ::testing::ElementsAre("accountability_missing", "determination_overdue"));
  EXPECT_EQ(c.summary(),
            "GM0344 2023: 2 signals (accountability missing, determination overdue)");
  for (const auto& signal : r.signals()) {
    EXPECT_EQ(signal.case_id(), "GM0344/2023");
    ASSERT_GE(signal.sources_size(), 2);  // the advance and the declaration
    EXPECT_EQ(signal.sources(0).event_id(), "a1");
    EXPECT_EQ(signal.sources(1).event_id(), "p1");
  }
}

TEST_F(ControlsServiceTest, RefusesACitizenServiceNumberAndWritesNothing) {
  auto month = PooMonth("m5", "GM0363", 2023, 5, 2, 2, Day(2023, 6, 1));
  month.mutable_poo_person_months_declared()->add_person_refs(std::string(64, 'a'));
  month.mutable_poo_person_months_declared()->add_person_refs("123456782");
  month.set_signer_key_id(amsterdam_.KeyId());
  ExpectRefused(month, amsterdam_, grpc::StatusCode::INVALID_ARGUMENT,
                "poo_person_months_declared.person_refs[1]: looks like a citizen service number");
}

TEST_F(ControlsServiceTest, SisaFiguresBudgetExecutionAndAccommodationMix) {
  Put(GooPlaces("p1", "GM0363", "L1", Day(2024, 1, 1), Day(2024, 1, 31), 100, Day(2024, 2, 1)),
      amsterdam_);
  Put(WithType(
          GooPlaces("h1", "GM0363", "H1", Day(2024, 1, 1), Day(2024, 1, 31), 50, Day(2024, 2, 1)),
          booo::v1::ACCOMMODATION_TYPE_HOTEL),
      amsterdam_);
  Put(Advance("a1", "GM0363", 2024, 10'000'000, Day(2024, 1, 5)), root_);
  booo::v1::EventBody budget;
  budget.set_event_id("budget-2024");
  budget.set_stream("budget");
  budget.set_signer_key_id(root_.KeyId());
  auto* line = budget.mutable_budget_line_set();
  line->set_budget_year(2024);
  line->set_line("BooO specific grant");
  line->set_amount_cents(327'100'000'000);
  *line->mutable_publication_date() = Day(2024, 9, 17);
  line->mutable_citation()->set_reference("Ontwerpbegroting 2025");
  Put(budget, root_);

  booo::v1::GetSisaFiguresRequest sisa;
  sisa.set_municipality_code("GM0363");
  sisa.set_spending_year(2024);
  booo::v1::SisaFigures figures;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(controls_->GetSisaFigures(&context, sisa, &figures).ok());
  }
  // 150 places × 31 days = 4,650 place-days at €61: 28,365,000.
  EXPECT_EQ(figures.figures(0).code(), "goo_place_days");
  EXPECT_EQ(figures.figures(0).value(), 4'650);
  EXPECT_EQ(figures.figures(1).value(), 28'365'000);

  booo::v1::GetBudgetExecutionRequest request;
  request.add_years(2024);
  booo::v1::BudgetExecution execution;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(controls_->GetBudgetExecution(&context, request, &execution).ok());
  }
  ASSERT_EQ(execution.rows_size(), 1);
  const auto& row = execution.rows(0);
  EXPECT_EQ(row.budget_cents(), 327'100'000'000);
  EXPECT_EQ(row.computed_grants_cents(), 28'365'000);
  EXPECT_EQ(row.vat_fund_contribution_cents(), 1'395'000);  // 4,650 × €3
  EXPECT_EQ(row.advances_cents(), 10'000'000);
  EXPECT_EQ(row.remaining_cents(), 327'100'000'000 - 28'365'000 - 1'395'000);
  // As known before the budget was published, it is unknown.
  *request.mutable_known_at()->mutable_business_date() = Day(2024, 9, 1);
  {
    grpc::ClientContext context;
    ASSERT_TRUE(controls_->GetBudgetExecution(&context, request, &execution).ok());
  }
  EXPECT_FALSE(execution.rows(0).budget_known());

  booo::v1::GetAccommodationMixRequest mix;
  mix.set_spending_year(2024);
  booo::v1::AccommodationMix rows;
  grpc::ClientContext context;
  ASSERT_TRUE(controls_->GetAccommodationMix(&context, mix, &rows).ok());
  ASSERT_EQ(rows.rows_size(), 1);
  EXPECT_EQ(rows.rows(0).hotel_place_days(), 1'550);
  EXPECT_EQ(rows.rows(0).expensive_share_basis_points(), 3333);  // 1,550 / 4,650
}

}  // namespace
}  // namespace booo::testing
