// The projection kept across restarts (replay/kept/projection_store.h) against the log it
// was made from: a state restored from the store, extended and kept again over generated
// histories, always equals a rebuild from the log alone, and so do the answers it serves;
// also after a crash at every write of an update, and never from a store that does not fit
// the log. Pins the calculation's answers to kCalculationVersion.
#include <filesystem>
#include <random>
#include <set>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ledger/core/crypto.h"
#include "ledger/core/merkle.h"
#include "replay/calc/calculation_version.h"
#include "replay/kept/projection_store.h"
#include "replay/rulebook/rule_book.h"
#include "rocksdb/db.h"
#include "services/wire/queries.h"
#include "tests/support/event_factory.h"
#include "tests/support/grant_scenario.h"

namespace booo::wire {
namespace {

using booo::testing::Day;
using replay::ProjectionIndex;
using replay::ProjectionState;
using replay::ProjectionStore;

// A log in memory with a Merkle tree over its (fake) leaf hashes, as the kept projection cites.
class TreeLog : public replay::MemoryEventLog {
 public:
  TreeLog() : MemoryEventLog({}) {}
  absl::StatusOr<std::string> TreeRootAt(uint64_t size) const override {
    std::vector<uint64_t> all(size);
    for (uint64_t i = 0; i < size; ++i) all[i] = i;
    std::vector<ledger::Hash> leaves;
    absl::Status read = MemoryEventLog::ReadBodies(
        all, [&](size_t, absl::string_view, absl::string_view hash) {
      leaves.push_back(ledger::HashLeaf(std::string_view(hash.data(), hash.size())));
      return absl::OkStatus();
    });
    if (!read.ok()) return read;
    while (leaves.size() > 1) {
      std::vector<ledger::Hash> up;
      for (size_t i = 0; i + 1 < leaves.size(); i += 2) {
        up.push_back(ledger::HashChildren(leaves[i], leaves[i + 1]));
      }
      if (leaves.size() % 2 == 1) up.push_back(leaves.back());
      leaves = std::move(up);
    }
    return std::string(reinterpret_cast<const char*>(leaves[0].data()), leaves[0].size());
  }
  // Bodies read back at these sequences fail as damaged (DATA_LOSS), as a changed leaf would.
  absl::Status ReadBodies(
      absl::Span<const uint64_t> sequences,
      absl::FunctionRef<absl::Status(size_t, absl::string_view, absl::string_view)> fn)
      const override {
    for (uint64_t s : sequences) {
      if (damaged.contains(s)) return absl::DataLossError(absl::StrCat("sequence ", s, ": damaged"));
    }
    return MemoryEventLog::ReadBodies(sequences, fn);
  }
  std::set<uint64_t> damaged;
  void Add(const booo::v1::EventBody& body, int64_t recorded_at_micros) {
    booo::v1::StoredEvent e;
    e.set_sequence(Size());
    e.set_recorded_at_micros(recorded_at_micros);
    body.SerializeToString(e.mutable_body());
    e.set_leaf_hash(ledger::Sha256Bytes(absl::StrCat(e.sequence(), ":", e.body())));
    e.set_stream(body.stream());
    e.set_event_id(body.event_id());
    Append(std::move(e));
  }
};

// A generated history: the rule book, then municipality facts of every kind the balance rows
// read, with corrections, a key event here and there, and a late rule amendment.
class History {
 public:
  explicit History(uint32_t seed) : rng_(seed) {
    auto book = rulebook::ReadRuleBook(std::string(BOOO_SOURCE_DIR) +
                                       "/replay/rulebook/booo-2022-2025.json");
    EXPECT_TRUE(book.ok()) << book.status();
    for (const auto& amendment : *book) log.Add(amendment.ToEvent(), Next());
  }
  void AddFacts(int count) {
    for (int i = 0; i < count; ++i) AddFact();
  }
  TreeLog log;

