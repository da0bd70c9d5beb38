// A group commit waits, up to LedgerOptions::group_commit_delay, for appends still being
// admitted on their callers' threads, so that one fsync answers them too; with nobody being
// admitted it is written at once.
//
// The tests hold an append inside its admission (the observer's signature-check callback runs
// on the caller's thread between the check and the queue) to put the writer exactly where it
// must decide whether to wait. The delays are an hour, so that a wait that should not happen
// shows as an append that does not return.
#include <chrono>
#include <filesystem>
#include <future>
#include <thread>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "ledger/storage/ledger.h"
#include "ledger/storage/ledger_observer.h"
#include "tests/support/event_factory.h"

namespace booo::ledger {
namespace {

using booo::testing::Sign;
using booo::testing::SignedBytes;
using booo::testing::TestKey;

// Records each group's size; once armed, holds the next signature check's caller until
// released.
class HoldingObserver : public LedgerObserver {
 public:
  void OnGroupCommitted(const GroupCommitStats& stats) override {
    absl::MutexLock lock(&mutex_);
    if (stats.written) groups_.push_back(stats.events);
  }
  void OnSignatureChecked(double) override {
    absl::MutexLock lock(&mutex_);
    if (!armed_) return;
    armed_ = false;
    holding_ = true;
    mutex_.Await(absl::Condition(&released_));
    holding_ = false;
  }
  void Arm() {
    absl::MutexLock lock(&mutex_);
    armed_ = true;
    released_ = false;
  }
  void AwaitHolding() {
    absl::MutexLock lock(&mutex_);
    mutex_.Await(absl::Condition(&holding_));
  }
  void Release() {
    absl::MutexLock lock(&mutex_);
    released_ = true;
  }
  std::vector<size_t> groups() {
    absl::MutexLock lock(&mutex_);
    return groups_;
  }
  void ForgetGroups() {
    absl::MutexLock lock(&mutex_);
    groups_.clear();
  }

 private:
  absl::Mutex mutex_;
  bool armed_ ABSL_GUARDED_BY(mutex_) = false;
  bool holding_ ABSL_GUARDED_BY(mutex_) = false;
  bool released_ ABSL_GUARDED_BY(mutex_) = false;
  std::vector<size_t> groups_ ABSL_GUARDED_BY(mutex_);
};

class GroupCommitTest : public ::testing::Test {
 protected:
  void TearDown() override {
    ledger_.reset();
    std::filesystem::remove_all(dir_);
  }

