#include "replay/calc/grant_payload_rules.h"
#include "replay/calc/rule_guard.h"

#include <unistd.h>

#include <filesystem>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/core/civil_date.h"
#include "ledger/core/export_file.h"
#include "ledger/storage/store_export.h"
#include "ledger/storage/ledger.h"
#include "ledger/storage/store.h"
#include "ledger/core/verifier.h"
#include "replay/calc/rule_timeline.h"
#include "tests/support/event_factory.h"
#include "replay/rulebook/rule_book.h"

namespace booo::replay {
namespace {

using booo::testing::Day;
using ::testing::HasSubstr;

ledger::PolicyEvent Amendment(uint64_t sequence, const std::string& parameter,
                              booo::v1::CivilDate from, std::optional<booo::v1::CivilDate> to,
                              int64_t cents, booo::v1::CivilDate published) {
  ledger::PolicyEvent event;
  event.sequence = sequence;
  event.body.set_event_id("a" + std::to_string(sequence));
  event.body.set_stream("rules");
  auto* a = event.body.mutable_rule_amended();
  auto* v = a->add_values();
  v->set_parameter(parameter);
  *v->mutable_valid_from() = from;
  if (to) *v->mutable_valid_to() = *to;
  v->set_amount_cents(cents);
  a->mutable_citation()->set_reference("test");
  *a->mutable_publication_date() = published;
  return event;
}

class RuleGuardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // €83 per place-day from 15 Oct 2022, published 14 Oct 2022.
    guard_.Commit(Amendment(1, "goo_norm_per_place_day", Day(2022, 10, 15), std::nullopt, 8300,
                            Day(2022, 10, 14)));
  }
  RuleGuard guard_;
};

TEST_F(RuleGuardTest, RejectsRetroactiveDownwardRevision) {
  // €80 from 1 Jan 2023, published 1 Jun 2023: lowers 1 Jan..31 May 2023 retroactively.
  absl::Status s = guard_.Check(
      Amendment(2, "goo_norm_per_place_day", Day(2023, 1, 1), std::nullopt, 8000, Day(2023, 6, 1)),
      {});
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(),
            "rule_amended.values[0]: lowers goo_norm_per_place_day from €83.00 to €80.00 for "
            "2023-01-01..2023-05-31, before the amendment's publication date 2023-06-01; a norm "
            "is never revised downward with retroactive effect");
}

TEST_F(RuleGuardTest, AllowsLoweringFromThePublicationDateOn) {
  // The same €80, valid from its publication day: nothing retroactive.
  EXPECT_TRUE(guard_
                  .Check(Amendment(2, "goo_norm_per_place_day", Day(2023, 6, 1), std::nullopt, 8000,
                                   Day(2023, 6, 1)),
                         {})
                  .ok());
}

TEST_F(RuleGuardTest, AllowsRetroactiveRaiseAndRetroactiveIntroduction) {
  EXPECT_TRUE(guard_
                  .Check(Amendment(2, "goo_norm_per_place_day", Day(2022, 10, 15), std::nullopt,
                                   9000, Day(2023, 6, 1)),
                         {})
                  .ok());
  // The €210 POO norm: valid from 1 Mar 2022, first known in October 2022.
  EXPECT_TRUE(guard_
                  .Check(Amendment(2, "poo_norm_per_person_month", Day(2022, 3, 1), std::nullopt,
                                   21000, Day(2022, 10, 14)),
                         {})
                  .ok());
}

TEST_F(RuleGuardTest, SeesAmendmentsEarlierInTheSameGroupCommit) {
  const ledger::PolicyEvent raise =
      Amendment(2, "goo_norm_per_place_day", Day(2023, 1, 1), std::nullopt, 9000, Day(2023, 6, 1));
  // €85 retroactively is a raise over €83, but a lowering after the pending €90.
  absl::Status s = guard_.Check(
      Amendment(3, "goo_norm_per_place_day", Day(2023, 1, 1), std::nullopt, 8500, Day(2023, 7, 1)),
      {raise});
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(RuleGuardTest, RejectsALoweringThatLaterLawHappensToUndo) {
  // Published 19 Oct 2023: €83 restated for all of 2023.
  guard_.Commit(Amendment(2, "goo_norm_per_place_day", Day(2022, 10, 15), Day(2023, 12, 31), 8300,
                          Day(2023, 10, 19)));
  // Recorded now, published 1 Jun 2023: €80 for 2023. When it was published it lowered
  // January..May; that the October text later restated €83 does not make it lawful.
  absl::Status s = guard_.Check(Amendment(3, "goo_norm_per_place_day", Day(2023, 1, 1),
                                          Day(2023, 12, 31), 8000, Day(2023, 6, 1)),
                                {});
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("from €83.00 to €80.00 for 2023-01-01..2023-05-31"));
}