 private:
  int64_t Next() { return clock_ += 1 + rng_() % 5'000'000; }
  int Pick(int n) { return static_cast<int>(rng_() % static_cast<uint32_t>(n)); }
  void AddFact() {
    const std::string code = absl::StrCat("GM000", 1 + Pick(7));
    const int year = 2022 + Pick(3);
    const std::string id = absl::StrCat("e", ++id_);
    booo::v1::EventBody body;
    switch (Pick(8)) {
      case 0:
      case 1:
      case 2: {
        const int month = 1 + Pick(12);
        body = booo::testing::GooPlaces(id, code, absl::StrCat("L", Pick(3)), Day(year, month, 1),
                                        Day(year, month, 28), 1 + Pick(40),
                                        Day(year, month, 28));
        break;
      }
      case 3:
        body = booo::testing::PooMonth(id, code, year, 1 + Pick(12), 1 + Pick(30), Pick(10),
                                       Day(year + 1, 1, 15));
        break;
      case 4:
        body = booo::testing::Advance(id, code, year, 100'000 * (1 + Pick(50)), Day(year, 3, 1));
        break;
      case 5:
        body = booo::testing::Repayment(id, code, year, 1'000 * (1 + Pick(50)), Day(year + 1, 6, 1));
        break;
      case 6:
        if (!places_.empty()) {  // a correction of an earlier declaration
          const auto& [earlier, earlier_code, earlier_year] = places_[Pick(static_cast<int>(places_.size()))];
          body = booo::testing::Correcting(
              booo::testing::GooPlaces(id, earlier_code, "L0", Day(earlier_year, 2, 1),
                                       Day(earlier_year, 2, 20), 1 + Pick(9), Day(earlier_year, 3, 1)),
              earlier);
          break;
        }
        [[fallthrough]];
      default: {  // an event no projection keeps, between the facts
        booo::v1::EventBody key;
        key.set_event_id(id);
        key.set_stream("keys");
        key.mutable_key_revoked()->set_key_id("k");
        body = key;
        break;
      }
    }
    if (body.has_goo_places_declared() && body.supersedes_event_id().empty()) {
      places_.emplace_back(id, code, year);
    }
    log.Add(body, Next());
  }
  std::mt19937 rng_;
  int64_t clock_ = 1'700'000'000'000'000;
  int id_ = 0;
  std::vector<std::tuple<std::string, std::string, int>> places_;
};

// A directory of its own for one test's store, removed with it.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& name)
      : path_(absl::StrCat(::testing::TempDir(), "/kept-", name, "-", ::getpid())) {
    std::filesystem::remove_all(path_);
  }
  ~ScratchDir() { std::filesystem::remove_all(path_); }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  operator const std::string&() const { return path_; }  // NOLINT: used where a path goes

 private:
  std::string path_;
};

ProjectionIndex IndexOf(const ProjectionState& state) {
  ProjectionState::Reader reader(state);
  absl::StatusOr<ProjectionIndex> index = reader.ExportIndex(0);
  EXPECT_TRUE(index.ok()) << index.status();
  return *index;
}

// A server's start and quiet moments against a store: restore, catch up, keep the index, and
// compute every balance answer (which keeps them).
struct KeptServer {
  KeptServer(const replay::EventLog& log, ProjectionStore& store) : queries(&log) {
    absl::StatusOr<ProjectionStore::Loaded> loaded = store.LoadIndex(log);
    EXPECT_TRUE(loaded.ok()) << loaded.status();
    discarded = loaded->discarded;
    restored = loaded->index.entries.size();
    EXPECT_TRUE(queries.state.Restore(loaded->index).ok());
    queries.state.SetKeptAnswers(&store);
    queries.grants.SetKeptAnswers(&store);
  }
  absl::Status CatchUpAndKeep(ProjectionStore& store, const replay::EventLog& log) {
    if (absl::Status s = queries.state.CatchUp(); !s.ok()) return s;
    absl::StatusOr<ProjectionIndex> index =
        ProjectionState::Reader(queries.state).ExportIndex(store.tree_size());
    if (!index.ok()) return index.status();
    return store.AppendIndex(*index, log);
  }
  Queries queries;
  std::string discarded;
  size_t restored = 0;
};

// Every row and every grant's top levels, as a rebuild from the log alone computes them.
void ExpectAnswersEqualRebuild(Queries& served, const replay::EventLog& log) {
  Queries rebuilt(&log);
  auto a = served.grants.ListBalances({});
  auto b = rebuilt.grants.ListBalances({});
  ASSERT_TRUE(a.ok() && b.ok()) << a.status() << b.status();
  ASSERT_EQ(a->rows_size(), b->rows_size());
  ASSERT_GT(a->rows_size(), 0);
  for (int i = 0; i < a->rows_size(); ++i) {
    EXPECT_EQ(a->rows(i).SerializeAsString(), b->rows(i).SerializeAsString()) << i;
    booo::v1::GetGrantRequest top;
    top.set_municipality_code(a->rows(i).municipality_code());
    top.set_spending_year(a->rows(i).spending_year());
    top.set_trace_depth(2);
    auto x = served.grants.GetGrant(top);
    auto y = rebuilt.grants.GetGrant(top);
    ASSERT_TRUE(x.ok() && y.ok()) << x.status() << y.status();
    EXPECT_EQ(x->SerializeAsString(), y->SerializeAsString()) << top.ShortDebugString();
  }
  EXPECT_EQ(a->totals().SerializeAsString(), b->totals().SerializeAsString());
}

TEST(KeptProjection, EqualsARebuildAcrossRestartsOnGeneratedHistories) {
  for (uint32_t seed : {1u, 2u, 3u}) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    History history(seed);
    const ScratchDir dir(absl::StrCat("restarts", seed));
    std::mt19937 rng(seed);
    for (int restart = 0; restart < 5; ++restart) {
      history.AddFacts(50 + static_cast<int>(rng() % 400));
      auto store = ProjectionStore::Open(dir);
      ASSERT_TRUE(store.ok()) << store.status();
      KeptServer server(history.log, **store);
      EXPECT_EQ(server.discarded, "");
      // Several updates per run, answers computed between them (and so kept).
      for (int update = 0; update < 3; ++update) {
        ASSERT_TRUE(server.CatchUpAndKeep(**store, history.log).ok());
        ASSERT_TRUE(server.queries.grants.RefreshHeads([] { return true; }).ok());
        history.AddFacts(static_cast<int>(rng() % 60));
      }
      ASSERT_TRUE(server.CatchUpAndKeep(**store, history.log).ok());
      EXPECT_EQ((*store)->tree_size(), history.log.Size());
      ASSERT_TRUE(server.queries.grants.RefreshHeads([] { return true; }).ok());
    }
    // Restarted once more: the restored index is the rebuild's, and so is every answer, read
    // from what was kept.
    auto store = ProjectionStore::Open(dir);
    ASSERT_TRUE(store.ok());
    KeptServer server(history.log, **store);
    EXPECT_EQ(server.restored, history.log.Size());
    Queries rebuilt(&history.log);
    ASSERT_TRUE(rebuilt.state.CatchUp().ok());
    const ProjectionIndex kept = IndexOf(server.queries.state);
    const ProjectionIndex fresh = IndexOf(rebuilt.state);
    EXPECT_EQ(kept.codes, fresh.codes);
    EXPECT_TRUE(kept.entries == fresh.entries);
    // Nothing is computed again: every answer was kept for these versions.
    auto refreshed = server.queries.grants.RefreshHeads([] { return true; });
    ASSERT_TRUE(refreshed.ok());
    EXPECT_EQ(refreshed->computed, 0u);
    EXPECT_EQ(refreshed->failed, 0u);
    ExpectAnswersEqualRebuild(server.queries, history.log);
  }
}

TEST(KeptProjection, ACrashAtAnyWriteOfAnUpdateLeavesAPrefixThatExtendsToTheRebuild) {
  // Over two segments and more, so that an update rewrites the partial segment, writes whole
  // ones, and then the manifest.
  History history(7);
  history.AddFacts(1000);
  const ScratchDir dir("crash");
  {
    auto store = ProjectionStore::Open(dir);
    ASSERT_TRUE(store.ok());
    KeptServer server(history.log, **store);
    ASSERT_TRUE(server.CatchUpAndKeep(**store, history.log).ok());
  }
  const uint64_t before = history.log.Size();
  history.AddFacts(static_cast<int>(2 * ProjectionStore::kSegmentEvents + 500) / 1);
  for (int writes = 0; writes <= 4; ++writes) {
    SCOPED_TRACE(absl::StrCat("crash after ", writes, " writes"));
    {
      auto store = ProjectionStore::Open(dir, {.fail_index_after_writes = writes});
      ASSERT_TRUE(store.ok());
      KeptServer server(history.log, **store);
      EXPECT_EQ(server.restored, before);
      absl::Status kept = server.CatchUpAndKeep(**store, history.log);
      // Four writes: three segments and the manifest; after them the update is whole.
      EXPECT_EQ(kept.ok(), writes >= 4) << kept;
    }
    auto store = ProjectionStore::Open(dir);
    ASSERT_TRUE(store.ok());
    KeptServer server(history.log, **store);
    EXPECT_EQ(server.discarded, "");
    EXPECT_EQ(server.restored, writes >= 4 ? history.log.Size() : before);
    ASSERT_TRUE(server.queries.state.CatchUp().ok());
    Queries rebuilt(&history.log);
    ASSERT_TRUE(rebuilt.state.CatchUp().ok());
    EXPECT_TRUE(IndexOf(server.queries.state).entries == IndexOf(rebuilt.state).entries);
    if (writes >= 4) break;
  }
}

TEST(KeptProjection, WhatDoesNotFitTheLogIsDiscardedAndRebuilt) {
  History history(11);
  history.AddFacts(300);
  const ScratchDir dir("misfit");
  auto keep = [&](const replay::EventLog& log) {
    auto store = ProjectionStore::Open(dir);
    ASSERT_TRUE(store.ok());
    KeptServer server(log, **store);
    ASSERT_TRUE(server.CatchUpAndKeep(**store, log).ok());
    ASSERT_TRUE(server.queries.grants.RefreshHeads([] { return true; }).ok());
  };
  auto reopen = [&](const replay::EventLog& log) {
    auto store = ProjectionStore::Open(dir);
    EXPECT_TRUE(store.ok());
    KeptServer server(log, **store);
    EXPECT_TRUE(server.queries.state.CatchUp().ok());
    ExpectAnswersEqualRebuild(server.queries, log);
    return server.discarded;
  };
  keep(history.log);
  // A shorter log (cut): the kept projection covers events it does not hold.
  History shorter(11);
  shorter.AddFacts(200);
  EXPECT_NE(reopen(shorter.log).find("the log was cut or replaced"), std::string::npos);
  // Another log of the same size: its root is not the one cited.
  keep(history.log);
  History other(12);
  while (other.log.Size() < history.log.Size()) other.AddFacts(1);
  EXPECT_NE(reopen(other.log).find("the log was replaced"), std::string::npos);
  // A damaged segment: its checksum fails.
  keep(history.log);
  {
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), dir, &raw).ok());
    std::string key = "i/";
    key.append(8, '\0');
    std::string value;
    ASSERT_TRUE(raw->Get(rocksdb::ReadOptions(), key, &value).ok());
    value[value.size() / 2] ^= 1;
    ASSERT_TRUE(raw->Put(rocksdb::WriteOptions(), key, value).ok());
    delete raw;
  }
  EXPECT_NE(reopen(history.log).find("index segment 0 is missing or damaged"), std::string::npos);
  // And after that rebuild, the store is whole again.
  keep(history.log);
  EXPECT_EQ(reopen(history.log), "");
}

