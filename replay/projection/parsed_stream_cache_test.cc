// ParsedStreamCache: hits, extension of a stream that grew, the bound on events held, which
// stream is evicted first, and that a failed parse keeps nothing.
#include "replay/projection/parsed_stream_cache.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/support/event_factory.h"

namespace booo::replay {
namespace {

// Adds records [from, size) of a stream whose events are places declarations p0, p1, ...
struct Loader {
  size_t size;
  int calls = 0;
  size_t parsed = 0;  // records made in all
  absl::Status operator()(StreamRecords& records, size_t from) {
    ++calls;
    EXPECT_EQ(records.records().size(), from);
    for (size_t i = from; i < size; ++i) {
      booo::v1::EventBody body =
          booo::testing::PlacesBody(absl::StrCat("p", i), booo::testing::TestKey(3), "GM0363", 1);
      records.Add(EventRef{i, 0, "", "", 0}, std::move(body));
      ++parsed;
    }
    return absl::OkStatus();
  }
};

TEST(ParsedStreamCacheTest, AHitParsesNothing) {
  ParsedStreamCache cache(100);
  Loader load{3};
  auto first = cache.Get("GM0363", 3, std::ref(load));
  ASSERT_TRUE(first.ok());
  auto again = cache.Get("GM0363", 3, std::ref(load));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(first->get(), again->get());
  EXPECT_EQ(load.calls, 1);
  EXPECT_EQ(cache.events_held(), 3u);
}

TEST(ParsedStreamCacheTest, AStreamThatGrewIsExtendedFromItsPrefix) {
  ParsedStreamCache cache(100);
  Loader load{2};
  ASSERT_TRUE(cache.Get("GM0363", 2, std::ref(load)).ok());
  load.size = 5;
  auto grown = cache.Get("GM0363", 5, std::ref(load));
  ASSERT_TRUE(grown.ok());
  EXPECT_EQ((*grown)->records().size(), 5u);
  EXPECT_EQ(load.parsed, 5u);  // 2, then only the 3 new ones
  EXPECT_EQ((*grown)->records()[4].ref.sequence, 4u);
  EXPECT_EQ(cache.events_held(), 5u);
}

TEST(ParsedStreamCacheTest, EvictsTheLeastRecentlyUsedBeyondTheBound) {
  ParsedStreamCache cache(5);
  Loader a{3}, b{2}, c{2};
  auto held_a = cache.Get("A", 3, std::ref(a));
  ASSERT_TRUE(held_a.ok());
  ASSERT_TRUE(cache.Get("B", 2, std::ref(b)).ok());
  EXPECT_EQ(cache.events_held(), 5u);
  ASSERT_TRUE(cache.Get("A", 3, std::ref(a)).ok());  // A is now the more recent
  ASSERT_TRUE(cache.Get("C", 2, std::ref(c)).ok());  // 7 > 5: B goes, A stays
  EXPECT_EQ(cache.events_held(), 5u);
  ASSERT_TRUE(cache.Get("A", 3, std::ref(a)).ok());
  EXPECT_EQ(a.calls, 1);
  ASSERT_TRUE(cache.Get("B", 2, std::ref(b)).ok());  // parsed again
  EXPECT_EQ(b.calls, 2);
  // A stream larger than the bound is still kept while it is the one asked for.
  Loader big{9};
  ASSERT_TRUE(cache.Get("BIG", 9, std::ref(big)).ok());
  EXPECT_EQ(cache.events_held(), 9u);
  // An evicted stream's records stay alive for whoever holds them.
  EXPECT_EQ((*held_a)->records().size(), 3u);
}

TEST(ParsedStreamCacheTest, AFailedParseKeepsNothing) {
  ParsedStreamCache cache(100);
  auto failed = cache.Get("GM0363", 2, [](StreamRecords&, size_t) {
    return absl::DataLossError("sequence 7: damaged");
  });
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(cache.events_held(), 0u);
}

}  // namespace
}  // namespace booo::replay

namespace booo::replay {
namespace {

// The memory bound: streams are evicted, least recently used first, once what they weigh passes
// it, whatever their number of events; the stream just asked for stays whatever its size.
TEST(ParsedStreamCacheTest, TheMemoryBoundEvictsTheLeastRecentlyUsed) {
  Loader probe{50};
  ParsedStreamCache unbounded(1'000'000);
  ASSERT_TRUE(unbounded.Get("probe", 50, std::ref(probe)).ok());
  const size_t one = unbounded.bytes_held();  // what a 50-event stream weighs
  ASSERT_GT(one, 0u);
  ParsedStreamCache cache(1'000'000, 2 * one + one / 2);  // room for two such streams
  Loader a{50}, b{50}, c{50};
  ASSERT_TRUE(cache.Get("A", 50, std::ref(a)).ok());
  ASSERT_TRUE(cache.Get("B", 50, std::ref(b)).ok());
  ASSERT_TRUE(cache.Get("A", 50, std::ref(a)).ok());  // A used last
  ASSERT_TRUE(cache.Get("C", 50, std::ref(c)).ok());  // B goes
  EXPECT_LE(cache.bytes_held(), 2 * one + one / 2);
  EXPECT_EQ(cache.events_held(), 100u);
  ASSERT_TRUE(cache.Get("A", 50, std::ref(a)).ok());
  EXPECT_EQ(a.calls, 1);  // still held
  ASSERT_TRUE(cache.Get("B", 50, std::ref(b)).ok());
  EXPECT_EQ(b.calls, 2);  // parsed again
  // One stream larger than the bound is kept while it is the one asked for.
  Loader big{200};
  ASSERT_TRUE(cache.Get("BIG", 200, std::ref(big)).ok());
  EXPECT_EQ(cache.events_held(), 200u);
}

}  // namespace
}  // namespace booo::replay