  void Open(absl::Duration delay) {
    dir_ = std::filesystem::temp_directory_path() /
           ("booo-group-commit-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    LedgerOptions options = booo::testing::WithGrantRules();
    options.observer = &observer_;
    options.group_commit_delay = delay;
    auto opened = Ledger::Open(dir_.string(), &clock_, options);
    ASSERT_TRUE(opened.ok()) << opened.status();
    ledger_ = std::move(*opened);
    for (const SignedBytes& e : booo::testing::GenesisWithAmsterdam(root_, ams_)) {
      ASSERT_TRUE(ledger_->Append(e.body, e.signature).ok());
    }
    observer_.ForgetGroups();
  }

  SignedBytes Places(const std::string& id) {
    return Sign(booo::testing::PlacesBody(id, ams_, "GM0363", 5), ams_);
  }

  // Appends `event` on a thread of its own.
  std::future<absl::StatusOr<AppendResult>> AppendOnItsOwn(const SignedBytes& event) {
    return std::async(std::launch::async,
                      [this, event] { return ledger_->Append(event.body, event.signature); });
  }

  // `appended` is answered within a minute: far beyond a group commit, far below the hour a
  // wrong wait would take.
  static bool Answered(std::future<absl::StatusOr<AppendResult>>& appended) {
    return appended.wait_for(std::chrono::minutes(1)) == std::future_status::ready;
  }

  // `held_event` appended and held in its admission, then another appended and queued; the
  // queued one must still be waiting 200 ms later (its group waits for the held one).
  std::pair<std::future<absl::StatusOr<AppendResult>>, std::future<absl::StatusOr<AppendResult>>>
  QueuedWaitingFor(const SignedBytes& held_event) {
    observer_.Arm();
    auto held = AppendOnItsOwn(held_event);
    observer_.AwaitHolding();
    auto queued = AppendOnItsOwn(Places("p-queued"));
    EXPECT_EQ(queued.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout)
        << "the group was written while another append was being admitted";
    return {std::move(held), std::move(queued)};
  }

  // One append held in its admission while another is queued: the queued one must be written
  // without it (the wait ended or never began), the held one in a group of its own after.
  void ExpectWrittenApartWhileOneIsHeld() {
    observer_.Arm();
    auto held = AppendOnItsOwn(Places("p-held"));
    observer_.AwaitHolding();
    auto queued = AppendOnItsOwn(Places("p-queued"));
    ASSERT_TRUE(Answered(queued)) << "the group waited beyond its delay";
    ASSERT_TRUE(queued.get().ok());
    observer_.Release();
    ASSERT_TRUE(Answered(held));
    ASSERT_TRUE(held.get().ok());
    EXPECT_EQ(observer_.groups(), (std::vector<size_t>{1, 1}));
  }

  std::filesystem::path dir_;
  ManualClock clock_{1'700'000'000'000'000};
  HoldingObserver observer_;
  std::unique_ptr<Ledger> ledger_;
  const Ed25519PrivateKey root_ = TestKey(1);
  const Ed25519PrivateKey ams_ = TestKey(3);
};

TEST_F(GroupCommitTest, ALoneAppendIsWrittenAtOnce) {
  Open(absl::Hours(1));
  auto appended = AppendOnItsOwn(Places("p-alone"));
  ASSERT_TRUE(Answered(appended)) << "a lone append waited for the group commit delay";
  ASSERT_TRUE(appended.get().ok());
  EXPECT_EQ(observer_.groups(), std::vector<size_t>{1});
}

TEST_F(GroupCommitTest, AnAppendBeingAdmittedJoinsTheQueuedOnesGroup) {
  Open(absl::Hours(1));
  // Checked and queued while the other is still being admitted: its group waits for it.
  auto [held, queued] = QueuedWaitingFor(Places("p-held"));
  observer_.Release();
  ASSERT_TRUE(Answered(held));
  ASSERT_TRUE(Answered(queued));
  const absl::StatusOr<AppendResult> first = queued.get();
  const absl::StatusOr<AppendResult> second = held.get();
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(observer_.groups(), std::vector<size_t>{2}) << "one fsync for both";
  // Queued first, so first in the log.
  EXPECT_EQ(second->receipt.sequence(), first->receipt.sequence() + 1);
}

TEST_F(GroupCommitTest, TheWaitEndsAtTheDelay) {
  Open(absl::Milliseconds(1));
  ExpectWrittenApartWhileOneIsHeld();
}

TEST_F(GroupCommitTest, ARefusalInAdmissionEndsTheWait) {
  Open(absl::Hours(1));
  SignedBytes forged = Places("p-forged");
  forged.signature[0] = static_cast<char>(forged.signature[0] ^ 1);
  // Held after its check fails, before it is refused.
  auto [refused, queued] = QueuedWaitingFor(forged);
  observer_.Release();
  ASSERT_TRUE(Answered(refused));
  EXPECT_EQ(refused.get().status().code(), absl::StatusCode::kUnauthenticated);
  ASSERT_TRUE(Answered(queued)) << "the group kept waiting for a refused append";
  ASSERT_TRUE(queued.get().ok());
  EXPECT_EQ(observer_.groups(), std::vector<size_t>{1});
}

TEST_F(GroupCommitTest, WithoutADelayNoGroupWaits) {
  Open(absl::ZeroDuration());
  ExpectWrittenApartWhileOneIsHeld();
}

}  // namespace
}  // namespace booo::ledger