TEST(KeptProjection, AnswersMadePastTheKeptIndexDoNotSurviveACrash) {
  History history(21);
  history.AddFacts(300);
  const ScratchDir dir("past");
  {
    auto store = ProjectionStore::Open(dir);
    ASSERT_TRUE(store.ok());
    KeptServer server(history.log, **store);
    ASSERT_TRUE(server.CatchUpAndKeep(**store, history.log).ok());
    // More events read and answered, the index not kept again: then a crash.
    history.AddFacts(100);
    ASSERT_TRUE(server.queries.grants.RefreshHeads([] { return true; }).ok());
    EXPECT_FALSE((*store)->AnswerKeys().empty());
  }
  auto store = ProjectionStore::Open(dir);
  ASSERT_TRUE(store.ok());
  auto loaded = (*store)->LoadIndex(history.log);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->discarded, "");
  EXPECT_EQ(loaded->index.entries.size(), history.log.Size() - 100);
  EXPECT_GT(loaded->answers_dropped, 0u);
  // Every answer left was made within the index the log proves.
  for (const auto& [code, year] : (*store)->AnswerKeys()) {
    auto answer = (*store)->Get(code, year);
    ASSERT_TRUE(answer.has_value());
    EXPECT_LE(answer->tree_size, loaded->index.entries.size()) << code << " " << year;
  }
}

