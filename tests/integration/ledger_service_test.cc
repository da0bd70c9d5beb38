// The Ledger service end to end: reads, idempotent retries, optimistic concurrency,
// corrections, subscriptions across catch-up and live, checkpoints and proofs across a restart.
#include <atomic>
#include <thread>
#include <vector>

#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "ledger/core/checkpoint.h"
#include "ledger/core/leaf_format.h"
#include "ledger/core/merkle.h"
#include "tests/integration/test_ledger_env.h"

namespace booo::testing {
namespace {

using grpc::StatusCode;

std::vector<ledger::Hash> Hashes(const google::protobuf::RepeatedPtrField<std::string>& raw) {
  std::vector<ledger::Hash> out;
  for (const auto& bytes : raw) out.push_back(*ledger::HashFromBytes(bytes));
  return out;
}

class LedgerServiceTest : public LedgerServerTest {
 protected:
  void SetUp() override {
    LedgerServerTest::SetUp();
    RegisterStandardKeys();
  }
  booo::v1::StoredEvent Get(uint64_t sequence) {
    grpc::ClientContext context;
    booo::v1::GetEventRequest request;
    request.set_sequence(sequence);
    booo::v1::StoredEvent event;
    EXPECT_TRUE(stub_->GetEvent(&context, request, &event).ok());
    return event;
  }
  booo::v1::Checkpoint Checkpoint() {
    grpc::ClientContext context;
    booo::v1::Checkpoint checkpoint;
    EXPECT_TRUE(stub_->GetCheckpoint(&context, {}, &checkpoint).ok());
    return checkpoint;
  }
};

TEST_F(LedgerServiceTest, StoresTheSignedBytesVerbatim) {
  SignedBytes event = Sign(PlacesBody("p-1", amsterdam_, "GM0363", 120), amsterdam_);
  booo::v1::AppendResponse response;
  ASSERT_TRUE(AppendRaw(event.body, event.signature, &response).ok());
  EXPECT_EQ(response.receipt().sequence(), 4u);  // genesis + 3 keys before it
  EXPECT_EQ(response.receipt().stream(), "municipality/GM0363");
  EXPECT_EQ(response.receipt().stream_version(), 1u);
  booo::v1::StoredEvent stored = Get(4);
  EXPECT_EQ(stored.body(), event.body);
  EXPECT_EQ(stored.signature(), event.signature);
  EXPECT_EQ(stored.key_id(), amsterdam_.KeyId());
  EXPECT_EQ(stored.leaf_hash(), response.receipt().leaf_hash());
  // The leaf hash is the RFC 6962 hash of the documented leaf encoding.
  auto leaf = ledger::EncodeLeaf(
      {4, stored.recorded_at_micros(), stored.key_id(), event.body, event.signature});
  const ledger::Hash hash = ledger::HashLeaf(*leaf);
  EXPECT_EQ(stored.leaf_hash(), std::string(hash.begin(), hash.end()));
}

TEST_F(LedgerServiceTest, GetsAnEventById) {
  ASSERT_TRUE(Append(PlacesBody("p-by-id", amsterdam_, "GM0363", 1), amsterdam_).ok());
  grpc::ClientContext context;
  booo::v1::GetEventRequest request;
  request.set_event_id("p-by-id");
  booo::v1::StoredEvent event;
  ASSERT_TRUE(stub_->GetEvent(&context, request, &event).ok());
  EXPECT_EQ(event.event_id(), "p-by-id");
  grpc::ClientContext missing_context;
  request.set_event_id("nope");
  EXPECT_EQ(stub_->GetEvent(&missing_context, request, &event).error_code(), StatusCode::NOT_FOUND);
  grpc::ClientContext beyond_context;
  request.set_sequence(999);
  EXPECT_EQ(stub_->GetEvent(&beyond_context, request, &event).error_code(), StatusCode::NOT_FOUND);
}

TEST_F(LedgerServiceTest, RetryWithSameIdAndBytesReturnsTheOriginalReceipt) {
  SignedBytes event = Sign(PlacesBody("p-retry", amsterdam_, "GM0363", 7), amsterdam_);
  booo::v1::AppendResponse first, second;
  ASSERT_TRUE(AppendRaw(event.body, event.signature, &first).ok());
  clock_.Advance(5'000'000);
  ASSERT_TRUE(AppendRaw(event.body, event.signature, &second).ok());
  EXPECT_FALSE(first.duplicate());
  EXPECT_TRUE(second.duplicate());
  EXPECT_EQ(first.receipt().SerializeAsString(), second.receipt().SerializeAsString());
  EXPECT_EQ(TreeSize(), 5u);
}

TEST_F(LedgerServiceTest, SameIdWithOtherBytesIsAlreadyExists) {
  ASSERT_TRUE(Append(PlacesBody("p-dup", amsterdam_, "GM0363", 7), amsterdam_).ok());
  ExpectRefused(PlacesBody("p-dup", amsterdam_, "GM0363", 8), amsterdam_,
                StatusCode::ALREADY_EXISTS, "event_id");
}

TEST_F(LedgerServiceTest, ExpectedStreamVersionMismatchIsAbortedWithCurrentVersion) {
  auto first = PlacesBody("p-v0", amsterdam_, "GM0363", 1);
  first.set_expected_stream_version(0);
  ASSERT_TRUE(Append(first, amsterdam_).ok());
  auto stale = PlacesBody("p-stale", amsterdam_, "GM0363", 2);
  stale.set_expected_stream_version(0);
  const uint64_t before = TreeSize();
  grpc::Status status = Append(stale, amsterdam_);
  EXPECT_EQ(status.error_code(), StatusCode::ABORTED);
  EXPECT_NE(status.error_message().find("is at version 1"), std::string::npos)
      << status.error_message();
  EXPECT_EQ(TreeSize(), before);
  stale.set_expected_stream_version(1);
  EXPECT_TRUE(Append(stale, amsterdam_).ok());
}

TEST_F(LedgerServiceTest, CorrectionMarksTheSupersededEvent) {
  ASSERT_TRUE(Append(PlacesBody("p-orig", amsterdam_, "GM0363", 10), amsterdam_).ok());
  auto fix = PlacesBody("p-fix", amsterdam_, "GM0363", 11);
  fix.set_supersedes_event_id("p-orig");
  booo::v1::AppendResponse response;
  ASSERT_TRUE(Append(fix, amsterdam_, &response).ok());
  booo::v1::StoredEvent original = Get(4);
  ASSERT_TRUE(original.has_superseded_by_sequence());
  EXPECT_EQ(original.superseded_by_sequence(), response.receipt().sequence());
}

TEST_F(LedgerServiceTest, ReadsByStreamAndBySequence) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(
        Append(PlacesBody("a-" + std::to_string(i), amsterdam_, "GM0363", i), amsterdam_).ok());
    ASSERT_TRUE(Append(PlacesBody("u-" + std::to_string(i), utrecht_, "GM0344", i), utrecht_).ok());
  }
  grpc::ClientContext context;
  booo::v1::ReadEventsRequest request;
  request.set_stream("municipality/GM0344");
  request.set_start(1);
  request.set_max_events(3);
  booo::v1::ReadEventsResponse page;
  ASSERT_TRUE(stub_->ReadEvents(&context, request, &page).ok());
  ASSERT_EQ(page.events_size(), 3);
  EXPECT_EQ(page.events(0).event_id(), "u-1");
  EXPECT_EQ(page.events(2).event_id(), "u-3");
  EXPECT_EQ(page.next_start(), 4u);
  EXPECT_FALSE(page.end_of_log());

