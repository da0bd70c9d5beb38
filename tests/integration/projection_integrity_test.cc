// The grant projection over the real ledger checks every event it uses: a rebuild checks what it
// keeps parsed (rule amendments) as it reads it, and a municipality's events when a query reads
// them back, so a leaf changed on disk is reported (DATA_LOSS, naming its sequence) instead of
// counted, whichever way it reaches the projection.
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "ledger/core/clock.h"
#include "ledger/storage/ledger.h"
#include "ledger/storage/store.h"
#include "services/wire/queries.h"
#include "services/ledger_event_log.h"
#include "tests/support/event_factory.h"
#include "replay/rulebook/rule_book.h"

namespace booo::testing {
namespace {

class ProjectionIntegrityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("booo-projection-integrity-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    auto ledger = ledger::Ledger::Open(dir_.string(), &clock_, booo::testing::WithGrantRules());
    ASSERT_TRUE(ledger.ok()) << ledger.status();
    Append(**ledger, GenesisBody(root_, checkpoint_key_), root_);
    Append(**ledger,
           KeyRegisteredBody("k", root_, city_, booo::v1::ROLE_MUNICIPALITY, "GM0363"), root_);
    auto book = rulebook::ReadRuleBook(std::string(BOOO_SOURCE_DIR) +
                                       "/replay/rulebook/booo-2022-2025.json");
    ASSERT_TRUE(book.ok()) << book.status();
    booo::v1::EventBody rule;
    rule.set_event_id((*book)[0].event_id);
    rule.set_stream("rules");
    rule.set_signer_key_id(root_.KeyId());
    *rule.mutable_rule_amended() = (*book)[0].amendment;
    rule_sequence_ = Append(**ledger, rule, root_);
    for (int i = 0; i < 4; ++i) {
      places_sequence_ = Append(**ledger, PlacesBody("p" + std::to_string(i), city_, "GM0363", 10 + i), city_);
    }
  }
  void TearDown() override {
    projection_.reset();
    log_.reset();
    ledger_.reset();
    std::filesystem::remove_all(dir_);
  }

  uint64_t Append(ledger::Ledger& ledger, const booo::v1::EventBody& body,
                  const ledger::Ed25519PrivateKey& key) {
    auto signed_bytes = Sign(body, key);
    auto result = ledger.Append(signed_bytes.body, signed_bytes.signature);
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? result->receipt.sequence() : 0;
  }

  // Changes `from` to `to` (as long) inside the body of the stored leaf at `sequence`,
  // bypassing every rule: the body still parses, it just says something else.
  void TamperLeaf(uint64_t sequence, const std::string& from, const std::string& to) {
    auto store = ledger::LedgerStore::Open(dir_.string(), {});
    ASSERT_TRUE(store.ok()) << store.status();
    std::string leaf = *(*store)->GetLeaf(sequence);
    const size_t at = leaf.find(from);
    ASSERT_NE(at, std::string::npos);
    leaf.replace(at, from.size(), to);
    ASSERT_TRUE((*store)
                    ->RawPutForTesting(ledger::LedgerStore::kEvents,
                                       ledger::LedgerStore::SequenceKey(sequence), leaf)
                    .ok());
  }

  // Flips a bit of the stored leaf hash (the tree's level 0) of `sequence`.
  void TamperLeafHash(uint64_t sequence) {
    auto store = ledger::LedgerStore::Open(dir_.string(), {});
    ASSERT_TRUE(store.ok()) << store.status();
    absl::StatusOr<ledger::Hash> hash = (*store)->CompleteSubtree(0, sequence);
    ASSERT_TRUE(hash.ok()) << hash.status();
    (*hash)[7] ^= 0x10;
    ASSERT_TRUE((*store)
                    ->RawPutForTesting(ledger::LedgerStore::kTree,
                                       ledger::LedgerStore::NodeKey(0, sequence),
                                       std::string(hash->begin(), hash->end()))
                    .ok());
  }

  // DATA_LOSS naming `sequence`.
  static void ExpectDataLossAt(const absl::Status& status, uint64_t sequence) {
    ASSERT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
    EXPECT_TRUE(absl::StartsWith(status.message(), "sequence " + std::to_string(sequence) + ":"))
        << status;
  }

