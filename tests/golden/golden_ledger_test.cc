// The golden ledger: a small national ledger (431 signed events of three municipalities, every
// kind the load generator writes, the real rule book) stored by an earlier version of
// booo-ledger in tests/golden/ledger-v1. Every later version must still open it, verify it
// against the checkpoint signed when it was made, and compute the same grants from it, digest
// for digest: a change of the storage layout, the leaf encoding, the event schema or the
// calculation that breaks old ledgers fails here. tests/golden/README.md says how it was made
// and when regenerating it is (and is not) the right answer.
#include <filesystem>
#include <functional>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/core/checkpoint.h"
#include "ledger/core/civil_date.h"
#include "ledger/core/clock.h"
#include "ledger/core/crypto.h"
#include "ledger/core/export_file.h"
#include "ledger/storage/store_export.h"
#include "ledger/storage/ledger.h"
#include "ledger/core/merkle.h"
#include "ledger/core/status_macros.h"
#include "ledger/storage/store.h"
#include "ledger/core/verifier.h"
#include "nlohmann/json.hpp"
#include "services/wire/queries.h"
#include "replay/calc/grant_payload_rules.h"
#include "replay/calc/rule_guard.h"
#include "replay/calc/trace.h"
#include "services/ledger_event_log.h"
#include "replay/rulebook/rule_book.h"
#include "tests/support/event_factory.h"
#include "tools/loadgen/national_ledger.h"

