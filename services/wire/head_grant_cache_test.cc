// HeadGrantCache: an entry answers only for the versions it was computed at; traces are bounded
// by count and by weight, the most recent entry keeping its traces whatever they weigh; an
// entry whose traces went keeps its row and top cut; bytes stay only beside their traces.
#include "services/wire/head_grant_cache.h"

#include <memory>
#include <string>

#include "gtest/gtest.h"

namespace booo::wire {
namespace {

HeadAnswer AnswerOf(const std::string& code, int64_t cents) {
  HeadAnswer answer;
  answer.answer.set_municipality_code(code);
  answer.answer.set_balance_cents(cents);
  auto traces = std::make_shared<GrantTraces>();
  traces->trace.set_amount_cents(cents);
  answer.traces = traces;
  return answer;
}

std::shared_ptr<const GrantTraces> TopOf(int64_t cents) {
  auto top = std::make_shared<GrantTraces>();
  top->trace.set_amount_cents(cents);
  return top;
}

TEST(HeadGrantCacheTest, AnswersOnlyForTheVersionsItWasComputedAt) {
  HeadGrantCache cache(1000);
  const HeadVersions v{3, 7};
  cache.Put({"GM0363", 2023}, v, AnswerOf("GM0363", 10), TopOf(10), 100);
  ASSERT_TRUE(cache.Whole({"GM0363", 2023}, v).has_value());
  EXPECT_EQ(cache.Whole({"GM0363", 2023}, v)->answer.balance_cents(), 10);
  EXPECT_FALSE(cache.Whole({"GM0363", 2023}, HeadVersions{4, 7}).has_value());  // a new rule
  EXPECT_FALSE(cache.Whole({"GM0363", 2023}, HeadVersions{3, 8}).has_value());  // a new fact
  EXPECT_FALSE(cache.Row({"GM0363", 2024}, v).has_value());
  ASSERT_TRUE(cache.Row({"GM0363", 2023}, v).has_value());
  EXPECT_EQ(cache.Row({"GM0363", 2023}, v)->balance_cents(), 10);
  EXPECT_EQ(cache.weight(), 100u);
}

TEST(HeadGrantCacheTest, TracesStayWithinTheWeightAndTheNewestKeepsItsOwn) {
  HeadGrantCache cache(250);
  const HeadVersions v{1, 1};
  cache.Put({"A", 2023}, v, AnswerOf("A", 1), TopOf(1), 100);
  cache.Put({"B", 2023}, v, AnswerOf("B", 2), TopOf(2), 100);
  EXPECT_EQ(cache.weight(), 200u);
  cache.Put({"C", 2023}, v, AnswerOf("C", 3), TopOf(3), 100);  // 300 > 250: A's traces go
  EXPECT_EQ(cache.weight(), 200u);
  EXPECT_FALSE(cache.Whole({"A", 2023}, v).has_value());
  // A keeps the rest: its row and its top cut.
  ASSERT_TRUE(cache.Row({"A", 2023}, v).has_value());
  ASSERT_TRUE(cache.Top({"A", 2023}, v).has_value());
  EXPECT_EQ(cache.Top({"A", 2023}, v)->traces->trace.amount_cents(), 1);
  // One entry heavier than the whole bound still keeps its traces while it is the newest.
  cache.Put({"D", 2023}, v, AnswerOf("D", 4), TopOf(4), 10'000);
  EXPECT_TRUE(cache.Whole({"D", 2023}, v).has_value());
  EXPECT_EQ(cache.entries_with_traces(), 1u);
  EXPECT_EQ(cache.weight(), 10'000u);
}

TEST(HeadGrantCacheTest, TracesStayWithinTheCount) {
  HeadGrantCache cache(1'000'000, /*max_traces=*/2);
  const HeadVersions v{1, 1};
  for (int i = 0; i < 5; ++i) {
    cache.Put({"GM000" + std::to_string(i), 2023}, v, AnswerOf("x", i), TopOf(i), 1);
  }
  EXPECT_EQ(cache.entries_with_traces(), 2u);
  EXPECT_TRUE(cache.Whole({"GM0004", 2023}, v).has_value());
  EXPECT_FALSE(cache.Whole({"GM0002", 2023}, v).has_value());
}

TEST(HeadGrantCacheTest, BytesStayOnlyBesideTheTracesTheyWereMadeFrom) {
  HeadGrantCache cache(1000);
  const HeadVersions v{1, 1};
  const HeadAnswer first = AnswerOf("A", 1);
  cache.Put({"A", 2023}, v, first, TopOf(1), 100);
  auto bytes = std::make_shared<const std::string>(50, 'x');
  // Made from other traces (the entry was recomputed meanwhile): not kept.
  cache.PutBytes({"A", 2023}, v, AnswerOf("A", 1).traces, bytes);
  EXPECT_EQ(cache.Bytes({"A", 2023}, v), nullptr);
  cache.PutBytes({"A", 2023}, v, first.traces, bytes);
  EXPECT_EQ(cache.Bytes({"A", 2023}, v), bytes);
  EXPECT_EQ(cache.weight(), 150u);
  EXPECT_EQ(cache.Bytes({"A", 2023}, HeadVersions{2, 1}), nullptr);
  // Replacing the entry drops its bytes and their weight.
  cache.Put({"A", 2023}, HeadVersions{2, 1}, AnswerOf("A", 5), TopOf(5), 100);
  EXPECT_EQ(cache.weight(), 100u);
  EXPECT_EQ(cache.Bytes({"A", 2023}, HeadVersions{2, 1}), nullptr);
}

}  // namespace
}  // namespace booo::wire
