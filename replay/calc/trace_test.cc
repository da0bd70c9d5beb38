#include "replay/calc/trace.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "replay/calc/money.h"
#include "replay/calc/trace_render.h"

namespace booo::replay {
namespace {

using ::testing::HasSubstr;

TraceNode Sample() {
  TraceNode root = MakeNode("grant", "grant");
  TraceNode a = MakeLeaf("a", "norm", 30'876'000, "120 places × 31 days × €83.00 = €308,760.00");
  a.add_sources()->set_sequence(7);
  TraceNode b = MakeLeaf("b", "finding, with \"quotes\", commas", -100, "excluded");
  *root.add_children() = a;
  *root.add_children() = b;
  EXPECT_TRUE(SumChildren(root).ok());
  ComputeDigests(root);
  return root;
}

TEST(MoneyTest, FormatsEurosAndDeviations) {
  EXPECT_EQ(FormatEuros(30'876'000), "€308,760.00");
  EXPECT_EQ(FormatEuros(-5), "-€0.05");
  EXPECT_EQ(FormatEuros(0), "€0.00");
  EXPECT_EQ(FormatEuros(INT64_MIN), "-€92,233,720,368,547,758.08");
  EXPECT_EQ(FormatDeviationPercent(280, 302), "-7.28 %");
  EXPECT_EQ(FormatDeviationPercent(110, 100), "+10.00 %");
  EXPECT_EQ(FormatDeviationPercent(1, 0), "n/a");
  // 10^14 against 1 cent: 10^18 basis points, beyond what a naive 64-bit cast would keep.
  EXPECT_EQ(FormatDeviationPercent(100'000'000'000'000, 1), "+9,999,999,999,999,900.00 %");
}

TEST(MoneyTest, CheckedArithmeticRefusesOverflow) {
  EXPECT_EQ(CheckedAdd(INT64_MAX, 1, "x").status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(CheckedMul3(100'000'000'000'000, 10'000'000, 31, "x").status().code(),
            absl::StatusCode::kOutOfRange);
  EXPECT_EQ(*CheckedMul3(120, 31, 8300, "x"), 30'876'000);
  // The pro-rata pieces of one amount add up to it.
  EXPECT_EQ(ProRataFloor(36'500'000, 184, 366) + (36'500'000 - ProRataFloor(36'500'000, 184, 366)),
            36'500'000);
  EXPECT_EQ(ProRataFloor(100'000'000'000'000, 73'000, 73'001), 99'998'630'155'751);
}

TEST(TraceTest, ParentsCarryTheSumOfTheirChildren) {
  TraceNode root = Sample();
  EXPECT_EQ(root.amount_cents(), 30'875'900);
  EXPECT_TRUE(CheckSums(root).ok());
  root.mutable_children(0)->set_amount_cents(1);
  EXPECT_EQ(CheckSums(root).code(), absl::StatusCode::kInternal);
}

TEST(TraceTest, DigestCoversEveryFieldAndTheChildren) {
  const TraceNode root = Sample();
  EXPECT_EQ(root.digest().size(), 32u);
  TraceNode changed = root;
  changed.mutable_children(0)->mutable_sources(0)->set_sequence(8);
  ComputeDigests(changed);
  EXPECT_NE(changed.digest(), root.digest());
  EXPECT_EQ(changed.children(1).digest(), root.children(1).digest());
  TraceNode same = Sample();
  EXPECT_EQ(same.digest(), root.digest());
}

TEST(TraceTest, SummaryAndPathsFindNodes) {
  const TraceNode root = Sample();
  auto summary = Summarize(root, 1);
  ASSERT_EQ(summary.size(), 3u);
  EXPECT_EQ(summary[1].path(), "grant/a");
  EXPECT_EQ(FindNode(root, "grant/b")->amount_cents(), -100);
  EXPECT_EQ(FindNode(root, "grant/c"), nullptr);
  EXPECT_EQ(MakeNode("LOC/1", "x").key(), "LOC%2F1");
  EXPECT_NE(MakeNode("A/B", "x").key(), MakeNode("A_B", "x").key());
}

TEST(TraceTest, RendersTextAndCsv) {
  const TraceNode root = Sample();
  const std::string text = RenderTraceText(root);
  EXPECT_THAT(text, HasSubstr("€308,759.00  grant\n"));
  EXPECT_THAT(text, HasSubstr("    = 120 places × 31 days × €83.00 = €308,760.00\n"));
  const std::string csv = RenderTraceCsv(root);
  EXPECT_THAT(csv, HasSubstr("grant/a,30876000,\"€308,760.00\",\"120 places × 31 days × €83.00 = "
                             "€308,760.00\",,7::,\r\n"));
  EXPECT_THAT(csv, HasSubstr("grant/b,-100,-€1.00,excluded"));
}

}  // namespace
}  // namespace booo::replay