TEST_F(RuleGuardTest, RejectsACorrectionThatTakesANormAway) {
  // A correction of the €83 amendment that no longer sets the norm: the days from 15 Oct 2022
  // to its publication would lose their norm.
  ledger::PolicyEvent correction =
      Amendment(2, "spending_period", Day(2022, 3, 1), std::nullopt, 0, Day(2023, 1, 10));
  correction.body.mutable_rule_amended()->mutable_values(0)->set_flag(true);
  correction.body.set_supersedes_event_id("a1");
  absl::Status s = guard_.Check(correction, {});
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("supersedes_event_id: removes goo_norm_per_place_day (€83.00) "
                                     "for 2022-10-15..2023-01-09"));
}

TEST_F(RuleGuardTest, JudgesHistoryRecordedLateByWhatWasKnownWhenItWasPublished) {
  // Already recorded: €90 from 1 Jun 2022, published 1 Jun 2023.
  guard_.Commit(
      Amendment(2, "goo_norm_per_place_day", Day(2022, 6, 1), std::nullopt, 9000, Day(2023, 6, 1)));
  // Migrated now: €83 from 1 Jan 2022, published 1 Dec 2022. When it was published €83 was in
  // force from 15 Oct 2022 and nothing before: no lowering; and the €90 of 2023 still only
  // raises what this one set.
  EXPECT_TRUE(guard_
                  .Check(Amendment(3, "goo_norm_per_place_day", Day(2022, 1, 1), std::nullopt, 8300,
                                   Day(2022, 12, 1)),
                         {})
                  .ok());
  // But €95 from 1 Jan 2023, published 1 Mar 2023, would make the recorded €90 of June 2023
  // a retroactive lowering of January..May 2023: refused, naming that amendment.
  absl::Status s = guard_.Check(
      Amendment(3, "goo_norm_per_place_day", Day(2023, 1, 1), std::nullopt, 9500, Day(2023, 3, 1)),
      {});
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("the later amendment a2 (published 2023-06-01)"));
}

