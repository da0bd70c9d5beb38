// AppendBatch end to end: a batch is admitted whole, in order, in one group commit, or nothing of
// it is written; its refusal names the event; retries get their receipts; concurrent batches and
// single appends keep the log dense and the tree whole.
#include <atomic>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ledger/core/merkle.h"
#include "tests/integration/test_ledger_env.h"

namespace booo::testing {
namespace {

using grpc::StatusCode;

class AppendBatchTest : public LedgerServerTest {
 protected:
  void SetUp() override {
    LedgerServerTest::SetUp();
    RegisterStandardKeys();
  }
  static void Add(booo::v1::AppendBatchRequest& request, const SignedBytes& event) {
    booo::v1::SignedEvent* e = request.add_events();
    e->set_body(event.body);
    e->set_signature(event.signature);
  }
  booo::v1::AppendBatchRequest Batch(const std::string& prefix, int n, uint64_t first_version) {
    booo::v1::AppendBatchRequest request;
    for (int i = 0; i < n; ++i) {
      auto body = PlacesBody(absl::StrCat(prefix, "-", i), amsterdam_, "GM0363", 10 + i);
      body.set_expected_stream_version(first_version + i);  // each sees the one before it
      Add(request, Sign(body, amsterdam_));
    }
    return request;
  }
  grpc::Status Send(const booo::v1::AppendBatchRequest& request,
                    booo::v1::AppendBatchResponse* response) {
    grpc::ClientContext context;
    return stub_->AppendBatch(&context, request, response);
  }
  bool Recorded(const std::string& event_id) {
    grpc::ClientContext context;
    booo::v1::GetEventRequest request;
    request.set_event_id(event_id);
    booo::v1::StoredEvent event;
    return stub_->GetEvent(&context, request, &event).ok();
  }
  // Asserts a refusal naming events[index], and that the log did not move.
  void ExpectRefused(const booo::v1::AppendBatchRequest& request, StatusCode code, int index,
                     const std::string& reason) {
    const uint64_t before = TreeSize();
    booo::v1::AppendBatchResponse response;
    grpc::Status status = Send(request, &response);
    EXPECT_EQ(status.error_code(), code) << status.error_message();
    EXPECT_TRUE(absl::StartsWith(status.error_message(), absl::StrCat("events[", index, "]: ")))
        << status.error_message();
    EXPECT_NE(status.error_message().find(reason), std::string::npos) << status.error_message();
    EXPECT_EQ(TreeSize(), before);
  }
};

TEST_F(AppendBatchTest, AdmitsTheWholeBatchInOrderInOneGroup) {
  const uint64_t before = TreeSize();
  booo::v1::AppendBatchResponse response;
  ASSERT_TRUE(Send(Batch("day1", 5, 0), &response).ok());
  ASSERT_EQ(response.results_size(), 5);
  for (int i = 0; i < 5; ++i) {
    const booo::v1::Receipt& r = response.results(i).receipt();
    EXPECT_EQ(r.sequence(), before + i);
    EXPECT_EQ(r.stream_version(), static_cast<uint64_t>(i + 1));
    EXPECT_EQ(r.event_id(), absl::StrCat("day1-", i));
    EXPECT_EQ(r.recorded_at_micros(), response.results(0).receipt().recorded_at_micros());
    EXPECT_FALSE(response.results(i).duplicate());
  }
  EXPECT_EQ(TreeSize(), before + 5);
}

TEST_F(AppendBatchTest, ARefusedEventRefusesTheBatchAndWritesNothing) {
  // Caught before queueing: a bad signature on the third event.
  booo::v1::AppendBatchRequest bad_signature = Batch("sig", 4, 0);
  std::string signature = bad_signature.events(2).signature();
  signature[0] ^= 1;
  bad_signature.mutable_events(2)->set_signature(signature);
  ExpectRefused(bad_signature, StatusCode::UNAUTHENTICATED, 2, "signature");
  // Caught by the writer, after events 0 and 1 were admitted in the group: a stale stream
  // version, an event id recorded with other bytes, the same id twice in the batch.
  booo::v1::AppendBatchRequest stale = Batch("stale", 3, 0);
  auto body = PlacesBody("stale-3", amsterdam_, "GM0363", 1);
  body.set_expected_stream_version(7);
  Add(stale, Sign(body, amsterdam_));
  ExpectRefused(stale, StatusCode::ABORTED, 3, "expected_stream_version");
  ASSERT_TRUE(Append(PlacesBody("taken", amsterdam_, "GM0363", 1), amsterdam_).ok());
  booo::v1::AppendBatchRequest taken;
  Add(taken, Sign(PlacesBody("fresh-a", amsterdam_, "GM0363", 1), amsterdam_));
  Add(taken, Sign(PlacesBody("taken", amsterdam_, "GM0363", 2), amsterdam_));
  ExpectRefused(taken, StatusCode::ALREADY_EXISTS, 1, "event_id");
  booo::v1::AppendBatchRequest twice;
  Add(twice, Sign(PlacesBody("twice", amsterdam_, "GM0363", 1), amsterdam_));
  Add(twice, Sign(PlacesBody("twice", amsterdam_, "GM0363", 2), amsterdam_));
  ExpectRefused(twice, StatusCode::ALREADY_EXISTS, 1, "event_id");
  for (const char* id : {"sig-0", "sig-1", "stale-0", "stale-1", "stale-2", "fresh-a", "twice"}) {
    EXPECT_FALSE(Recorded(id)) << id;
  }
  // The log goes on densely from where it was, and the tree is whole: the next batch's events
  // take the next sequences and are provable.
  const uint64_t before = TreeSize();
  booo::v1::AppendBatchResponse response;
  ASSERT_TRUE(Send(Batch("after", 2, 1), &response).ok());
  EXPECT_EQ(response.results(0).receipt().sequence(), before);
  grpc::ClientContext context;
  booo::v1::GetInclusionProofRequest proof_request;
  proof_request.set_sequence(before + 1);
  proof_request.set_tree_size(before + 2);
  booo::v1::InclusionProof proof;
  ASSERT_TRUE(stub_->GetInclusionProof(&context, proof_request, &proof).ok());
  grpc::ClientContext checkpoint_context;
  booo::v1::Checkpoint checkpoint;
  ASSERT_TRUE(stub_->GetCheckpoint(&checkpoint_context, {}, &checkpoint).ok());
  ASSERT_EQ(checkpoint.tree_size(), before + 2);
  std::vector<ledger::Hash> path;
  for (const auto& h : proof.hashes()) path.push_back(*ledger::HashFromBytes(h));
  EXPECT_TRUE(ledger::VerifyInclusion(
                  *ledger::HashFromBytes(response.results(1).receipt().leaf_hash()), before + 1,
                  before + 2, path, *ledger::HashFromBytes(checkpoint.root_hash()))
                  .ok());
}

TEST_F(AppendBatchTest, RetriesGetTheirReceipts) {
  const booo::v1::AppendBatchRequest batch = Batch("retry", 3, 0);
  booo::v1::AppendBatchResponse first, second;
  ASSERT_TRUE(Send(batch, &first).ok());
  clock_.Advance(1'000'000);
  ASSERT_TRUE(Send(batch, &second).ok());
  ASSERT_EQ(second.results_size(), 3);
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(second.results(i).duplicate());
    EXPECT_EQ(second.results(i).receipt().SerializeAsString(),
              first.results(i).receipt().SerializeAsString());
  }
  // A retry that carries one new event: the recorded ones are duplicates, the new one admitted.
  booo::v1::AppendBatchRequest more = batch;
  Add(more, Sign(PlacesBody("retry-new", amsterdam_, "GM0363", 3), amsterdam_));
  booo::v1::AppendBatchResponse third;
  ASSERT_TRUE(Send(more, &third).ok());
  EXPECT_TRUE(third.results(2).duplicate());
  EXPECT_FALSE(third.results(3).duplicate());
  EXPECT_EQ(third.results(3).receipt().sequence(), first.results(2).receipt().sequence() + 1);
}

TEST_F(AppendBatchTest, EmptyAndOversizedRequestsAreRefused) {
  booo::v1::AppendBatchResponse response;
  grpc::Status empty = Send({}, &response);
  EXPECT_EQ(empty.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(empty.error_message(), "events: ")) << empty.error_message();
  const uint64_t before = TreeSize();
  grpc::Status large = Send(Batch("large", 257, 0), &response);
  EXPECT_EQ(large.error_code(), StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(large.error_message(), "events: 257 exceed the limit of 256 per request");
  EXPECT_EQ(TreeSize(), before);
  ASSERT_TRUE(Send(Batch("full", 256, 0), &response).ok());
  EXPECT_EQ(TreeSize(), before + 256);
}

// Batches that fail in the writer roll back only themselves: with good batches, bad batches and
// single appends racing into the same groups, every good event is in the log, no bad one is,
// and sequences stay dense.
// Stream heads are written once per group: after admitted and refused batches on one stream
// (sent together, so they often share a group), a restart still knows the stream's version.
TEST_F(AppendBatchTest, StreamVersionsSurviveARestartAfterMixedBatches) {
  constexpr int kPairs = 8;
  std::vector<std::thread> threads;
  for (int t = 0; t < kPairs; ++t) {
    threads.emplace_back([&, t] {
      booo::v1::AppendBatchRequest admitted, refused;
      for (int i = 0; i < 2; ++i) {
        Add(admitted, Sign(PlacesBody(absl::StrCat("mix-ok-", t, "-", i), amsterdam_, "GM0363", 1),
                           amsterdam_));
      }
      for (int i = 0; i < 3; ++i) {
        Add(refused, Sign(PlacesBody(absl::StrCat("mix-no-", t, "-", i % 2), amsterdam_,
                                     "GM0363", 1 + i),
                          amsterdam_));  // the last reuses an id with other bytes
      }
      booo::v1::AppendBatchResponse a, r;
      EXPECT_TRUE(Send(admitted, &a).ok());
      EXPECT_EQ(Send(refused, &r).error_code(), StatusCode::ALREADY_EXISTS);
    });
  }
  for (auto& t : threads) t.join();
  StopServer();
  StartServer();
  auto stale = PlacesBody("mix-after-stale", amsterdam_, "GM0363", 1);
  stale.set_expected_stream_version(2 * kPairs - 1);
  EXPECT_EQ(Append(stale, amsterdam_).error_code(), StatusCode::ABORTED);
  auto current = PlacesBody("mix-after", amsterdam_, "GM0363", 1);
  current.set_expected_stream_version(2 * kPairs);
  grpc::Status s = Append(current, amsterdam_);
  EXPECT_TRUE(s.ok()) << s.error_message();
}

TEST_F(AppendBatchTest, ConcurrentBatchesRollBackOnlyThemselves) {
  const uint64_t before = TreeSize();
  constexpr int kThreads = 6;
  constexpr int kRounds = 10;
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < kRounds; ++round) {
        const std::string prefix = absl::StrCat("t", t, "-r", round);
        booo::v1::AppendBatchRequest request;
        for (int i = 0; i < 3; ++i) {
          Add(request, Sign(PlacesBody(absl::StrCat(prefix, "-", i), utrecht_, "GM0344", 1),
                            utrecht_));
        }
        if (t % 2 == 1) {  // the last event reuses the first one's id with other bytes
          Add(request, Sign(PlacesBody(absl::StrCat(prefix, "-0"), utrecht_, "GM0344", 2),
                            utrecht_));
        }
        booo::v1::AppendBatchResponse response;
        grpc::ClientContext context;
        grpc::Status status = stub_->AppendBatch(&context, request, &response);
        if (t % 2 == 0) {
          EXPECT_TRUE(status.ok()) << status.error_message();
          admitted += response.results_size();
        } else {
          EXPECT_EQ(status.error_code(), StatusCode::ALREADY_EXISTS);
        }
        if (t == 0) {  // single appends in between
          grpc::Status s =
              Append(PlacesBody(prefix + "-single", amsterdam_, "GM0363", 1), amsterdam_);
          EXPECT_TRUE(s.ok()) << s.error_message();
          ++admitted;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(TreeSize(), before + admitted.load());
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(Recorded(absl::StrCat("t", t, "-r0-1")), t % 2 == 0) << t;
  }
  // Dense: every sequence up to the head reads back.
  grpc::ClientContext context;
  booo::v1::ReadEventsRequest request;
  request.set_start(before);
  request.set_max_events(1000);
  booo::v1::ReadEventsResponse page;
  ASSERT_TRUE(stub_->ReadEvents(&context, request, &page).ok());
  ASSERT_EQ(page.events_size(), admitted.load());
  for (int i = 0; i < page.events_size(); ++i) EXPECT_EQ(page.events(i).sequence(), before + i);
}

}  // namespace
}  // namespace booo::testing
