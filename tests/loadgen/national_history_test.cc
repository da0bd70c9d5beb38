// The load generator: deterministic per seed, and every event it makes is admitted by the
// ledger and passes offline verification (signatures, roles, the rule guard) at smoke size.
#include "tools/loadgen/national_history.h"

#include <unistd.h>

#include <filesystem>

#include "gtest/gtest.h"
#include "ledger/core/clock.h"
#include "ledger/core/export_file.h"
#include "ledger/storage/store_export.h"
#include "ledger/storage/store.h"
#include "ledger/core/verifier.h"
#include "replay/calc/grant_payload_rules.h"
#include "replay/calc/rule_guard.h"
#include "tests/support/event_factory.h"
#include "tools/loadgen/national_ledger.h"

namespace booo::loadgen {
namespace {

HistoryOptions Small() {
  HistoryOptions o;
  o.seed = 7;
  o.municipalities = 6;
  o.locations = 15;
  o.days_per_declaration = 7;
  o.first_day = booo::testing::Day(2022, 3, 1);
  o.last_day = booo::testing::Day(2023, 3, 31);
  o.end_day = booo::testing::Day(2024, 12, 31);
  return o;
}

std::vector<std::string> Bodies(const HistoryOptions& o) {
  std::vector<std::string> out;
  EXPECT_TRUE(GenerateHistory(o, [&](PlannedEvent e) {
                std::string bytes;
                e.body.SerializeToString(&bytes);
                out.push_back(std::move(bytes));
                return absl::OkStatus();
              }).ok());
  return out;
}

TEST(NationalHistoryTest, TheSameSeedGivesTheSameEventsByteForByte) {
  const std::vector<std::string> first = Bodies(Small());
  EXPECT_GT(first.size(), 500u);
  EXPECT_EQ(Bodies(Small()), first);
  HistoryOptions other = Small();
  other.seed = 8;
  EXPECT_NE(Bodies(other), first);
}

TEST(NationalHistoryTest, EveryEventIsAdmittedAndTheLedgerVerifies) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("booo-loadgen-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  LedgerWriteOptions write;
  write.data_dir = dir.string();
  write.rulebook_dir = std::string(BOOO_SOURCE_DIR) + "/replay/rulebook";
  ledger::ManualClock clock(1'767'225'600'000'000);  // 2026-01-01
  auto report = WriteNationalLedger(Small(), write, &clock);
  ASSERT_TRUE(report.ok()) << report.status();
  auto store = ledger::LedgerStore::Open(write.data_dir, {.read_only = true});
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->TreeSize().ok());
  EXPECT_EQ(*(*store)->TreeSize(), report->events);
  ledger::StoreLeafSource leaves(**store, report->events);
  replay::RuleGuard guard;
  ledger::VerifyOptions options;
  options.policy = &guard;
  replay::GrantPayloadRules payload_rules;
  options.payload_rules = &payload_rules;
  auto verified = ledger::VerifyLedger(leaves, options);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(ledger::HashToHex(verified->root), report->root_hex);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace booo::loadgen