  // Opens the ledger again and a fresh projection over it (not yet caught up).
  void Reopen() {
    projection_.reset();
    log_.reset();
    auto ledger = ledger::Ledger::Open(dir_.string(), &clock_, booo::testing::WithGrantRules());
    ASSERT_TRUE(ledger.ok()) << ledger.status();
    ledger_ = *std::move(ledger);
    log_ = std::make_unique<services::LedgerEventLog>(ledger_.get());
    projection_ = std::make_unique<wire::Queries>(log_.get());
  }

  absl::StatusOr<booo::v1::GetGrantResponse> Grant(wire::Queries& projection) {
    booo::v1::GetGrantRequest request;
    request.set_municipality_code("GM0363");
    request.set_spending_year(2022);
    return projection.grants.GetGrant(request);
  }

  std::filesystem::path dir_;
  ledger::ManualClock clock_{1'700'000'000'000'000};
  ledger::Ed25519PrivateKey root_ = TestKey(1);
  ledger::Ed25519PrivateKey checkpoint_key_ = TestKey(2);
  ledger::Ed25519PrivateKey city_ = TestKey(3);
  uint64_t rule_sequence_ = 0;
  uint64_t places_sequence_ = 0;
  std::unique_ptr<ledger::Ledger> ledger_;
  std::unique_ptr<services::LedgerEventLog> log_;
  std::unique_ptr<wire::Queries> projection_;
};

TEST_F(ProjectionIntegrityTest, AnUntouchedLedgerGivesTheGrant) {
  ASSERT_NO_FATAL_FAILURE(Reopen());
  wire::Queries& projection = *projection_;
  ASSERT_TRUE(projection.state.CatchUp().ok());
  auto grant = Grant(projection);
  ASSERT_TRUE(grant.ok()) << grant.status();
  EXPECT_EQ(grant->tree_size(), places_sequence_ + 1);
}

// A municipality's event changed on disk: the rebuild keeps only its position, and the first
// query that reads the stream back finds the change.
TEST_F(ProjectionIntegrityTest, AChangedMunicipalityEventIsFoundWhenAQueryReadsIt) {
  TamperLeaf(places_sequence_, "LOC-1", "LOC-2");
  ASSERT_NO_FATAL_FAILURE(Reopen());
  wire::Queries& projection = *projection_;
  ASSERT_TRUE(projection.state.CatchUp().ok());
  auto grant = Grant(projection);
  ASSERT_NO_FATAL_FAILURE(ExpectDataLossAt(grant.status(), places_sequence_));
  // And again: nothing of it was kept.
  EXPECT_EQ(Grant(projection).status().code(), absl::StatusCode::kDataLoss);
}

// The stored leaf hash of a municipality's event changed instead: the rebuild does not read
// it; the query that reads the event back with its hash does. (Not the last event's: the last
// leaf hash is on the tree's right edge, from which the ledger computes its root when it
// opens, and a change there stops the open; corruption_test covers that.)
TEST_F(ProjectionIntegrityTest, AChangedLeafHashIsFoundWhenAQueryReadsTheEvent) {
  const uint64_t inner = places_sequence_ - 1;
  TamperLeafHash(inner);
  ASSERT_NO_FATAL_FAILURE(Reopen());
  wire::Queries& projection = *projection_;
  ASSERT_TRUE(projection.state.CatchUp().ok());
  auto grant = Grant(projection);
  ASSERT_NO_FATAL_FAILURE(ExpectDataLossAt(grant.status(), inner));
}

// So is a rule amendment's: the rebuild reads the hash of what it keeps parsed.
TEST_F(ProjectionIntegrityTest, AChangedRuleAmendmentLeafHashStopsTheRebuild) {
  TamperLeafHash(rule_sequence_);
  ASSERT_NO_FATAL_FAILURE(Reopen());
  absl::Status caught_up = projection_->state.CatchUp();
  ASSERT_NO_FATAL_FAILURE(ExpectDataLossAt(caught_up, rule_sequence_));
}

// A rule amendment is kept parsed, so the rebuild checks it as it reads it.
TEST_F(ProjectionIntegrityTest, AChangedRuleAmendmentStopsTheRebuild) {
  TamperLeaf(rule_sequence_, "Stcrt", "STCRT");
  ASSERT_NO_FATAL_FAILURE(Reopen());
  wire::Queries& projection = *projection_;
  absl::Status caught_up = projection.state.CatchUp();
  ASSERT_NO_FATAL_FAILURE(ExpectDataLossAt(caught_up, rule_sequence_));
}

}  // namespace
}  // namespace booo::testing