  grpc::ClientContext all_context;
  booo::v1::ReadEventsRequest all;
  all.set_start(0);
  all.set_max_events(1000);
  ASSERT_TRUE(stub_->ReadEvents(&all_context, all, &page).ok());
  EXPECT_EQ(page.events_size(), 14);
  EXPECT_TRUE(page.end_of_log());
  for (int i = 0; i < page.events_size(); ++i) EXPECT_EQ(page.events(i).sequence(), uint64_t(i));

  grpc::ClientContext bad_context;
  all.set_max_events(1001);
  EXPECT_EQ(stub_->ReadEvents(&bad_context, all, &page).error_code(), StatusCode::INVALID_ARGUMENT);
}

TEST_F(LedgerServiceTest, SubscribeDeliversCatchUpThenLiveWithoutGaps) {
  for (int i = 0; i < 40; ++i) {
    ASSERT_TRUE(
        Append(PlacesBody("pre-" + std::to_string(i), amsterdam_, "GM0363", i), amsterdam_).ok());
  }
  constexpr int kLive = 120;
  const uint64_t total = TreeSize() + kLive;
  std::vector<uint64_t> seen;
  grpc::ClientContext context;
  booo::v1::SubscribeRequest request;
  request.set_start_sequence(0);
  auto reader = stub_->Subscribe(&context, request);
  std::atomic<bool> go{false};
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      while (!go.load()) std::this_thread::yield();
      const auto& key = t % 2 == 0 ? amsterdam_ : utrecht_;
      const std::string code = t % 2 == 0 ? "GM0363" : "GM0344";
      for (int i = 0; i < kLive / 4; ++i) {
        EXPECT_TRUE(
            Append(PlacesBody("live-" + std::to_string(t) + "-" + std::to_string(i), key, code, i),
                   key)
                .ok());
      }
    });
  }
  booo::v1::StoredEvent event;
  while (seen.size() < total && reader->Read(&event)) {
    seen.push_back(event.sequence());
    if (seen.size() == 10) go.store(true);  // appends race with the catch-up from here on
  }
  for (auto& w : writers) w.join();
  context.TryCancel();
  reader->Finish();
  ASSERT_EQ(seen.size(), total);
  for (uint64_t i = 0; i < total; ++i) ASSERT_EQ(seen[i], i) << "gap or reorder at " << i;
}