TEST(KeptProjection, TheIdleRefreshPassesOverAMunicipalityItCannotCompute) {
  History history(31);
  history.AddFacts(300);
  Queries queries(&history.log);
  ASSERT_TRUE(queries.state.CatchUp().ok());
  // One of GM0001's events is damaged: its answers cannot be computed, the others can.
  {
    ProjectionState::Reader reader(queries.state);
    const ProjectionIndex index = *reader.ExportIndex(0);
    for (size_t s = 0; s < index.entries.size(); ++s) {
      if (index.entries[s].stream >= 0 && index.codes[index.entries[s].stream] == "GM0001") {
        history.log.damaged.insert(s);
        break;
      }
    }
  }
  ASSERT_EQ(history.log.damaged.size(), 1u);
  auto first = queries.grants.RefreshHeads([] { return true; });
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->failed, 1u);
  EXPECT_GT(first->computed, 0u);
  EXPECT_TRUE(absl::IsDataLoss(first->first_failure)) << first->first_failure;
  EXPECT_NE(first->first_failure.message().find("GM0001"), absl::string_view::npos);
  // Not tried again while nothing changed.
  auto again = queries.grants.RefreshHeads([] { return true; });
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->failed, 0u);
  EXPECT_EQ(again->computed, 0u);
}