namespace booo::testing {
namespace {

namespace fs = std::filesystem;

const fs::path kGolden = fs::path(BOOO_SOURCE_DIR) / "tests/golden";

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The RocksDB files of a ledger directory, without its info log, lock and keys.
bool IsStoreFile(const fs::path& path) {
  const std::string name = path.filename().string();
  return name != "LOCK" && name.rfind("LOG", 0) != 0 && path.extension() != ".key";
}

void CopyStore(const fs::path& from, const fs::path& to) {
  fs::remove_all(to);
  fs::create_directories(to);
  for (const auto& entry : fs::directory_iterator(from)) {
    if (IsStoreFile(entry.path())) fs::copy_file(entry.path(), to / entry.path().filename());
  }
}

// What the golden ledger must give: its size and root, and every municipality's balance rows
// and whole-year trace digests, as JSON.
absl::StatusOr<nlohmann::json> Figures(const fs::path& dir) {
  ledger::SystemClock clock;
  ASSIGN_OR_RETURN(std::unique_ptr<ledger::Ledger> ledger, ledger::Ledger::Open(dir.string(), &clock, booo::testing::WithGrantRules()));
  services::LedgerEventLog log(ledger.get());
  wire::Queries queries(&log);
  RETURN_IF_ERROR(queries.state.CatchUp());
  ASSIGN_OR_RETURN(booo::v1::ListBalancesResponse balances,
                   queries.grants.ListBalances(booo::v1::ListBalancesRequest()));
  nlohmann::json figures;
  figures["events"] = ledger->Head().size;
  figures["root"] = ledger::HashToHex(ledger->Head().root);
  figures["rows"] = nlohmann::json::array();
  for (const booo::v1::BalanceRow& row : balances.rows()) {
    std::string json;
    google::protobuf::util::JsonPrintOptions options;
    options.preserve_proto_field_names = true;
    if (!google::protobuf::util::MessageToJsonString(row, &json, options).ok()) {
      return absl::InternalError("a balance row does not print as JSON");
    }
    figures["rows"].push_back(nlohmann::json::parse(json));
    booo::v1::GetGrantRequest request;
    request.set_municipality_code(row.municipality_code());
    request.set_spending_year(row.spending_year());
    ASSIGN_OR_RETURN(booo::v1::GetGrantResponse grant, queries.grants.GetGrant(request));
    figures["trace_digests"][absl::StrCat(row.municipality_code(), "/", row.spending_year())] =
        ledger::HashToHex(*ledger::HashFromBytes(grant.trace_digest()));
  }
  return figures;
}

class GoldenLedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("booo-golden-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    CopyStore(kGolden / "ledger-v1", dir_);
    expected_ = nlohmann::json::parse(ReadFile(kGolden / "ledger-v1.expected.json"));
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
  nlohmann::json expected_;
};

// Regenerates the golden files from a freshly generated ledger (tests/golden/make_golden.sh):
// only when BOOO_GOLDEN_FROM names one; skipped otherwise.
TEST(GoldenLedgerWrite, FromAFreshLedgerWhenAsked) {
  const char* from = std::getenv("BOOO_GOLDEN_FROM");
  if (from == nullptr) GTEST_SKIP() << "BOOO_GOLDEN_FROM is not set";
  CopyStore(from, kGolden / "ledger-v1");
  auto figures = Figures(kGolden / "ledger-v1");
  ASSERT_TRUE(figures.ok()) << figures.status();
  // Opening it may have written a new manifest or log: copy the directory as it is now.
  auto key = ledger::ReadPrivateKeyFile((fs::path(from) / "checkpoint.key").string());
  ASSERT_TRUE(key.ok()) << key.status();
  ledger::Checkpoint checkpoint{"booo-ledger.loadgen/national",
                                (*figures)["events"].get<uint64_t>(), {}, {}};
  std::string root_hex = (*figures)["root"].get<std::string>();
  for (size_t i = 0; i < 32; ++i) {
    checkpoint.root_hash[i] =
        static_cast<uint8_t>(std::stoi(root_hex.substr(2 * i, 2), nullptr, 16));
  }
  auto note = ledger::SignCheckpoint(checkpoint, "booo-ledger.loadgen", *key);
  ASSERT_TRUE(note.ok()) << note.status();
  std::ofstream(kGolden / "ledger-v1.checkpoint") << *note;
  std::ofstream(kGolden / "ledger-v1.expected.json") << figures->dump(2) << "\n";
  for (const auto& entry : fs::directory_iterator(kGolden / "ledger-v1")) {
    if (!IsStoreFile(entry.path())) fs::remove(entry.path());
  }
}

// Every event, signature, rule and tree node, the root, and a consistency proof from the
// checkpoint signed when the ledger was made.
absl::StatusOr<ledger::VerifyReport> VerifyDir(const fs::path& dir) {
  ASSIGN_OR_RETURN(std::unique_ptr<ledger::LedgerStore> store,
                   ledger::LedgerStore::Open(dir.string(), {.read_only = true}));
  ASSIGN_OR_RETURN(uint64_t size, store->TreeSize());
  replay::RuleGuard guard;
  ledger::VerifyOptions options;
  options.trusted_checkpoint = ReadFile(kGolden / "ledger-v1.checkpoint");
  options.stored_tree = store.get();
  options.stored_tree_size = size;
  options.policy = &guard;
  replay::GrantPayloadRules payload_rules;
  options.payload_rules = &payload_rules;
  ledger::StoreLeafSource leaves(*store, size);
  return ledger::VerifyLedger(leaves, options);
}

TEST_F(GoldenLedgerTest, VerifiesAgainstItsSignedCheckpoint) {
  auto report = VerifyDir(dir_);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->events, expected_["events"].get<uint64_t>());
  EXPECT_EQ(ledger::HashToHex(report->root), expected_["root"].get<std::string>());
  EXPECT_EQ(report->checkpoint_size, report->events);
}

// The same grants, balance rows and trace digests as the version that made it computed.
TEST_F(GoldenLedgerTest, GivesTheRecordedGrants) {
  auto figures = Figures(dir_);
  ASSERT_TRUE(figures.ok()) << figures.status();
  EXPECT_EQ((*figures)["rows"], expected_["rows"]);
  EXPECT_EQ((*figures)["trace_digests"], expected_["trace_digests"]);
  EXPECT_EQ((*figures)["root"], expected_["root"]);
  EXPECT_GT(expected_["rows"].size(), 3u);  // three municipalities, several years each
}

// And it goes on: opened as a server would, it answers a retry of an old event as a duplicate,
// takes a new event signed by its ministry key after its own, and still verifies, the old
// checkpoint now a consistent prefix.
TEST_F(GoldenLedgerTest, TakesNewAppendsAfterItsOwnEvents) {
  {
    ledger::SystemClock clock;
    auto ledger = ledger::Ledger::Open(dir_.string(), &clock, booo::testing::WithGrantRules());
    ASSERT_TRUE(ledger.ok()) << ledger.status();
    const uint64_t before = (*ledger)->Head().size;
    auto genesis = (*ledger)->GetEvent(0);
    ASSERT_TRUE(genesis.ok()) << genesis.status();
    auto retried = (*ledger)->Append(genesis->body(), genesis->signature());
    ASSERT_TRUE(retried.ok()) << retried.status();
    EXPECT_TRUE(retried->duplicate);
    EXPECT_EQ(retried->receipt.sequence(), 0u);
    // The ministry key the load generator derives from its seed (1).
    auto seed = loadgen::PartySeed(1, "ministry");
    ASSERT_TRUE(seed.ok());
    auto ministry = ledger::Ed25519PrivateKey::FromSeed(*seed);
    ASSERT_TRUE(ministry.ok()) << ministry.status();
    SignedBytes added = Sign(
        KeyRegisteredBody("golden-new-auditor", *ministry, TestKey(9), booo::v1::ROLE_AUDITOR),
        *ministry);
    auto appended = (*ledger)->Append(added.body, added.signature);
    ASSERT_TRUE(appended.ok()) << appended.status();
    EXPECT_FALSE(appended->duplicate);
    EXPECT_EQ(appended->receipt.sequence(), before);
  }
  auto report = VerifyDir(dir_);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->events, expected_["events"].get<uint64_t>() + 1);
  EXPECT_EQ(report->checkpoint_size, expected_["events"].get<uint64_t>());
}

