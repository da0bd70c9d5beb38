// A retry of a recorded event, byte for byte, gets its original receipt without its signature
// being checked again; anything else about it (other bytes, another signature) is checked and
// refused as before.
#include <atomic>
#include <filesystem>

#include "gtest/gtest.h"
#include "ledger/storage/ledger.h"
#include "ledger/storage/ledger_observer.h"
#include "tests/support/event_factory.h"

namespace booo::ledger {
namespace {

using booo::testing::Sign;
using booo::testing::SignedBytes;
using booo::testing::TestKey;

class CountingObserver : public LedgerObserver {
 public:
  void OnGroupCommitted(const GroupCommitStats&) override {}
  void OnSignatureChecked(double) override { ++checks; }
  std::atomic<int> checks{0};
};

class RetryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("booo-retry-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    LedgerOptions options = booo::testing::WithGrantRules();
    options.observer = &observer_;
    auto opened = Ledger::Open(dir_.string(), &clock_, options);
    ASSERT_TRUE(opened.ok()) << opened.status();
    ledger_ = std::move(*opened);
    for (const SignedBytes& e : booo::testing::GenesisWithAmsterdam(root_, ams_)) {
      ASSERT_TRUE(ledger_->Append(e.body, e.signature).ok());
    }
  }
  void TearDown() override {
    ledger_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::filesystem::path dir_;
  ManualClock clock_{1'700'000'000'000'000};
  CountingObserver observer_;
  std::unique_ptr<Ledger> ledger_;
  const Ed25519PrivateKey root_ = TestKey(1);
  const Ed25519PrivateKey ams_ = TestKey(3);
};

TEST_F(RetryTest, TheSameBytesAgainGetTheOriginalReceiptWithoutASecondSignatureCheck) {
  const SignedBytes event = Sign(booo::testing::PlacesBody("p-1", ams_, "GM0363", 5), ams_);
  const int before = observer_.checks;
  absl::StatusOr<AppendResult> first = ledger_->Append(event.body, event.signature);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_FALSE(first->duplicate);
  EXPECT_EQ(observer_.checks, before + 1);
  clock_.Advance(1'000'000);
  absl::StatusOr<AppendResult> again = ledger_->Append(event.body, event.signature);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->receipt.SerializeAsString(), first->receipt.SerializeAsString());
  EXPECT_EQ(observer_.checks, before + 1) << "the retry's signature was checked again";
  EXPECT_EQ(ledger_->Head().size, 3u);
}

TEST_F(RetryTest, TheSameIdWithAnotherSignatureIsCheckedAndRefused) {
  const SignedBytes event = Sign(booo::testing::PlacesBody("p-2", ams_, "GM0363", 5), ams_);
  ASSERT_TRUE(ledger_->Append(event.body, event.signature).ok());
  const int before = observer_.checks;
  std::string forged = event.signature;
  forged[0] = static_cast<char>(forged[0] ^ 1);
  absl::StatusOr<AppendResult> refused = ledger_->Append(event.body, forged);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnauthenticated) << refused.status();
  EXPECT_EQ(observer_.checks, before + 1);
  // Other bytes under the same id: verified, then refused as already recorded.
  const SignedBytes other = Sign(booo::testing::PlacesBody("p-2", ams_, "GM0363", 6), ams_);
  absl::StatusOr<AppendResult> exists = ledger_->Append(other.body, other.signature);
  EXPECT_EQ(exists.status().code(), absl::StatusCode::kAlreadyExists) << exists.status();
  EXPECT_EQ(observer_.checks, before + 2);
  EXPECT_EQ(ledger_->Head().size, 3u);
}

}  // namespace
}  // namespace booo::ledger
