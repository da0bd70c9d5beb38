// The projection's head cache: a whole-year grant at the head is served from the cache only
// while neither the municipality's facts nor the rules changed; the answer always equals a fresh
// computation.
#include "services/wire/grants_queries.h"
#include "services/wire/queries.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ledger/core/crypto.h"
#include "replay/calc/stop_when.h"
#include "replay/calc/trace.h"
#include "tests/support/event_factory.h"
#include "tests/support/grant_scenario.h"
#include "replay/rulebook/rule_book.h"

namespace booo::wire {
namespace {

using replay::FindNode;
using replay::MemoryEventLog;
using replay::TraceNode;

using booo::testing::Day;

class ProjectionCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto book = rulebook::ReadRuleBook(std::string(BOOO_SOURCE_DIR) +
                                       "/replay/rulebook/booo-2022-2025.json");
    ASSERT_TRUE(book.ok());
    for (const auto& a : *book) {
      booo::v1::EventBody body = a.ToEvent();
      Append(body);
    }
  }

  void Append(const booo::v1::EventBody& body) {
    booo::v1::StoredEvent e;
    e.set_sequence(log_.Size());
    e.set_recorded_at_micros(1'767'225'600'000'000);
    body.SerializeToString(e.mutable_body());
    e.set_leaf_hash(ledger::Sha256Bytes(e.body()));
    e.set_stream(body.stream());
    e.set_event_id(body.event_id());
    log_.Append(std::move(e));
  }

  // The grant at the head (cached path) and the same computed fresh (a business-date point far
  // ahead sees everything but is never served from the cache).
  void ExpectCachedEqualsFresh(const std::string& code, int year) {
    booo::v1::GetGrantRequest request;
    request.set_municipality_code(code);
    request.set_spending_year(year);
    auto cached = projection_.grants.GetGrant(request);
    *request.mutable_known_at()->mutable_business_date() = Day(2100, 1, 1);
    auto fresh = projection_.grants.GetGrant(request);
    ASSERT_TRUE(cached.ok() && fresh.ok());
    EXPECT_EQ(cached->trace_digest(), fresh->trace_digest());
    EXPECT_EQ(cached->balance_cents(), fresh->balance_cents());
    EXPECT_EQ(cached->tree_size(), log_.Size());
    last_digest_ = cached->trace_digest();
  }

  MemoryEventLog log_{{}};
  Queries projection_{&log_};
  std::string last_digest_;
};

TEST_F(ProjectionCacheTest, HeadResultsFollowEveryChangeThatMatters) {
  Append(booo::testing::GooPlaces("p1", "GM0363", "L1", Day(2023, 1, 1), Day(2023, 1, 31), 10,
                                  Day(2023, 2, 1)));
  ExpectCachedEqualsFresh("GM0363", 2023);
  const std::string first = last_digest_;
  // Another municipality's event: the cached grant stands, at the new head.
  Append(booo::testing::GooPlaces("u1", "GM0344", "U1", Day(2023, 1, 1), Day(2023, 1, 31), 5,
                                  Day(2023, 2, 1)));
  ExpectCachedEqualsFresh("GM0363", 2023);
  EXPECT_EQ(last_digest_, first);
  // Its own new fact: recomputed.
  Append(booo::testing::Advance("a1", "GM0363", 2023, 1'000, Day(2023, 3, 1)));
  Append(booo::testing::PooMonth("m1", "GM0363", 2023, 1, 5, 5, Day(2023, 2, 1)));
  ExpectCachedEqualsFresh("GM0363", 2023);
  EXPECT_NE(last_digest_, first);
  const std::string second = last_digest_;
  // A rule amendment: recomputed.
  booo::v1::EventBody raise;
  raise.set_event_id("raise");
  raise.set_stream("rules");
  auto* v = raise.mutable_rule_amended()->add_values();
  v->set_parameter("goo_norm_per_place_day");
  *v->mutable_valid_from() = Day(2023, 1, 1);
  *v->mutable_valid_to() = Day(2023, 12, 31);
  v->set_amount_cents(9000);
  raise.mutable_rule_amended()->mutable_citation()->set_reference("test");
  *raise.mutable_rule_amended()->mutable_publication_date() = Day(2025, 1, 1);
  Append(raise);
  ExpectCachedEqualsFresh("GM0363", 2023);
  EXPECT_NE(last_digest_, second);
  // ListBalances at the head agrees with the fresh computation too.
  auto head = projection_.grants.ListBalances({});
  booo::v1::ListBalancesRequest far;
  *far.mutable_known_at()->mutable_business_date() = Day(2100, 1, 1);
  auto fresh = projection_.grants.ListBalances(far);
  ASSERT_TRUE(head.ok() && fresh.ok());
  ASSERT_EQ(head->rows_size(), fresh->rows_size());
  for (int i = 0; i < head->rows_size(); ++i) {
    EXPECT_EQ(head->rows(i).SerializeAsString(), fresh->rows(i).SerializeAsString());
  }
}

// A request may ask for part of the traces (they reach megabytes at national scale). The cached
// and the fresh path give the same selection, and a selection is the full trace cut, not a
// different one.
TEST_F(ProjectionCacheTest, TraceDepthAndPathSelectPartOfTheSameTrace) {
  Append(booo::testing::GooPlaces("p1", "GM0363", "L1", Day(2023, 1, 1), Day(2023, 1, 31), 10,
                                  Day(2023, 2, 1)));
  Append(booo::testing::GooPlaces("p2", "GM0363", "L2", Day(2023, 3, 1), Day(2023, 3, 31), 4,
                                  Day(2023, 4, 1)));
  booo::v1::GetGrantRequest request;
  request.set_municipality_code("GM0363");
  request.set_spending_year(2023);
  auto full = projection_.grants.GetGrant(request);
  ASSERT_TRUE(full.ok()) << full.status();
  const TraceNode* norm = FindNode(full->trace(), "grant/a/norm");
  ASSERT_NE(norm, nullptr);
  ASSERT_EQ(norm->children_size(), 2);  // L1 and L2
  auto fresh_request = [&](booo::v1::GetGrantRequest r) {
    *r.mutable_known_at()->mutable_business_date() = Day(2100, 1, 1);
    return projection_.grants.GetGrant(r);
  };
  for (bool fresh : {false, true}) {
    SCOPED_TRACE(fresh ? "fresh" : "cached");
    booo::v1::GetGrantRequest top = request;
    top.set_trace_depth(1);
    auto cut = fresh ? fresh_request(top) : projection_.grants.GetGrant(top);
    ASSERT_TRUE(cut.ok()) << cut.status();
    EXPECT_EQ(cut->trace().digest(), full->trace().digest());
    EXPECT_EQ(cut->trace_digest(), full->trace_digest());
    EXPECT_EQ(cut->trace().amount_cents(), full->trace().amount_cents());
    ASSERT_EQ(cut->trace().children_size(), full->trace().children_size());
    for (int i = 0; i < cut->trace().children_size(); ++i) {
      const TraceNode& child = cut->trace().children(i);
      EXPECT_EQ(child.digest(), full->trace().children(i).digest());
      EXPECT_EQ(child.children_size(), 0);
      EXPECT_EQ(child.omitted_children(),
                static_cast<uint32_t>(full->trace().children(i).children_size()));
    }
    EXPECT_EQ(cut->settlement().digest(), full->settlement().digest());
    EXPECT_EQ(cut->settlement().children(0).children_size(), 0);

    booo::v1::GetGrantRequest drill = request;
    drill.set_trace_path("grant/a/norm");
    auto node = fresh ? fresh_request(drill) : projection_.grants.GetGrant(drill);
    ASSERT_TRUE(node.ok()) << node.status();
    EXPECT_EQ(node->trace().SerializeAsString(), norm->SerializeAsString());
    EXPECT_FALSE(node->has_settlement());
    EXPECT_FALSE(node->has_vat_fund());
    EXPECT_EQ(node->trace_digest(), full->trace_digest());
    EXPECT_EQ(node->computed_grant_cents(), full->computed_grant_cents());

    drill.set_trace_path("grant/a/nowhere");
    auto missing = fresh ? fresh_request(drill) : projection_.grants.GetGrant(drill);
    EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
    EXPECT_TRUE(absl::StartsWith(missing.status().message(), "trace_path: ")) << missing.status();
  }
  // Depth 0 and no path: the whole traces, as before.
  auto again = projection_.grants.GetGrant(request);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->trace().SerializeAsString(), full->trace().SerializeAsString());
  EXPECT_EQ(again->vat_fund().SerializeAsString(), full->vat_fund().SerializeAsString());
}

// The gRPC service sends GetGrantSerialized's bytes: parsed, they are exactly GetGrant's answer,
// whether served from the cached bytes or computed, and the cached bytes follow every change.
TEST_F(ProjectionCacheTest, SerializedAnswerIsTheAnswer) {
  Append(booo::testing::GooPlaces("p1", "GM0363", "L1", Day(2023, 1, 1), Day(2023, 1, 31), 10,
                                  Day(2023, 2, 1)));
  Append(booo::testing::Advance("a1", "GM0363", 2023, 1'000, Day(2023, 3, 1)));
  auto expect_same = [&](const booo::v1::GetGrantRequest& request) {
    auto serialized = projection_.grants.GetGrantSerialized(request);
    auto answer = projection_.grants.GetGrant(request);
    ASSERT_EQ(serialized.ok(), answer.ok()) << serialized.status() << " / " << answer.status();
    if (!answer.ok()) {
      EXPECT_EQ(serialized.status(), answer.status());
      return;
    }
    booo::v1::GetGrantResponse parsed;
    ASSERT_TRUE(parsed.ParseFromString(*serialized->bytes + serialized->tail));
    EXPECT_EQ(parsed.SerializeAsString(), answer->SerializeAsString());
    if (!request.has_known_at()) {
      EXPECT_EQ(parsed.tree_size(), log_.Size());
    }
  };
  booo::v1::GetGrantRequest request;
  request.set_municipality_code("GM0363");
  request.set_spending_year(2023);
  expect_same(request);
  // Served again from the same bytes.
  auto first = projection_.grants.GetGrantSerialized(request);
  auto second = projection_.grants.GetGrantSerialized(request);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->bytes.get(), second->bytes.get());
  // Every other point and selection.
  booo::v1::GetGrantRequest at_size = request;
  at_size.mutable_known_at()->set_tree_size(log_.Size());
  expect_same(at_size);
  at_size.mutable_known_at()->set_tree_size(log_.Size() - 1);
  expect_same(at_size);
  booo::v1::GetGrantRequest on_day = request;
  *on_day.mutable_known_at()->mutable_business_date() = Day(2023, 2, 28);
  expect_same(on_day);
  booo::v1::GetGrantRequest top = request;
  top.set_trace_depth(1);
  expect_same(top);
  booo::v1::GetGrantRequest january = request;
  *january.mutable_scope()->mutable_first_day() = Day(2023, 1, 1);
  *january.mutable_scope()->mutable_last_day() = Day(2023, 1, 31);
  expect_same(january);
  booo::v1::GetGrantRequest unknown = request;
  unknown.set_municipality_code("GM0014");
  expect_same(unknown);
  booo::v1::GetGrantRequest bad_year = request;
  bad_year.set_spending_year(1999);
  expect_same(bad_year);
  // Another municipality's event: the same bytes, at the new head.
  Append(booo::testing::GooPlaces("u1", "GM0344", "U1", Day(2023, 1, 1), Day(2023, 1, 31), 5,
                                  Day(2023, 2, 1)));
  auto third = projection_.grants.GetGrantSerialized(request);
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->bytes.get(), first->bytes.get());
  expect_same(request);
  // Its own new fact: new bytes.
  Append(booo::testing::PooMonth("m1", "GM0363", 2023, 1, 5, 5, Day(2023, 2, 1)));
  auto fourth = projection_.grants.GetGrantSerialized(request);
  ASSERT_TRUE(fourth.ok());
  EXPECT_NE(*fourth->bytes, *first->bytes);
  expect_same(request);
}

// Municipality streams are parsed per query and kept within a bound; evicting and re-parsing,
// or extending a parsed stream that grew, never changes an answer.
TEST_F(ProjectionCacheTest, ParsedStreamsStayWithinTheirBound) {
  Queries tight(&log_, {.max_parsed_events = 3});
  const std::vector<std::string> codes = {"GM0363", "GM0344", "GM0599"};
  auto add_month = [&](int month) {
    for (const std::string& code : codes) {
      Append(booo::testing::GooPlaces(absl::StrCat(code, "-", month), code, code + "-L",
                                      Day(2023, month, 1), Day(2023, month, 28), month,
                                      Day(2023, month + 1, 1)));
    }
  };
  auto expect_equal = [&] {
    for (const std::string& code : codes) {
      booo::v1::GetGrantRequest request;
      request.set_municipality_code(code);
      request.set_spending_year(2023);
      *request.mutable_known_at()->mutable_business_date() = Day(2100, 1, 1);  // not cached
      auto a = tight.grants.GetGrant(request);
      auto b = projection_.grants.GetGrant(request);
      ASSERT_TRUE(a.ok() && b.ok()) << a.status() << " / " << b.status();
      EXPECT_EQ(a->SerializeAsString(), b->SerializeAsString()) << code;
      EXPECT_LE(tight.state.parsed_events_held(), 3u);
    }
  };
  add_month(1);
  add_month(2);
  expect_equal();  // each stream of 2 evicts the one before
  EXPECT_EQ(tight.state.parsed_events_held(), 2u);
  add_month(3);  // the last stream parsed grows: extended from its parsed prefix
  expect_equal();
  EXPECT_EQ(tight.state.parsed_events_held(), 3u);
  EXPECT_GT(projection_.state.parsed_events_held(), 3u);  // the default bound keeps all
  auto balances = tight.grants.ListBalances({});
  auto reference = projection_.grants.ListBalances({});
  ASSERT_TRUE(balances.ok() && reference.ok());
  EXPECT_EQ(balances->SerializeAsString(), reference->SerializeAsString());
}

// The head cache's traces are bounded by weight, not only by count: past the bound the oldest
// entries drop their traces (and bytes) and keep the rest of the answer; a query of one of them
// computes the trace again, and every answer stays what a fresh computation gives.
TEST_F(ProjectionCacheTest, CachedTracesStayWithinTheirWeight) {
  const std::vector<std::string> codes = {"GM0363", "GM0344", "GM0599"};
  for (const std::string& code : codes) {
    Append(booo::testing::GooPlaces(code + "-1", code, code + "-L", Day(2023, 1, 1),
                                    Day(2023, 1, 31), 10, Day(2023, 2, 1)));
  }
  auto weight_of = [&](const std::string& code) {
    Queries alone(&log_);
    booo::v1::GetGrantRequest request;
    request.set_municipality_code(code);
    request.set_spending_year(2023);
    EXPECT_TRUE(alone.grants.GetGrantSerialized(request).ok());
    return alone.grants.cached_trace_weight();
  };
  const size_t one = weight_of("GM0363");
  ASSERT_GT(one, 0u);
  // Room for about two of them.
  Queries tight(&log_, {}, {.max_cached_trace_bytes = 2 * one + one / 2});
  for (int round = 0; round < 2; ++round) {
    for (const std::string& code : codes) {
      booo::v1::GetGrantRequest request;
      request.set_municipality_code(code);
      request.set_spending_year(2023);
      auto cached = tight.grants.GetGrantSerialized(request);
      ASSERT_TRUE(cached.ok()) << cached.status();
      booo::v1::GetGrantResponse parsed;
      ASSERT_TRUE(parsed.ParseFromString(*cached->bytes + cached->tail));
      auto reference = projection_.grants.GetGrant(request);
      ASSERT_TRUE(reference.ok());
      EXPECT_EQ(parsed.SerializeAsString(), reference->SerializeAsString()) << code;
      EXPECT_LE(tight.grants.cached_trace_weight(), 2 * one + one / 2);
      EXPECT_GT(tight.grants.cached_trace_weight(), 0u);
    }
  }
  // Below any one entry's weight, the most recent entry still keeps its traces.
  Queries tiny(&log_, {}, {.max_cached_trace_bytes = 1});
  for (const std::string& code : codes) {
    booo::v1::GetGrantRequest request;
    request.set_municipality_code(code);
    request.set_spending_year(2023);
    ASSERT_TRUE(tiny.grants.GetGrantSerialized(request).ok());
    EXPECT_EQ(tiny.grants.cached_trace_weight(), weight_of(code));
  }
  // The top levels of an entry whose whole trace was evicted come from its kept cut, and are
  // the same cut a fresh computation gives.
  for (uint32_t depth : {1u, 2u}) {
    for (const std::string& code : codes) {
      booo::v1::GetGrantRequest request;
      request.set_municipality_code(code);
      request.set_spending_year(2023);
      request.set_trace_depth(depth);
      auto kept = tiny.grants.GetGrant(request);
      *request.mutable_known_at()->mutable_business_date() = Day(2100, 1, 1);
      auto fresh = projection_.grants.GetGrant(request);
      ASSERT_TRUE(kept.ok() && fresh.ok()) << kept.status() << " / " << fresh.status();
      EXPECT_EQ(kept->trace().SerializeAsString(), fresh->trace().SerializeAsString())
          << code << " depth " << depth;
      EXPECT_EQ(kept->settlement().SerializeAsString(), fresh->settlement().SerializeAsString());
      EXPECT_EQ(kept->vat_fund().SerializeAsString(), fresh->vat_fund().SerializeAsString());
      EXPECT_EQ(kept->balance_cents(), fresh->balance_cents());
      EXPECT_GT(kept->trace().children_size(), 0);
    }
  }
  EXPECT_EQ(tiny.grants.cached_trace_weight(), weight_of(codes.back()));  // nothing recomputed whole
}

// A query whose caller stopped waiting is given up (replay/calc/stop_when.h): CANCELLED,
// nothing of it cached, and the same query answers in full once asked again. A stream whose
// client stops after the first chunk (its top levels kept, its whole trace evicted) does not
// have the rest computed for nobody.
TEST_F(ProjectionCacheTest, AQueryWhoseCallerStoppedIsGivenUp) {
  const std::vector<std::string> codes = {"GM0363", "GM0344"};
  for (int month = 1; month <= 3; ++month) {
    for (const std::string& code : codes) {
      Append(booo::testing::GooPlaces(absl::StrCat(code, "-", month), code, code + "-L",
                                      Day(2023, month, 1), Day(2023, month, 28), 10,
                                      Day(2023, month + 1, 1)));
    }
  }
  booo::v1::GetGrantRequest request;
  request.set_municipality_code("GM0363");
  request.set_spending_year(2023);
  {
    // Stopped before anything was read: the stream's facts are not even read back.
    int asked = 0;
    replay::StopWhen stop([&] {
      ++asked;
      return true;
    });
    auto answer = projection_.grants.GetGrant(request);
    EXPECT_EQ(answer.status().code(), absl::StatusCode::kCancelled) << answer.status();
    EXPECT_EQ(asked, 1);
    EXPECT_EQ(projection_.state.parsed_events_held(), 0u);
  }
  EXPECT_EQ(projection_.grants.cached_trace_weight(), 0u);
  auto answer = projection_.grants.GetGrant(request);
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_GT(answer->trace().children_size(), 0);

  // Room for one whole trace: GM0344's evicts GM0363's, whose top levels stay.
  Queries tiny(&log_, {}, {.max_cached_trace_bytes = 1});
  for (const char* code : {"GM0363", "GM0344"}) {
    booo::v1::GetGrantRequest whole = request;
    whole.set_municipality_code(code);
    ASSERT_TRUE(tiny.grants.GetGrantSerialized(whole).ok());
  }
  const size_t weight = tiny.grants.cached_trace_weight();
  std::vector<booo::v1::GrantTraceChunk> chunks;
  bool stopped = false;
  {
    replay::StopWhen stop([&] { return stopped; });
    const absl::Status streamed =
        tiny.grants.StreamGrantTrace(request, [&](const booo::v1::GrantTraceChunk& chunk) {
          chunks.push_back(chunk);
          stopped = true;  // the client reads the first chunk and goes
          return true;
        });
    EXPECT_EQ(streamed.code(), absl::StatusCode::kCancelled) << streamed;
  }
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_TRUE(chunks[0].has_answer());
  EXPECT_EQ(chunks[0].answer().trace_digest(), answer->trace_digest());
  EXPECT_EQ(tiny.grants.cached_trace_weight(), weight);  // nothing computed was kept
  // Asked again with nobody stopping, the whole trace streams.
  chunks.clear();
  ASSERT_TRUE(tiny.grants
                  .StreamGrantTrace(request,
                                    [&](const booo::v1::GrantTraceChunk& chunk) {
                                      chunks.push_back(chunk);
                                      return true;
                                    })
                  .ok());
  EXPECT_GT(chunks.size(), 1u);
}

}  // namespace
}  // namespace booo::wire