// The answers of a fixed history, pinned to the calculation's version: a change to any figure,
// trace or answer field fails here until kCalculationVersion is raised (answers kept by the
// older version are then computed again) and the digest below is updated with it.
TEST(KeptProjection, AnswersArePinnedToTheCalculationVersion) {
  History history(2026);
  history.AddFacts(400);
  Queries queries(&history.log);
  auto balances = queries.grants.ListBalances({});
  ASSERT_TRUE(balances.ok());
  std::string all;
  for (const booo::v1::BalanceRow& row : balances->rows()) {
    booo::v1::GetGrantRequest top;
    top.set_municipality_code(row.municipality_code());
    top.set_spending_year(row.spending_year());
    top.set_trace_depth(2);
    auto grant = queries.grants.GetGrant(top);
    ASSERT_TRUE(grant.ok());
    all += row.SerializeAsString();
    all += grant->SerializeAsString();
  }
  const std::string digest = absl::BytesToHexString(ledger::Sha256Bytes(all));
  constexpr uint32_t kPinnedVersion = 1;
  constexpr char kPinnedDigest[] =
      "a83471f0205230c39b1b92d6535838f9a17ba0e28b6bac1a4bcd575ec55ec761";
  EXPECT_EQ(replay::kCalculationVersion, kPinnedVersion);
  EXPECT_EQ(digest, kPinnedDigest)
      << "the answers changed: raise kCalculationVersion (replay/calc/calculation_version.h) and "
         "pin the new digest with it";
}

}  // namespace
}  // namespace booo::wire