// The rule book's later corrections (replay/rulebook/README.md) land on a ledger written before
// them: the guard admits each, and the amendments already recorded answer as duplicates. A
// settlement replays at its own ledger point, before the corrections, so every determination
// replays exactly as it did before they landed, and one computed by the calculation (as
// `ledgerctl determine` records it) still gives MATCH. (The load generator's own determinations
// record synthetic amounts, so they replay as MISMATCH, before and after alike.) The new reading
// is visible as a later amendment: a 2024 grant asked now cites the correction of the 2024
// re-setting, recorded after the golden events, as what set the 2024 spending period.
TEST_F(GoldenLedgerTest, RuleBookCorrectionsLandAfterItAndEveryDeterminationStillReplays) {
  const uint64_t golden_events = expected_["events"].get<uint64_t>();
  ledger::SystemClock clock;
  replay::RuleGuard guard;
  ledger::LedgerOptions options = booo::testing::WithGrantRules();
  options.policy = &guard;
  auto ledger = ledger::Ledger::Open(dir_.string(), &clock, options);
  ASSERT_TRUE(ledger.ok()) << ledger.status();
  auto seed = loadgen::PartySeed(1, "ministry");
  ASSERT_TRUE(seed.ok());
  auto ministry = ledger::Ed25519PrivateKey::FromSeed(*seed);
  ASSERT_TRUE(ministry.ok());
  auto append = [&](booo::v1::EventBody body) {
    body.set_signer_key_id(ministry->KeyId());
    SignedBytes signed_bytes = Sign(body, *ministry);
    return (*ledger)->Append(signed_bytes.body, signed_bytes.signature);
  };
  services::LedgerEventLog log(ledger->get());
  wire::Queries queries(&log);
  auto replay_all = [&]() {
    std::vector<std::string> out;
    for (const auto& row : expected_["rows"]) {
      if (!row.value("determined", false)) continue;
      booo::v1::ReplaySettlementRequest request;
      request.set_sequence(std::stoull(row["determination_sequence"].get<std::string>()));
      auto replay = queries.grants.ReplaySettlement(request);
      EXPECT_TRUE(replay.ok()) << replay.status();
      if (!replay.ok()) continue;
      EXPECT_LT(replay->tree_size(), golden_events);
      out.push_back(absl::StrCat(request.sequence(), " ", replay->verdict(), " ",
                                 replay->replayed_amount_cents(), " ",
                                 ledger::HashToHex(*ledger::HashFromBytes(
                                     replay->replayed_trace_digest()))));
    }
    return out;
  };
  ASSERT_TRUE(queries.state.CatchUp().ok());
  const std::vector<std::string> before = replay_all();
  EXPECT_GE(before.size(), 6u);

  // A determination computed by the calculation, recorded before the corrections: GM0001 2024,
  // correcting the load generator's.
  booo::v1::GetGrantRequest grant_request;
  grant_request.set_municipality_code("GM0001");
  grant_request.set_spending_year(2024);
  auto grant = queries.grants.GetGrant(grant_request);
  ASSERT_TRUE(grant.ok()) << grant.status();
  uint64_t old_determination = 0;
  for (const auto& row : expected_["rows"]) {
    if (row["municipality_code"] == "GM0001" && row["spending_year"] == 2024) {
      old_determination = std::stoull(row["determination_sequence"].get<std::string>());
    }
  }
  auto old_event = (*ledger)->GetEvent(old_determination);
  ASSERT_TRUE(old_event.ok());
  booo::v1::EventBody determination;
  determination.set_event_id("golden-determination-gm0001-2024-computed");
  determination.set_stream("municipality/GM0001");
  determination.set_supersedes_event_id(old_event->event_id());
  auto* d = determination.mutable_grant_determined();
  d->set_municipality_code("GM0001");
  d->set_spending_year(2024);
  d->set_amount_cents(grant->computed_grant_cents());
  d->set_trace_digest(grant->trace_digest());
  *d->mutable_decision_date() = ledger::MakeDate(2026, 1, 15);
  d->set_decision_reference("golden/2024/1");
  for (auto& node : replay::Summarize(grant->trace(), 2)) *d->add_trace_summary() = node;
  auto determined = append(determination);
  ASSERT_TRUE(determined.ok()) << determined.status();

  int added = 0;
  for (const char* file : {"booo-2022-2025.json", "controls-2022-2025.json"}) {
    auto book = rulebook::ReadRuleBook(std::string(BOOO_SOURCE_DIR) + "/replay/rulebook/" + file);
    ASSERT_TRUE(book.ok()) << book.status();
    for (const auto& a : *book) {
      auto receipt = append(a.ToEvent());
      ASSERT_TRUE(receipt.ok()) << a.event_id << ": " << receipt.status();
      if (!receipt->duplicate) ++added;
    }
  }
  // The three corrections of the BooO book and the GOO living-allowance ceilings of the
  // controls book are new; everything else was recorded when the golden ledger was made.
  EXPECT_EQ(added, 5);
  ASSERT_TRUE(queries.state.CatchUp().ok());

  EXPECT_EQ(replay_all(), before);
  booo::v1::ReplaySettlementRequest computed;
  computed.set_sequence(determined->receipt.sequence());
  auto replay = queries.grants.ReplaySettlement(computed);
  ASSERT_TRUE(replay.ok()) << replay.status();
  EXPECT_EQ(replay->verdict(), booo::v1::SETTLEMENT_VERDICT_MATCH)
      << (replay->reasons().empty() ? std::string() : replay->reasons(0));

  auto now = queries.grants.GetGrant(grant_request);
  ASSERT_TRUE(now.ok()) << now.status();
  const booo::v1::TraceRuleValue* period = nullptr;
  std::function<void(const booo::v1::TraceNode&)> find = [&](const booo::v1::TraceNode& node) {
    for (const auto& rule : node.rules()) {
      if (period == nullptr && rule.parameter() == "spending_period" &&
          rule.set_by_size() > 0 && rule.set_by(0).days().first_day().year() == 2024) {
        period = &rule;
      }
    }
    for (const auto& child : node.children()) find(child);
  };
  find(now->trace());
  ASSERT_NE(period, nullptr);
  EXPECT_GT(period->set_by(0).amendment_sequence(), determined->receipt.sequence());
  EXPECT_THAT(period->set_by(0).citation(), ::testing::HasSubstr("kenmerk 5024581"));
  EXPECT_EQ(ledger::FormatDate(period->set_by(0).publication_date()), "2023-10-19");
}

}  // namespace
}  // namespace booo::testing
