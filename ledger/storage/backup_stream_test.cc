// BackupSnapshot: a checkpoint of a serving ledger streamed as file parts, every byte of every
// file once and in order; a file that cannot be opened ends the stream with UNAVAILABLE naming
// it; a sender that fails stops the stream; the copy is removed afterwards.
#include "ledger/storage/backup_stream.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "ledger/core/clock.h"
#include "tests/support/event_factory.h"

namespace booo::ledger {
namespace {

namespace fs = std::filesystem;

class BackupStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("booo-backup-stream-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    auto ledger = Ledger::Open((dir_ / "data").string(), &clock_, booo::testing::WithGrantRules());
    ASSERT_TRUE(ledger.ok()) << ledger.status();
    ledger_ = *std::move(ledger);
    const auto genesis = booo::testing::Sign(
        booo::testing::GenesisBody(booo::testing::TestKey(1), booo::testing::TestKey(2)),
        booo::testing::TestKey(1));
    ASSERT_TRUE(ledger_->Append(genesis.body, genesis.signature).ok());
  }
  void TearDown() override {
    ledger_.reset();
    fs::remove_all(dir_);
  }

  fs::path dir_;
  ManualClock clock_{1'700'000'000'000'000};
  std::unique_ptr<Ledger> ledger_;
};

TEST_F(BackupStreamTest, StreamsEveryFileWholeAndRemovesTheCopy) {
  const fs::path copy = dir_ / "copy";
  std::map<std::string, std::string> received;
  uint64_t bytes = 0;
  {
    auto snapshot = BackupSnapshot::Take(*ledger_, copy.string());
    ASSERT_TRUE(snapshot.ok()) << snapshot.status();
    EXPECT_EQ((*snapshot)->head().size, 1u);
    ASSERT_GT((*snapshot)->file_count(), 0u);
    std::map<std::string, bool> ended;
    const absl::Status streamed = (*snapshot)->Stream(
        [&](const BackupPart& part) {
          std::string& file = received[part.file_name];
          EXPECT_EQ(part.offset, file.size()) << part.file_name;  // in order, no gap
          EXPECT_FALSE(ended[part.file_name]) << part.file_name << " sent after its last part";
          file.append(part.data.data(), part.data.size());
          ended[part.file_name] = part.last;
          return absl::OkStatus();
        },
        bytes);
    ASSERT_TRUE(streamed.ok()) << streamed;
    for (const auto& [name, last] : ended) EXPECT_TRUE(last) << name;
    // Every file as it is on disk.
    uint64_t total = 0;
    for (const auto& [name, content] : received) {
      std::ifstream in(copy / name, std::ios::binary);
      const std::string on_disk((std::istreambuf_iterator<char>(in)), {});
      EXPECT_EQ(content, on_disk) << name;
      total += content.size();
    }
    EXPECT_EQ(bytes, total);
  }
  EXPECT_FALSE(fs::exists(copy));  // removed with the snapshot
}

TEST_F(BackupStreamTest, AFileThatCannotBeOpenedEndsTheStream) {
  auto snapshot = BackupSnapshot::Take(*ledger_, (dir_ / "copy").string());
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  // The listing has the file; it is gone when its turn comes.
  std::string victim;
  for (const auto& entry : fs::directory_iterator(dir_ / "copy")) {
    if (absl::StartsWith(entry.path().filename().string(), "CURRENT")) victim = "CURRENT";
  }
  ASSERT_EQ(victim, "CURRENT");
  fs::remove(dir_ / "copy" / victim);
  uint64_t bytes = 0;
  int parts_of_victim = 0;
  const absl::Status streamed = (*snapshot)->Stream(
      [&](const BackupPart& part) {
        parts_of_victim += part.file_name == victim;
        return absl::OkStatus();
      },
      bytes);
  EXPECT_EQ(streamed.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(streamed.message(), "backup: cannot open CURRENT");
  EXPECT_EQ(parts_of_victim, 0);
}

TEST_F(BackupStreamTest, ASenderThatFailsStopsTheStream) {
  auto snapshot = BackupSnapshot::Take(*ledger_, (dir_ / "copy").string());
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  int calls = 0;
  uint64_t bytes = 0;
  const absl::Status streamed = (*snapshot)->Stream(
      [&](const BackupPart&) {
        ++calls;
        return absl::CancelledError("backup: the client went away");
      },
      bytes);
  EXPECT_EQ(streamed.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(calls, 1);
}

TEST_F(BackupStreamTest, ACopyIntoAnExistingDirectoryIsRefused) {
  fs::create_directories(dir_ / "taken");
  auto snapshot = BackupSnapshot::Take(*ledger_, (dir_ / "taken").string());
  EXPECT_FALSE(snapshot.ok());
}

}  // namespace
}  // namespace booo::ledger
