// W3C traceparent parsing (https://www.w3.org/TR/trace-context/#traceparent-header) and new
// spans, and the token buckets the gRPC port and the tiles listener share.
#include "services/trace_context.h"

#include "gtest/gtest.h"
#include "services/rate_limiter.h"

namespace booo::services {
namespace {

TEST(TraceparentTest, ReadsTheSpecificationsExample) {
  std::optional<ParsedTraceparent> parsed =
      ParseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(parsed->parent_id, "00f067aa0ba902b7");
  EXPECT_TRUE(parsed->sampled);
  EXPECT_FALSE(ParseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")
                   ->sampled);
}

TEST(TraceparentTest, RefusesWhatTheSpecificationRefuses) {
  for (const char* header : {
           "",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",        // no flags
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-xx",  // 00 is exactly 55
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",     // zero trace id
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",     // zero parent id
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",     // upper case
           "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",     // version ff
           "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
           "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",
       }) {
    EXPECT_FALSE(ParseTraceparent(header).has_value()) << header;
  }
}

TEST(TraceparentTest, ReadsALaterVersionByItsFirstFields) {
  std::optional<ParsedTraceparent> parsed =
      ParseTraceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-comes");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
}

TEST(TraceparentTest, ANewSpanKeepsTheTraceOrStartsOne) {
  const TraceContext fresh = StartSpan(std::nullopt);
  EXPECT_EQ(fresh.trace_id.size(), 32u);
  EXPECT_EQ(fresh.span_id.size(), 16u);
  EXPECT_TRUE(fresh.parent_span_id.empty());
  EXPECT_TRUE(ParseTraceparent(fresh.Traceparent()).has_value()) << fresh.Traceparent();
  EXPECT_NE(StartSpan(std::nullopt).trace_id, fresh.trace_id);

  const TraceContext child = StartSpan(ParseTraceparent(fresh.Traceparent()));
  EXPECT_EQ(child.trace_id, fresh.trace_id);
  EXPECT_EQ(child.parent_span_id, fresh.span_id);
  EXPECT_NE(child.span_id, fresh.span_id);
}

TEST(TraceparentTest, ALogLineKnowsItsCallOnlyOnItsThread) {
  const TraceContext trace = StartSpan(std::nullopt);
  SetCurrentTrace(trace);
  ASSERT_NE(CurrentTrace(), nullptr);
  EXPECT_EQ(CurrentTrace()->span_id, trace.span_id);
  ClearCurrentTrace("0000000000000001");  // another call's: kept
  EXPECT_NE(CurrentTrace(), nullptr);
  ClearCurrentTrace(trace.span_id);
  EXPECT_EQ(CurrentTrace(), nullptr);
}

TEST(RateLimiterTest, AllowsTheBurstThenTheRateAndSaysHowLongToWait) {
  RateLimiter limiter(/*rate=*/10, /*burst=*/3);
  const int64_t t0 = 1'000'000;
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(limiter.Take("a", t0).has_value()) << i;
  std::optional<double> wait = limiter.Take("a", t0);
  ASSERT_TRUE(wait.has_value());
  EXPECT_DOUBLE_EQ(*wait, 100);  // one token at 10 per second
  EXPECT_FALSE(limiter.Take("b", t0).has_value()) << "another key has its own bucket";
  EXPECT_FALSE(limiter.Take("a", t0 + 100'000).has_value()) << "a token 100 ms later";
  EXPECT_TRUE(limiter.Take("a", t0 + 100'000).has_value());
  EXPECT_FALSE(RateLimiter(0, 0).Take("a", t0).has_value()) << "rate 0: no limit";
}

}  // namespace
}  // namespace booo::services
