// The offline verifier against ledgers built by the real Ledger, then tampered with on disk the
// way an insider with write access to the data directory could.
#include "ledger/core/verifier.h"

#include <filesystem>
#include <functional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ledger/core/checkpoint.h"
#include "ledger/core/export_file.h"
#include "ledger/storage/store_export.h"
#include "ledger/core/leaf_format.h"
#include "ledger/storage/ledger.h"
#include "tests/support/event_factory.h"

namespace booo::ledger {
namespace {

using booo::testing::Sign;
using booo::testing::SignedBytes;
using booo::testing::TestKey;

class VerifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("booo-verify-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    auto ledger = Ledger::Open(dir_.string(), &clock_, booo::testing::WithGrantRules());
    ASSERT_TRUE(ledger.ok()) << ledger.status();
    Append(**ledger, booo::testing::GenesisBody(root_, checkpoint_key_), root_);
    Append(
        **ledger,
        booo::testing::KeyRegisteredBody("k", root_, city_, booo::v1::ROLE_MUNICIPALITY, "GM0363"),
        root_);
    for (int i = 0; i < 10; ++i) {
      clock_.Advance(1000);
      Append(**ledger, booo::testing::PlacesBody("p" + std::to_string(i), city_, "GM0363", i),
             city_);
      if (i == 4) {
        Checkpoint cp{"booo-ledger.test/unit", (*ledger)->Head().size, (*ledger)->Head().root, {}};
        early_checkpoint_ = *SignCheckpoint(cp, "booo-ledger.test", checkpoint_key_);
      }
    }
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void Append(Ledger& ledger, const booo::v1::EventBody& body, const Ed25519PrivateKey& key) {
    auto signed_bytes = Sign(body, key);
    auto result = ledger.Append(signed_bytes.body, signed_bytes.signature);
    ASSERT_TRUE(result.ok()) << result.status();
  }

  absl::StatusOr<VerifyReport> VerifyDir(VerifyOptions options,
                                         std::optional<uint64_t>* bad = nullptr) {
    auto store = LedgerStore::Open(dir_.string(), {.read_only = true});
    if (!store.ok()) return store.status();
    auto size = (*store)->TreeSize();
    options.stored_tree = store->get();
    options.stored_tree_size = *size;
    StoreLeafSource leaves(**store, *size);
    options.payload_rules = booo::testing::GrantRules();
    return VerifyLedger(leaves, options, bad);
  }

  // Rewrites stored bytes directly in RocksDB, bypassing every rule.
  void Tamper(int cf, const std::string& key, const std::function<void(std::string&)>& change) {
    auto store = LedgerStore::Open(dir_.string(), {});
    ASSERT_TRUE(store.ok());
    std::string value;
    if (cf == LedgerStore::kEvents) {
      value = *(*store)->GetLeaf(*DecodeBigEndian64(key));
    } else {
      auto hash = (*store)->CompleteSubtree(key[0], *DecodeBigEndian64(key.substr(1)));
      value.assign(hash->begin(), hash->end());
    }
    change(value);
    ASSERT_TRUE((*store)->RawPutForTesting(cf, key, value).ok());
  }

  std::filesystem::path dir_;
  ManualClock clock_{1'700'000'000'000'000};
  Ed25519PrivateKey root_ = TestKey(1);
  Ed25519PrivateKey checkpoint_key_ = TestKey(2);
  Ed25519PrivateKey city_ = TestKey(3);
  std::string early_checkpoint_;
};

TEST_F(VerifierTest, AcceptsAnUntouchedLedgerWithAnEarlierCheckpoint) {
  VerifyOptions options;
  options.trusted_checkpoint = early_checkpoint_;
  auto report = VerifyDir(options);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->events, 12u);
  EXPECT_EQ(report->keys, 2u);
  EXPECT_EQ(report->checkpoint_size, 7u);
}

// Ledger::ScanEvents, the projections' rebuild path, checks what it hands over like every
// read does.
TEST_F(VerifierTest, ScanEventsHandsOverEveryEventInOrderWithItsLeafHash) {
  auto ledger = Ledger::Open(dir_.string(), &clock_, booo::testing::WithGrantRules());
  ASSERT_TRUE(ledger.ok()) << ledger.status();
  uint64_t next = 2;
  absl::Status scanned =
      (*ledger)->ScanEvents(2, 12, [&](const LeafView& leaf, const Hash& hash) -> absl::Status {
        EXPECT_EQ(leaf.sequence, next++);
        auto stored = (*ledger)->GetEvent(leaf.sequence);
        EXPECT_TRUE(stored.ok()) << stored.status();
        EXPECT_EQ(std::string(hash.begin(), hash.end()), stored->leaf_hash());
        EXPECT_EQ(std::string(leaf.body), stored->body());
        return absl::OkStatus();
      });
  EXPECT_TRUE(scanned.ok()) << scanned;
  EXPECT_EQ(next, 12u);
  EXPECT_EQ((*ledger)
                ->ScanEvents(0, 13, [](const LeafView&, const Hash&) { return absl::OkStatus(); })
                .code(),
            absl::StatusCode::kOutOfRange);
}

TEST_F(VerifierTest, ScanEventsReportsAChangedLeafOrLeafHashAtItsSequence) {
  Tamper(LedgerStore::kEvents, LedgerStore::SequenceKey(6),
         [](std::string& leaf) { leaf[leaf.size() - 70] ^= 0x01; });
  Tamper(LedgerStore::kTree, LedgerStore::NodeKey(0, 3),
         [](std::string& hash) { hash[0] ^= 0x01; });
  auto ledger = Ledger::Open(dir_.string(), &clock_, booo::testing::WithGrantRules());
  ASSERT_TRUE(ledger.ok()) << ledger.status();
  auto first_failure = [&](uint64_t start) {
    uint64_t handed = 0;
    absl::Status s = (*ledger)->ScanEvents(start, 12, [&](const LeafView&, const Hash&) {
      ++handed;
      return absl::OkStatus();
    });
    return std::pair(s, handed);
  };
  auto [at_hash, handed_before_hash] = first_failure(0);
  EXPECT_EQ(at_hash.code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(absl::StartsWith(at_hash.message(), "sequence 3:")) << at_hash;
  EXPECT_EQ(handed_before_hash, 3u);
  auto [at_leaf, handed_before_leaf] = first_failure(4);
  EXPECT_EQ(at_leaf.code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(absl::StartsWith(at_leaf.message(), "sequence 6:")) << at_leaf;
  EXPECT_EQ(handed_before_leaf, 2u);
}

// Ledger::ReadLeaves, how the projections get back the bodies they do not keep: the leaves asked
// for, in order, each with its stored leaf hash and checked against it.
TEST_F(VerifierTest, ReadLeavesChecksEachLeafAgainstItsStoredHash) {
  std::vector<uint64_t> sequences = {2, 5, 6, 11};
  auto none = [](size_t, const LeafView&, const Hash&) { return absl::OkStatus(); };
  {
    auto ledger = Ledger::Open(dir_.string(), &clock_, booo::testing::WithGrantRules());
    ASSERT_TRUE(ledger.ok()) << ledger.status();
    std::vector<uint64_t> seen;
    absl::Status read = (*ledger)->ReadLeaves(
        sequences, [&](size_t i, const LeafView& leaf, const Hash& hash) {
          auto stored = (*ledger)->GetEvent(sequences[i]);
          EXPECT_TRUE(stored.ok()) << stored.status();
          EXPECT_EQ(leaf.sequence, sequences[i]);
          EXPECT_EQ(std::string(leaf.body), stored->body());
          EXPECT_EQ(std::string(hash.begin(), hash.end()), stored->leaf_hash());
          seen.push_back(leaf.sequence);
          return absl::OkStatus();
        });
    EXPECT_TRUE(read.ok()) << read;
    EXPECT_EQ(seen, sequences);
    // Past the head or out of order: refused before anything is read.
    EXPECT_EQ((*ledger)->ReadLeaves(std::vector<uint64_t>{12}, none).code(),
              absl::StatusCode::kOutOfRange);
    EXPECT_EQ((*ledger)->ReadLeaves(std::vector<uint64_t>{6, 5}, none).code(),
              absl::StatusCode::kOutOfRange);
    EXPECT_EQ((*ledger)->ReadLeaves(std::vector<uint64_t>{5, 5}, none).code(),
              absl::StatusCode::kOutOfRange);
  }
  // A leaf changed on disk, and another's stored hash: each refused at its sequence, after
  // the leaves before it were handed over.
  Tamper(LedgerStore::kEvents, LedgerStore::SequenceKey(6),
         [](std::string& leaf) { leaf[leaf.size() - 70] ^= 0x01; });
  Tamper(LedgerStore::kTree, LedgerStore::NodeKey(0, 5),
         [](std::string& hash) { hash[0] ^= 0x01; });
  auto ledger = Ledger::Open(dir_.string(), &clock_, booo::testing::WithGrantRules());
  ASSERT_TRUE(ledger.ok()) << ledger.status();
  auto first_failure = [&](std::vector<uint64_t> asked) {
    size_t handed = 0;
    absl::Status s = (*ledger)->ReadLeaves(asked, [&](size_t, const LeafView&, const Hash&) {
      ++handed;
      return absl::OkStatus();
    });
    return std::pair(s, handed);
  };
  auto [at_hash, handed_before_hash] = first_failure(sequences);
  EXPECT_EQ(at_hash.code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(absl::StartsWith(at_hash.message(), "sequence 5:")) << at_hash;
  EXPECT_EQ(handed_before_hash, 1u);
  auto [at_leaf, handed_before_leaf] = first_failure({2, 6, 11});
  EXPECT_EQ(at_leaf.code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(absl::StartsWith(at_leaf.message(), "sequence 6:")) << at_leaf;
  EXPECT_EQ(handed_before_leaf, 1u);
}

// More leaves than one MultiGet batch (256): all handed over in order, and a leaf hash gone
// from the second batch is named.
TEST_F(VerifierTest, ReadLeavesAcrossBatchesNamesAMissingLeafHash) {
  {
    auto ledger = Ledger::Open(dir_.string(), &clock_, booo::testing::WithGrantRules());
    ASSERT_TRUE(ledger.ok()) << ledger.status();
    for (int i = 0; i < 300; ++i) {
      SignedBytes e = Sign(booo::testing::PlacesBody(absl::StrCat("many-", i), city_, "GM0363", i), city_);
      ASSERT_TRUE((*ledger)->Append(e.body, e.signature).ok());
    }
  }
  std::vector<uint64_t> sequences;
  for (uint64_t s = 12; s < 312; ++s) sequences.push_back(s);
  {
    auto ledger = Ledger::Open(dir_.string(), &clock_, booo::testing::WithGrantRules());
    ASSERT_TRUE(ledger.ok()) << ledger.status();
    size_t handed = 0;
    absl::Status read =
        (*ledger)->ReadLeaves(sequences, [&](size_t i, const LeafView& leaf, const Hash&) {
          EXPECT_EQ(leaf.sequence, sequences[i]);
          ++handed;
          return absl::OkStatus();
        });
    EXPECT_TRUE(read.ok()) << read;
    EXPECT_EQ(handed, sequences.size());
  }
  {
    auto store = LedgerStore::Open(dir_.string(), {});
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE((*store)->RawDeleteForTesting(LedgerStore::kTree, LedgerStore::NodeKey(0, 290)).ok());
  }
  auto ledger = Ledger::Open(dir_.string(), &clock_, booo::testing::WithGrantRules());
  ASSERT_TRUE(ledger.ok()) << ledger.status();
  absl::Status missing = (*ledger)->ReadLeaves(
      sequences, [](size_t, const LeafView&, const Hash&) { return absl::OkStatus(); });
  EXPECT_EQ(missing.code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(missing.message(), "sequence 290: the stored leaf hash is missing") << missing;
  absl::StatusOr<booo::v1::StoredEvent> read = (*ledger)->GetEvent(290);
  EXPECT_EQ(read.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(read.status().message(), "sequence 290: the stored leaf hash is missing");
}

// Ledger::ScanEventsUnchecked, the projections' rebuild path: every event decoded, in order,
// without its hash; CheckLeaf gives the stored hash of one it handed over, or finds it changed.
TEST_F(VerifierTest, ScanEventsUncheckedLeavesTheCheckToCheckLeaf) {
  Tamper(LedgerStore::kEvents, LedgerStore::SequenceKey(6),
         [](std::string& leaf) { leaf[leaf.size() - 70] ^= 0x01; });
  auto ledger = Ledger::Open(dir_.string(), &clock_, booo::testing::WithGrantRules());
  ASSERT_TRUE(ledger.ok()) << ledger.status();
  uint64_t next = 2;
  std::vector<absl::StatusCode> checks;
  absl::Status scanned = (*ledger)->ScanEventsUnchecked(2, 12, [&](const LeafView& leaf) {
    EXPECT_EQ(leaf.sequence, next++);
    absl::StatusOr<Hash> hash = (*ledger)->CheckLeaf(leaf);
    checks.push_back(hash.status().code());
    if (hash.ok() && leaf.sequence != 6) {
      auto stored = (*ledger)->GetEvent(leaf.sequence);
      EXPECT_TRUE(stored.ok()) << stored.status();
      EXPECT_EQ(std::string(hash->begin(), hash->end()), stored->leaf_hash());
    }
    if (!hash.ok()) {
      EXPECT_TRUE(absl::StartsWith(hash.status().message(), "sequence 6:")) << hash.status();
    }
    return absl::OkStatus();
  });
  EXPECT_TRUE(scanned.ok()) << scanned;
  EXPECT_EQ(next, 12u);
  for (size_t i = 0; i < checks.size(); ++i) {
    EXPECT_EQ(checks[i], i + 2 == 6 ? absl::StatusCode::kDataLoss : absl::StatusCode::kOk) << i;
  }
  EXPECT_EQ((*ledger)
                ->ScanEventsUnchecked(0, 13, [](const LeafView&) { return absl::OkStatus(); })
                .code(),
            absl::StatusCode::kOutOfRange);
}

TEST_F(VerifierTest, FlippedBodyByteFailsAtExactlyThatSequence) {
  Tamper(LedgerStore::kEvents, LedgerStore::SequenceKey(6), [](std::string& leaf) {
    leaf[leaf.size() - 70] ^= 0x01;  // inside the body, just before the signature
  });
  std::optional<uint64_t> bad;
  auto report = VerifyDir({}, &bad);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), absl::StatusCode::kDataLoss);
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(*bad, 6u) << report.status();
  EXPECT_TRUE(absl::StartsWith(report.status().message(), "sequence 6:")) << report.status();
}

TEST_F(VerifierTest, ChangedRecordedAtFailsAtThatSequence) {
  Tamper(LedgerStore::kEvents, LedgerStore::SequenceKey(9), [](std::string& leaf) {
    leaf[16] ^= 0x01;  // lowest byte of recorded-at: the signature still verifies
  });
  std::optional<uint64_t> bad;
  auto report = VerifyDir({}, &bad);
  ASSERT_FALSE(report.ok());
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(*bad, 9u) << report.status();
}

TEST_F(VerifierTest, ChangedTreeNodeIsDetected) {
  Tamper(LedgerStore::kTree, LedgerStore::NodeKey(1, 2), [](std::string& hash) { hash[0] ^= 1; });
  std::optional<uint64_t> bad;
  auto report = VerifyDir({}, &bad);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(*bad, 5u) << report.status();  // node (1,2) completes with leaf 5
}

TEST_F(VerifierTest, RewrittenHistoryFailsTheTrustedCheckpoint) {
  // A rewrite that keeps every signature valid: the whole ledger rebuilt with one event
  // changed is still internally consistent, but no longer matches what the auditor kept.
  Checkpoint cp{"booo-ledger.test/unit", 7, HashLeaf("not the real root"), {}};
  VerifyOptions options;
  options.trusted_checkpoint = *SignCheckpoint(cp, "booo-ledger.test", checkpoint_key_);
  auto report = VerifyDir(options);
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.status().message().find("history was rewritten"), std::string::npos);
}

TEST_F(VerifierTest, CheckpointBeyondTheLedgerMeansTruncation) {
  Checkpoint cp{"booo-ledger.test/unit", 50, HashLeaf("x"), {}};
  VerifyOptions options;
  options.trusted_checkpoint = *SignCheckpoint(cp, "booo-ledger.test", checkpoint_key_);
  auto report = VerifyDir(options);
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.status().message().find("truncated"), std::string::npos);
}

TEST_F(VerifierTest, CheckpointSignedByAnotherKeyIsRefused) {
  Checkpoint cp{"booo-ledger.test/unit", 7, HashLeaf("x"), {}};
  VerifyOptions options;
  options.trusted_checkpoint = *SignCheckpoint(cp, "booo-ledger.test", root_);
  auto report = VerifyDir(options);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(VerifierTest, ExportRoundTripVerifiesAndTruncatedExportFails) {
  const std::string file = (dir_ / "ledger.export").string();
  {
    auto store = LedgerStore::Open(dir_.string(), {.read_only = true});
    ASSERT_TRUE(WriteExportFile(**store, 12, file).ok());
  }
  auto reader = ExportFileReader::Open(file);
  ASSERT_TRUE(reader.ok());
  VerifyOptions options;
  options.trusted_checkpoint = early_checkpoint_;
  options.payload_rules = booo::testing::GrantRules();
  auto report = VerifyLedger(**reader, options);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->events, 12u);

  std::filesystem::resize_file(file, std::filesystem::file_size(file) - 10);
  auto truncated = ExportFileReader::Open(file);
  std::optional<uint64_t> bad;
  VerifyOptions with_rules;
  with_rules.payload_rules = booo::testing::GrantRules();
  auto failed = VerifyLedger(**truncated, with_rules, &bad);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(*bad, 11u);
}

TEST_F(VerifierTest, LedgerReadsRefuseATamperedEvent) {
  Tamper(LedgerStore::kEvents, LedgerStore::SequenceKey(3),
         [](std::string& leaf) { leaf[leaf.size() - 70] ^= 0x01; });
  auto ledger = Ledger::Open(dir_.string(), &clock_, booo::testing::WithGrantRules());
  ASSERT_TRUE(ledger.ok());
  auto event = (*ledger)->GetEvent(3);
  EXPECT_EQ(event.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(event.status().message().find("sequence 3"), std::string::npos);
  EXPECT_TRUE((*ledger)->GetEvent(4).ok());
}

}  // namespace
}  // namespace booo::ledger
