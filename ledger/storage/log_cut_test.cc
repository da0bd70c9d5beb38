#include "ledger/storage/log_cut.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "gtest/gtest.h"
#include "ledger/core/export_file.h"
#include "ledger/storage/ledger.h"
#include "tests/support/event_factory.h"

namespace booo::ledger {
namespace {

using booo::testing::Sign;
using booo::testing::SignedBytes;
using booo::testing::TestKey;

TEST(LogCutTest, CutsTheTailWhollyAndKeepsItInAFile) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("booo-cut-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  ManualClock clock(1'700'000'000'000'000);
  const Ed25519PrivateKey root = TestKey(1), ams = TestKey(3);
  std::vector<SignedBytes> events = {
      Sign(booo::testing::GenesisBody(root, TestKey(2)), root),
      Sign(booo::testing::KeyRegisteredBody("k-ams", root, ams, booo::v1::ROLE_MUNICIPALITY, "GM0363"), root)};
  for (int i = 0; i < 6; ++i) {
    events.push_back(Sign(booo::testing::PlacesBody("p-" + std::to_string(i), ams, "GM0363", 5 + i), ams));
  }
  Hash root_at_4{};
  {
    auto ledger = Ledger::Open(dir.string(), &clock, booo::testing::WithGrantRules());
    ASSERT_TRUE(ledger.ok()) << ledger.status();
    for (const SignedBytes& e : events) ASSERT_TRUE((*ledger)->Append(e.body, e.signature).ok());
    root_at_4 = *(*ledger)->RootAt(4);
  }
  const std::string tail = (dir.string() + ".tail");
  absl::StatusOr<CutReport> cut = CutLogTail(dir.string(), 4, tail);
  ASSERT_TRUE(cut.ok()) << cut.status();
  EXPECT_EQ(cut->old_size, 8u);
  EXPECT_EQ(cut->new_size, 4u);
  // The tail file: the magic, then the four cut leaves in order.
  std::ifstream in(tail, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  const std::string file = bytes.str();
  ASSERT_EQ(file.substr(0, sizeof(kCutTailMagic) - 1), kCutTailMagic);
  {
    auto ledger = Ledger::Open(dir.string(), &clock, booo::testing::WithGrantRules());
    ASSERT_TRUE(ledger.ok()) << ledger.status();
    EXPECT_EQ((*ledger)->Head().size, 4u);
    EXPECT_EQ((*ledger)->Head().root, root_at_4);
    EXPECT_FALSE((*ledger)->GetEventById("p-2").ok());
    // Every index forgot the tail: the cut events are appended again as new, at the same
    // sequences and stream versions.
    for (size_t i = 4; i < events.size(); ++i) {
      absl::StatusOr<AppendResult> again = (*ledger)->Append(events[i].body, events[i].signature);
      ASSERT_TRUE(again.ok()) << again.status();
      EXPECT_FALSE(again->duplicate);
      EXPECT_EQ(again->receipt.sequence(), i);
      EXPECT_EQ(again->receipt.stream_version(), i - 1);
    }
  }
  EXPECT_FALSE(CutLogTail(dir.string(), 9, tail).ok());  // above the size
  std::filesystem::remove_all(dir);
  std::filesystem::remove(tail);
}

}  // namespace
}  // namespace booo::ledger