TEST_F(RuleGuardTest, RejectsUnknownParameterAndWrongValueKind) {
  absl::Status unknown = guard_.Check(
      Amendment(2, "goo_norm_per_bed", Day(2023, 1, 1), std::nullopt, 1, Day(2023, 1, 1)), {});
  EXPECT_EQ(unknown.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(unknown.message(), HasSubstr("rule_amended.values[0].parameter: unknown parameter"));
  absl::Status kind = guard_.Check(
      Amendment(2, "spending_period", Day(2023, 1, 1), std::nullopt, 1, Day(2023, 1, 1)), {});
  EXPECT_EQ(kind.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(kind.message(), "rule_amended.values[0]: spending_period takes flag, not amount_cents");
}

// A correction of the book's data is an amendment like any other to the guard: restating a
// value with its citation fixed is admitted and replaces the original for every query that sees
// it; correcting a norm downward on days before the publication date is refused, whatever the
// reason, because municipalities relied on the value as published (rulebook/README.md).
TEST(RuleGuardCorrectionTest, ACorrectionThatLowersANormRetroactivelyIsRefused) {
  RuleGuard guard;
  // €100 from 1 Mar 2022, published 3 Jun 2022.
  guard.Commit(Amendment(1, "goo_norm_per_place_day", Day(2022, 3, 1), std::nullopt, 10000,
                         Day(2022, 6, 3)));
  // The same value, its citation corrected: admitted.
  ledger::PolicyEvent restated = Amendment(2, "goo_norm_per_place_day", Day(2022, 3, 1),
                                           std::nullopt, 10000, Day(2022, 6, 3));
  restated.body.set_supersedes_event_id("a1");
  restated.body.mutable_rule_amended()->mutable_citation()->set_reference("test, nr. 1");
  ASSERT_TRUE(guard.Check(restated, {}).ok()) << guard.Check(restated, {});
  guard.Commit(restated);
  // "The book should have said €90": for 1 Mar - 2 Jun 2022, before the publication date, that
  // lowers the norm retroactively. Refused, naming the field and the days.
  ledger::PolicyEvent lowered = Amendment(3, "goo_norm_per_place_day", Day(2022, 3, 1),
                                          std::nullopt, 9000, Day(2022, 6, 3));
  lowered.body.set_supersedes_event_id("a2");
  absl::Status s = guard.Check(lowered, {});
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(),
              HasSubstr("lowers goo_norm_per_place_day from €100.00 to €90.00 for "
                        "2022-03-01..2022-06-02, before the amendment's publication date "
                        "2022-06-03"));
  // The correction restated for the days after publication only is admitted.
  ledger::PolicyEvent from_publication = Amendment(4, "goo_norm_per_place_day", Day(2022, 6, 3),
                                                   std::nullopt, 9000, Day(2022, 6, 3));
  auto* keep = from_publication.body.mutable_rule_amended()->add_values();
  keep->set_parameter("goo_norm_per_place_day");
  *keep->mutable_valid_from() = Day(2022, 3, 1);
  *keep->mutable_valid_to() = Day(2022, 6, 2);
  keep->set_amount_cents(10000);
  from_publication.body.set_supersedes_event_id("a2");
  EXPECT_TRUE(guard.Check(from_publication, {}).ok()) << guard.Check(from_publication, {});
}

TEST(RuleBookTest, TheShippedRuleBookPassesTheGuardInOrder) {
  auto book =
      rulebook::ReadRuleBook(std::string(BOOO_SOURCE_DIR) + "/replay/rulebook/booo-2022-2025.json");
  ASSERT_TRUE(book.ok()) << book.status();
  ASSERT_GE(book->size(), 5u);
  RuleGuard guard;
  uint64_t sequence = 1;
  for (const auto& a : *book) {
    ledger::PolicyEvent event;
    event.sequence = sequence++;
    event.body = a.ToEvent();
    ASSERT_TRUE(guard.Check(event, {}).ok()) << a.event_id << ": " << guard.Check(event, {});
    guard.Commit(event);
  }
}

// A ledger written by a server without the guard (or edited by hand and re-signed by a stolen
// ministry key) holds a retroactive lowering: the offline verifier, given the guard, refuses it
// at exactly that sequence.
TEST(RuleGuardVerifyTest, VerifierFindsARetroactiveLoweringTheServerDidNotCheck) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("booo-guard-verify-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  ledger::ManualClock clock(1'736'467'200'000'000);  // 2025-01-10
  const auto root = booo::testing::TestKey(1);
  {
    auto ledger = ledger::Ledger::Open(dir.string(), &clock, booo::testing::WithGrantRules());  // no policy
    ASSERT_TRUE(ledger.ok()) << ledger.status();
    auto append = [&](booo::v1::EventBody body) {
      body.set_signer_key_id(root.KeyId());
      auto bytes = booo::testing::Sign(body, root);
      auto receipt = (*ledger)->Append(bytes.body, bytes.signature);
      ASSERT_TRUE(receipt.ok()) << receipt.status();
    };
    append(booo::testing::GenesisBody(root, booo::testing::TestKey(2)));
    append(Amendment(1, "goo_norm_per_place_day", Day(2022, 10, 15), std::nullopt, 8300,
                     Day(2022, 10, 14))
               .body);
    append(
        Amendment(2, "goo_norm_per_place_day", Day(2023, 1, 1), std::nullopt, 8000, Day(2023, 6, 1))
            .body);
  }
  auto store = ledger::LedgerStore::Open(dir.string(), {.read_only = true});
  ASSERT_TRUE(store.ok());
  ledger::StoreLeafSource leaves(**store, 3);
  RuleGuard guard;
  ledger::VerifyOptions options;
  options.policy = &guard;
  GrantPayloadRules payload_rules;
  options.payload_rules = &payload_rules;
  std::optional<uint64_t> bad;
  auto report = ledger::VerifyLedger(leaves, options, &bad);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(report.status().message(), HasSubstr("sequence 2: rule_amended.values[0]: lowers"));
  EXPECT_EQ(bad, 2u);
  std::filesystem::remove_all(dir);
}

TEST(RuleTimelineTest, LaterPublicationWinsWhateverTheRecordingOrder) {
  // Recorded in the wrong order: the 2023 amendment first, the 2022 one later (migration).
  StreamRecords rules;
  auto body = [](int64_t cents, booo::v1::CivilDate published) {
    booo::v1::EventBody b;
    auto* v = b.mutable_rule_amended()->add_values();
    v->set_parameter("goo_norm_per_place_day");
    *v->mutable_valid_from() = Day(2022, 3, 1);
    v->set_amount_cents(cents);
    *b.mutable_rule_amended()->mutable_publication_date() = published;
    return b;
  };
  rules.Add(EventRef{0, 0, "", "later-law", 0}, body(8300, Day(2022, 10, 14)));
  rules.Add(EventRef{1, 0, "", "earlier-law", 0}, body(10000, Day(2022, 6, 3)));
  RuleTimeline timeline(SelectCurrent(rules.records(), KnownAt{2, std::nullopt}));
  const RuleEntry* entry =
      timeline.ValueOn("goo_norm_per_place_day", ledger::ToEpochDays(Day(2022, 5, 1)));
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->value.amount_cents(), 8300);
  EXPECT_EQ(entry->amendment->ref.event_id, "later-law");
}

}  // namespace
}  // namespace booo::replay
