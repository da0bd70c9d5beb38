// The Grants service end to end: a real ledgerd on port 0 with the shipped rule book loaded as
// signed amendments, facts appended through the Ledger service, and every query over gRPC.
#include <future>

#include "booo/v1/grants_service.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "ledger/core/civil_date.h"
#include "replay/calc/trace.h"
#include "tests/integration/grants_env.h"
#include "tests/support/grant_scenario.h"
#include "replay/rulebook/rule_book.h"

namespace booo::testing {
namespace {

using ::testing::HasSubstr;

TEST_F(GrantsServiceTest, GetGrantGivesTheHandComputedFigureAndCitesLeafHashes) {
  auto receipt = Put(
      GooPlaces("p1", "GM0363", "L1", Day(2022, 10, 1), Day(2022, 10, 31), 100, Day(2022, 11, 10)),
      amsterdam_);
  booo::v1::GetGrantResponse g;
  ASSERT_TRUE(Grant("GM0363", 2022, &g).ok());
  // 100 × 14 × €100 + 100 × 17 × €83 = 14,000,000 + 14,110,000 cents.
  EXPECT_EQ(g.computed_grant_cents(), 28'110'000);
  EXPECT_EQ(g.balance_cents(), 28'110'000);
  EXPECT_EQ(g.direction(), booo::v1::BALANCE_DIRECTION_TO_PAY);
  const replay::TraceNode* leaf =
      replay::FindNode(g.trace(), "grant/a/norm/L1/2022-10-15..2022-10-31");
  ASSERT_NE(leaf, nullptr);
  EXPECT_EQ(leaf->sources(0).sequence(), receipt.receipt().sequence());
  EXPECT_EQ(leaf->sources(0).leaf_hash(), receipt.receipt().leaf_hash());
  // The rule value names a real amendment in the ledger.
  grpc::ClientContext context;
  booo::v1::GetEventRequest request;
  request.set_sequence(leaf->rules(1).amendment_sequence());
  booo::v1::StoredEvent amendment;
  ASSERT_TRUE(stub_->GetEvent(&context, request, &amendment).ok());
  EXPECT_EQ(amendment.stream(), "rules");
  EXPECT_EQ(amendment.leaf_hash(), leaf->rules(1).amendment_leaf_hash());
}

TEST_F(GrantsServiceTest, AnswersAsKnownOnABusinessDateAndAsRecorded) {
  const uint64_t before = TreeSize();
  Put(PooMonth("m6", "GM0363", 2022, 6, 100, 100, Day(2022, 7, 10)), amsterdam_);
  booo::v1::KnownAt on;
  *on.mutable_business_date() = Day(2022, 9, 30);
  booo::v1::GetGrantResponse g;
  ASSERT_TRUE(Grant("GM0363", 2022, &g, on).ok());
  EXPECT_EQ(g.computed_grant_cents(), 0);  // the €210 POO norm was not yet published
  EXPECT_THAT(g.flags(), ::testing::Contains(HasSubstr("POO norm is not known")));
  *on.mutable_business_date() = Day(2022, 12, 31);
  ASSERT_TRUE(Grant("GM0363", 2022, &g, on).ok());
  EXPECT_EQ(g.computed_grant_cents(), 2'100'000);  // 100 × €210
  // As recorded before the declaration: the ledger did not hold it.
  booo::v1::KnownAt at;
  at.set_tree_size(before);
  ASSERT_TRUE(Grant("GM0363", 2022, &g, at).ok());
  EXPECT_EQ(g.computed_grant_cents(), 0);
  EXPECT_EQ(g.tree_size(), before);
  // As recorded at the clock's time, once the clock has moved past it (until then events may
  // still be recorded at that microsecond, and the query is refused).
  at.set_recorded_at_micros(1'736'467'200'000'000);
  EXPECT_EQ(Grant("GM0363", 2022, &g, at).error_code(), grpc::StatusCode::OUT_OF_RANGE);
  clock_.Advance(1);
  ASSERT_TRUE(Grant("GM0363", 2022, &g, at).ok());
  EXPECT_EQ(g.computed_grant_cents(), 2'100'000);
}

TEST_F(GrantsServiceTest, RefusesBadQueriesWithExactCodes) {
  Put(Advance("a1", "GM0363", 2023, 100, Day(2023, 2, 1)), root_);
  booo::v1::GetGrantResponse g;
  grpc::Status s = Grant("AMS", 2023, &g);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("municipality_code"));
  s = Grant("GM0363", 2019, &g);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("spending_year"));
  s = Grant("GM9999", 2023, &g);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  booo::v1::KnownAt beyond;
  beyond.set_tree_size(TreeSize() + 1);
  s = Grant("GM0363", 2023, &g, beyond);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_THAT(s.error_message(), HasSubstr("known_at.tree_size"));
  // A recorded time later than the ledger's clock: events still to come would change it.
  booo::v1::KnownAt later;
  later.set_recorded_at_micros(clock_.NowMicros() + 1);
  s = Grant("GM0363", 2023, &g, later);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_THAT(s.error_message(), HasSubstr("known_at.recorded_at_micros"));
  {
    booo::v1::ListBalancesRequest request;
    *request.mutable_known_at() = later;
    booo::v1::ListBalancesResponse out;
    grpc::ClientContext context;
    EXPECT_EQ(grants_->ListBalances(&context, request, &out).error_code(),
              grpc::StatusCode::OUT_OF_RANGE);
  }
  // The clock's own microsecond is not settled either; the one before it is.
  later.set_recorded_at_micros(clock_.NowMicros());
  EXPECT_EQ(Grant("GM0363", 2023, &g, later).error_code(), grpc::StatusCode::OUT_OF_RANGE);
  later.set_recorded_at_micros(clock_.NowMicros() - 1);
  EXPECT_TRUE(Grant("GM0363", 2023, &g, later).ok());
  {
    booo::v1::GetGrantRequest request;
    request.set_municipality_code("GM0363");
    request.set_spending_year(2023);
    *request.mutable_scope() = Range(Day(2023, 12, 1), Day(2024, 1, 31));
    grpc::ClientContext context;
    s = grants_->GetGrant(&context, request, &g);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(s.error_message(), HasSubstr("scope"));
  }
  {
    booo::v1::ReplaySettlementRequest request;
    request.set_sequence(1);  // a key registration
    booo::v1::ReplaySettlementResponse out;
    grpc::ClientContext context;
    s = grants_->ReplaySettlement(&context, request, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_THAT(s.error_message(), HasSubstr("not a grant_determined event"));
  }
  {
    booo::v1::ReplaySettlementRequest request;
    request.set_event_id("no-such-event");
    booo::v1::ReplaySettlementResponse out;
    grpc::ClientContext context;
    s = grants_->ReplaySettlement(&context, request, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  }
  {
    booo::v1::SimulateAmendmentRequest request;
    auto* v = request.mutable_amendment()->add_values();
    v->set_parameter("goo_norm_per_bed");
    *v->mutable_valid_from() = Day(2025, 1, 1);
    v->set_amount_cents(1);
    request.mutable_amendment()->mutable_citation()->set_reference("proposal");
    *request.mutable_amendment()->mutable_publication_date() = Day(2024, 12, 1);
    booo::v1::SimulateAmendmentResponse out;
    grpc::ClientContext context;
    s = grants_->SimulateAmendment(&context, request, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(s.error_message(), HasSubstr("amendment.values[0].parameter"));
  }
}

// GetGrant is served raw (its answer goes out as cached bytes): bytes that are not a request are
// refused like any malformed message, and the answer parses as the typed client expects.
TEST_F(GrantsServiceTest, GetGrantServedRawRefusesBytesThatAreNotARequest) {
  Put(Advance("a1", "GM0363", 2023, 100, Day(2023, 2, 1)), root_);
  grpc::GenericStub generic(grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                                                grpc::InsecureChannelCredentials()));
  auto call = [&](const std::string& bytes, grpc::ByteBuffer* out) {
    grpc::Slice slice(bytes);
    grpc::ByteBuffer request(&slice, 1);
    grpc::ClientContext context;
    std::promise<grpc::Status> done;
    generic.UnaryCall(&context, "/booo.v1.Grants/GetGrant", grpc::StubOptions(), &request, out,
                      [&](grpc::Status s) { done.set_value(std::move(s)); });
    return done.get_future().get();
  };
  grpc::ByteBuffer out;
  grpc::Status s = call(std::string("\xff\xff\xff", 3), &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(), "request: is not a serialized booo.v1.GetGrantRequest");
  booo::v1::GetGrantRequest request;
  request.set_municipality_code("GM0363");
  request.set_spending_year(2023);
  for (int i = 0; i < 2; ++i) {  // computed, then from the cached bytes
    ASSERT_TRUE(call(request.SerializeAsString(), &out).ok());
    std::vector<grpc::Slice> slices;
    ASSERT_TRUE(out.Dump(&slices).ok());
    std::string bytes;
    for (const grpc::Slice& slice : slices) {
      bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
    }
    booo::v1::GetGrantResponse raw;
    ASSERT_TRUE(raw.ParseFromString(bytes));
    booo::v1::GetGrantResponse typed;
    ASSERT_TRUE(Grant("GM0363", 2023, &typed).ok());
    EXPECT_EQ(raw.SerializeAsString(), typed.SerializeAsString());
    EXPECT_EQ(raw.advances_cents(), 100);
    EXPECT_EQ(raw.tree_size(), TreeSize());
  }
}

TEST_F(GrantsServiceTest, RefusesRetroactiveDownwardRevisionAndFutureBusinessDates) {
  booo::v1::EventBody lower;
  lower.set_event_id("lower-2023");
  lower.set_stream("rules");
  lower.set_signer_key_id(root_.KeyId());
  auto* v = lower.mutable_rule_amended()->add_values();
  v->set_parameter("goo_norm_per_place_day");
  *v->mutable_valid_from() = Day(2023, 1, 1);
  *v->mutable_valid_to() = Day(2023, 12, 31);
  v->set_amount_cents(8000);
  lower.mutable_rule_amended()->mutable_citation()->set_reference("a lowering");
  *lower.mutable_rule_amended()->mutable_publication_date() = Day(2023, 6, 1);
  ExpectRefused(lower, root_, grpc::StatusCode::FAILED_PRECONDITION, "rule_amended.values[0]");
  // The guard rebuilds its rule history from the store at start: still refused after a restart.
  StopServer();
  StartServer();
  Connect();
  ExpectRefused(lower, root_, grpc::StatusCode::FAILED_PRECONDITION, "rule_amended.values[0]");
  v->set_parameter("goo_norm_per_bed");
  ExpectRefused(lower, root_, grpc::StatusCode::INVALID_ARGUMENT,
                "rule_amended.values[0].parameter");
  // A declaration received "tomorrow and a day" (the clock says 10 Jan 2025).
  auto future =
      GooPlaces("p-future", "GM0363", "L1", Day(2025, 1, 1), Day(2025, 1, 5), 1, Day(2025, 1, 12));
  future.set_signer_key_id(amsterdam_.KeyId());
  ExpectRefused(future, amsterdam_, grpc::StatusCode::INVALID_ARGUMENT,
                "goo_places_declared.received_date");
}

TEST_F(GrantsServiceTest, SettlementReplayMatchesAndAStaleDeterminationDoesNot) {
  Put(GooPlaces("p1", "GM0363", "L1", Day(2023, 1, 1), Day(2023, 12, 31), 100, Day(2024, 1, 20)),
      amsterdam_);
  booo::v1::GetGrantResponse g;
  ASSERT_TRUE(Grant("GM0363", 2023, &g).ok());
  auto receipt = Put(DeterminationOf(g, "det-2023"), root_);
  auto match = Replay(receipt.receipt().sequence());
  EXPECT_EQ(match.verdict(), booo::v1::SETTLEMENT_VERDICT_MATCH);
  EXPECT_EQ(match.replayed_amount_cents(), 302'950'000);  // 100 × 365 × €83
  EXPECT_EQ(match.replayed_trace_digest(), g.trace_digest());
  // GetGrant now reports the determination and the balance against it.
  ASSERT_TRUE(Grant("GM0363", 2023, &g).ok());
  EXPECT_EQ(g.determination().sequence(), receipt.receipt().sequence());

  // A determination computed before the last declaration arrived: its replay differs, and
  // names the category that changed.
  Put(GooPlaces("p2", "GM0344", "U1", Day(2023, 1, 1), Day(2023, 1, 31), 10, Day(2023, 2, 1)),
      utrecht_);
  booo::v1::GetGrantResponse stale;
  ASSERT_TRUE(Grant("GM0344", 2023, &stale).ok());
  Put(PooMonth("m1", "GM0344", 2023, 1, 5, 5, Day(2023, 2, 1)), utrecht_);
  auto stale_receipt = Put(DeterminationOf(stale, "det-2023-utr"), root_);
  auto mismatch = Replay(stale_receipt.receipt().sequence());
  EXPECT_EQ(mismatch.verdict(), booo::v1::SETTLEMENT_VERDICT_MISMATCH);
  // 10 × 31 × €83 = 2,573,000 determined; 5 × €210 = 105,000 more replayed.
  EXPECT_EQ(mismatch.determination().amount_cents(), 2'573'000);
  EXPECT_EQ(mismatch.replayed_amount_cents(), 2'678'000);
  std::vector<std::string> paths;
  for (const auto& d : mismatch.differences()) paths.push_back(d.path());
  EXPECT_THAT(paths, ::testing::Contains("grant/cd"));
  EXPECT_THAT(paths, ::testing::Not(::testing::Contains("grant/a")));
}

TEST_F(GrantsServiceTest, ListBalancesGivesEveryMunicipalityAndTotals) {
  Put(GooPlaces("p1", "GM0363", "L1", Day(2024, 1, 1), Day(2024, 1, 10), 100, Day(2024, 2, 1)),
      amsterdam_);
  Put(Advance("a1", "GM0363", 2024, 10'000'000, Day(2024, 1, 5)), root_);
  Put(PooMonth("m1", "GM0344", 2024, 1, 50, 50, Day(2024, 2, 1)), utrecht_);
  booo::v1::ListBalancesRequest request;
  request.set_spending_year(2024);
  booo::v1::ListBalancesResponse b;
  grpc::ClientContext context;
  ASSERT_TRUE(grants_->ListBalances(&context, request, &b).ok());
  ASSERT_EQ(b.rows_size(), 2);
  // GM0344: 50 × €92 = 460,000; VAT fund 50 × €1 = 5,000.
  EXPECT_EQ(b.rows(0).municipality_code(), "GM0344");
  EXPECT_EQ(b.rows(0).computed_grant_cents(), 460'000);
  EXPECT_EQ(b.rows(0).vat_fund_contribution_cents(), 5'000);
  // GM0363: 100 × 10 × €61 = 6,100,000 against an advance of 10,000,000: reclaim 3,900,000.
  EXPECT_EQ(b.rows(1).computed_grant_cents(), 6'100'000);
  EXPECT_EQ(b.rows(1).balance_cents(), -3'900'000);
  EXPECT_EQ(b.rows(1).direction(), booo::v1::BALANCE_DIRECTION_TO_RECLAIM);
  EXPECT_EQ(b.rows(1).vat_fund_contribution_cents(), 300'000);  // 100 × 10 × €3
  EXPECT_EQ(b.totals().computed_grant_cents(), 6'560'000);
  EXPECT_EQ(b.totals().to_pay_cents(), 460'000);
  EXPECT_EQ(b.totals().to_reclaim_cents(), 3'900'000);
  EXPECT_EQ(b.totals().vat_fund_contribution_cents(), 305'000);
  EXPECT_EQ(b.totals().municipalities(), 2);
}

TEST_F(GrantsServiceTest, SimulatesAnAmendmentWithoutWritingIt) {
  Put(GooPlaces("p1", "GM0363", "L1", Day(2024, 1, 1), Day(2024, 1, 31), 100, Day(2024, 2, 1)),
      amsterdam_);
  const uint64_t size = TreeSize();
  booo::v1::SimulateAmendmentRequest request;
  auto* v = request.mutable_amendment()->add_values();
  v->set_parameter("goo_norm_per_place_day");
  *v->mutable_valid_from() = Day(2024, 1, 1);
  *v->mutable_valid_to() = Day(2024, 12, 31);
  v->set_amount_cents(7000);
  request.mutable_amendment()->mutable_citation()->set_reference("proposal: €70 for 2024");
  *request.mutable_amendment()->mutable_publication_date() = Day(2023, 10, 1);
  booo::v1::SimulateAmendmentResponse r;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(grants_->SimulateAmendment(&context, request, &r).ok());
  }
  // 100 × 31 × €61 = 18,910,000 becomes 100 × 31 × €70 = 21,700,000: 2,790,000 more.
  // Nothing is written.
  ASSERT_EQ(r.rows_size(), 1);
  EXPECT_EQ(r.rows(0).baseline_cents(), 18'910'000);
  EXPECT_EQ(r.rows(0).simulated_cents(), 21'700'000);
  EXPECT_EQ(r.delta_total_cents(), 2'790'000);
  EXPECT_TRUE(r.admission_refusal().empty());
  EXPECT_EQ(TreeSize(), size);
  // A proposal the ledger would refuse is still simulated, and the refusal is reported.
  v->set_amount_cents(5000);
  *request.mutable_amendment()->mutable_publication_date() = Day(2024, 6, 1);
  grpc::ClientContext context;
  ASSERT_TRUE(grants_->SimulateAmendment(&context, request, &r).ok());
  EXPECT_THAT(r.admission_refusal(), HasSubstr("never revised downward"));
}

TEST_F(GrantsServiceTest, ASimulationIsJudgedAtTheQuerysLedgerPoint) {
  Put(GooPlaces("p1", "GM0363", "L1", Day(2024, 1, 1), Day(2024, 1, 31), 100, Day(2024, 2, 1)),
      amsterdam_);
  booo::v1::SimulateAmendmentRequest request;
  auto* v = request.mutable_amendment()->add_values();
  v->set_parameter("goo_norm_per_place_day");
  *v->mutable_valid_from() = Day(2024, 1, 1);
  *v->mutable_valid_to() = Day(2024, 12, 31);
  v->set_amount_cents(7000);
  request.mutable_amendment()->mutable_citation()->set_reference("proposal: €70 for 2024");
  *request.mutable_amendment()->mutable_publication_date() = Day(2024, 12, 1);
  // At the head the 2024 norm is €61 (restated by the letter of 13 Nov 2024): €70 from 1 Jan
  // 2024 raises it, and would be admitted.
  booo::v1::SimulateAmendmentResponse head;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(grants_->SimulateAmendment(&context, request, &head).ok());
  }
  EXPECT_TRUE(head.admission_refusal().empty()) << head.admission_refusal();
  EXPECT_EQ(head.admission_tree_size(), TreeSize());
  EXPECT_FALSE(head.has_admission_known_on());
  // As known on 1 Oct 2023, before the 2024 re-setting, the open-ended €83 of Stcrt. 2022, 27515
  // covers 2024: €70 for 1 Jan - 30 Nov 2024 would lower it retroactively.
  *request.mutable_known_at()->mutable_business_date() = Day(2023, 10, 1);
  booo::v1::SimulateAmendmentResponse earlier;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(grants_->SimulateAmendment(&context, request, &earlier).ok());
  }
  EXPECT_THAT(earlier.admission_refusal(), HasSubstr("lowers goo_norm_per_place_day from €83.00 to €70.00"));
  EXPECT_EQ(ledger::FormatDate(earlier.admission_known_on()), "2023-10-01");
  EXPECT_EQ(earlier.admission_tree_size(), TreeSize());
}

TEST_F(GrantsServiceTest, TheTraceDigestSurvivesARestart) {
  Put(GooPlaces("p1", "GM0363", "L1", Day(2023, 3, 1), Day(2023, 3, 31), 42, Day(2023, 4, 1)),
      amsterdam_);
  booo::v1::GetGrantResponse before;
  ASSERT_TRUE(Grant("GM0363", 2023, &before).ok());
  StopServer();
  StartServer();
  Connect();
  booo::v1::GetGrantResponse after;
  ASSERT_TRUE(Grant("GM0363", 2023, &after).ok());
  EXPECT_EQ(after.trace_digest(), before.trace_digest());
  EXPECT_EQ(after.computed_grant_cents(), 42 * 31 * 8300);
}

}  // namespace
}  // namespace booo::testing