TEST_F(LedgerServiceTest, CheckpointIsASignedNoteOverTheCurrentTree) {
  ASSERT_TRUE(Append(PlacesBody("p-cp", amsterdam_, "GM0363", 3), amsterdam_).ok());
  booo::v1::Checkpoint cp = Checkpoint();
  auto opened = ledger::OpenCheckpoint(cp.note(), "booo-ledger.test", checkpoint_key_.PublicKey(),
                                       "booo-ledger.test/unit");
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->tree_size, 5u);
  EXPECT_EQ(std::string(opened->root_hash.begin(), opened->root_hash.end()), cp.root_hash());
  auto forged = ledger::OpenCheckpoint(cp.note(), "booo-ledger.test", root_.PublicKey(), "");
  EXPECT_FALSE(forged.ok());
}

TEST_F(LedgerServiceTest, ProofsVerifyAndSurviveARestart) {
  for (int i = 0; i < 9; ++i) {
    ASSERT_TRUE(
        Append(PlacesBody("r-" + std::to_string(i), amsterdam_, "GM0363", i), amsterdam_).ok());
  }
  const booo::v1::Checkpoint old_cp = Checkpoint();  // size 13
  StopServer();
  StartServer();
  EXPECT_EQ(Checkpoint().root_hash(), old_cp.root_hash()) << "restart changed the tree";
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(Append(PlacesBody("s-" + std::to_string(i), utrecht_, "GM0344", i), utrecht_).ok());
  }
  const booo::v1::Checkpoint new_cp = Checkpoint();
  ASSERT_EQ(new_cp.tree_size(), 19u);

  grpc::ClientContext c1;
  booo::v1::GetConsistencyProofRequest cr;
  cr.set_old_size(old_cp.tree_size());
  cr.set_new_size(new_cp.tree_size());
  booo::v1::ConsistencyProof consistency;
  ASSERT_TRUE(stub_->GetConsistencyProof(&c1, cr, &consistency).ok());
  EXPECT_TRUE(ledger::VerifyConsistency(old_cp.tree_size(), new_cp.tree_size(),
                                        Hashes(consistency.hashes()),
                                        *ledger::HashFromBytes(old_cp.root_hash()),
                                        *ledger::HashFromBytes(new_cp.root_hash()))
                  .ok());

  for (uint64_t sequence : {0u, 7u, 12u, 18u}) {
    grpc::ClientContext c2;
    booo::v1::GetInclusionProofRequest ir;
    ir.set_sequence(sequence);
    ir.set_tree_size(new_cp.tree_size());
    booo::v1::InclusionProof inclusion;
    ASSERT_TRUE(stub_->GetInclusionProof(&c2, ir, &inclusion).ok());
    EXPECT_TRUE(ledger::VerifyInclusion(*ledger::HashFromBytes(Get(sequence).leaf_hash()), sequence,
                                        new_cp.tree_size(), Hashes(inclusion.hashes()),
                                        *ledger::HashFromBytes(new_cp.root_hash()))
                    .ok())
        << "sequence " << sequence;
  }
  grpc::ClientContext c3;
  booo::v1::GetInclusionProofRequest beyond;
  beyond.set_sequence(3);
  beyond.set_tree_size(500);
  booo::v1::InclusionProof unused;
  EXPECT_EQ(stub_->GetInclusionProof(&c3, beyond, &unused).error_code(), StatusCode::OUT_OF_RANGE);
}

TEST_F(LedgerServiceTest, ConcurrentAppendsGetDenseSequences) {
  constexpr int kThreads = 6, kEach = 40;
  std::vector<std::thread> threads;
  std::vector<std::vector<uint64_t>> got(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        booo::v1::AppendResponse response;
        auto body =
            PlacesBody("c-" + std::to_string(t) + "-" + std::to_string(i), amsterdam_, "GM0363", i);
        if (Append(body, amsterdam_, &response).ok())
          got[t].push_back(response.receipt().sequence());
      }
    });
  }
  for (auto& t : threads) t.join();
  std::vector<uint64_t> all;
  for (auto& v : got) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  ASSERT_EQ(all.size(), size_t{kThreads * kEach});
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i], 4 + i);
}

}  // namespace
}  // namespace booo::testing

namespace booo::testing {
namespace {

// The standard health service answers SERVING (HealthCheckResponse{status: 1} encodes as
// 0x08 0x01) for the whole server and for each of its services by name, and NOT_FOUND for a
// service it does not serve.
TEST_F(LedgerServiceTest, AnswersTheStandardHealthCheckForTheServerAndEachService) {
  for (const std::string service : {"", "booo.v1.Ledger", "booo.v1.Grants", "booo.v1.Controls"}) {
    SCOPED_TRACE(service);
    std::string bytes;
    grpc::Status status = HealthCheck(server_->port(), service, bytes);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(bytes, std::string("\x08\x01", 2));
  }
  std::string bytes;
  EXPECT_EQ(HealthCheck(server_->port(), "booo.v1.Nothing", bytes).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace booo::testing
