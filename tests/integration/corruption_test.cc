// Damage on disk, as an insider with the data directory or a failing disk would leave it: one
// flipped byte in one stored event, or in one stored tree node, written through RocksDB while
// the server is stopped (so RocksDB's own checksums still pass). The restarted server refuses
// with DATA_LOSS, naming the sequence (or the tree sizes), every read that would serve the
// damaged data: the event by sequence and by id, a range or stream page holding it, a
// subscription reaching it, proofs through the damaged node; it does not start when the damage
// would change the root it signs checkpoints over; and the offline verifier names the damage.
#include <string>

#include "gtest/gtest.h"
#include "ledger/core/export_file.h"
#include "ledger/storage/ledger.h"
#include "ledger/storage/store_export.h"
#include "ledger/storage/store.h"
#include "ledger/core/verifier.h"
#include "tests/integration/test_ledger_env.h"

namespace booo::testing {
namespace {

using grpc::StatusCode;

class CorruptionTest : public LedgerServerTest {
 protected:
  // 20 events: genesis, three keys, 16 place declarations of Amsterdam (sequences 4..19). The
  // tree of 20 has two maximal complete subtrees: leaves [0, 16) at level 4, [16, 20) at 2.
  void SetUp() override {
    LedgerServerTest::SetUp();
    RegisterStandardKeys();
    for (int i = 0; i < 16; ++i) {
      ASSERT_TRUE(Append(PlacesBody("p-" + std::to_string(i), amsterdam_, "GM0363", 10 + i),
                         amsterdam_)
                      .ok());
    }
    ASSERT_EQ(TreeSize(), 20u);
  }

  // Stops the server, flips one byte of the raw value at (cf, key), and returns the store's
  // verdict offline; the caller restarts the server if it wants one.
  absl::Status FlipByteAndVerify(int cf, const std::string& key, size_t offset) {
    StopServer();
    auto store = ledger::LedgerStore::Open(data_dir_.string(), {});
    if (!store.ok()) return store.status();
    std::string value;
    if (cf == ledger::LedgerStore::kEvents) {
      absl::StatusOr<std::string> leaf = (*store)->GetLeaf(7);
      if (!leaf.ok()) return leaf.status();
      value = *leaf;
    } else {
      absl::StatusOr<ledger::Hash> node = (*store)->CompleteSubtree(node_level_, node_index_);
      if (!node.ok()) return node.status();
      value.assign(node->begin(), node->end());
    }
    value[offset % value.size()] ^= 0x01;
    if (absl::Status s = (*store)->RawPutForTesting(cf, key, value); !s.ok()) return s;
    store->reset();
    auto reopened = ledger::LedgerStore::Open(data_dir_.string(), {.read_only = true});
    if (!reopened.ok()) return reopened.status();
    auto size = (*reopened)->TreeSize();
    if (!size.ok()) return size.status();
    ledger::StoreLeafSource leaves(**reopened, *size);
    ledger::VerifyOptions options;
    options.stored_tree = reopened->get();
    options.stored_tree_size = *size;
    options.payload_rules = booo::testing::GrantRules();
    return ledger::VerifyLedger(leaves, options).status();
  }

  void ExpectDataLoss(const grpc::Status& status, const std::string& names) {
    EXPECT_EQ(status.error_code(), StatusCode::DATA_LOSS) << status.error_message();
    EXPECT_NE(status.error_message().find(names), std::string::npos)
        << "\"" << status.error_message() << "\" does not name " << names;
  }

  grpc::Status GetEvent(uint64_t sequence) {
    grpc::ClientContext context;
    booo::v1::GetEventRequest request;
    request.set_sequence(sequence);
    booo::v1::StoredEvent event;
    return stub_->GetEvent(&context, request, &event);
  }
  grpc::Status ReadEvents(uint64_t start, const std::string& stream) {
    grpc::ClientContext context;
    booo::v1::ReadEventsRequest request;
    request.set_start(start);
    request.set_stream(stream);
    booo::v1::ReadEventsResponse response;
    return stub_->ReadEvents(&context, request, &response);
  }
  grpc::Status InclusionProof(uint64_t sequence, uint64_t tree_size) {
    grpc::ClientContext context;
    booo::v1::GetInclusionProofRequest request;
    request.set_sequence(sequence);
    request.set_tree_size(tree_size);
    booo::v1::InclusionProof proof;
    return stub_->GetInclusionProof(&context, request, &proof);
  }
  grpc::Status ConsistencyProof(uint64_t old_size, uint64_t new_size) {
    grpc::ClientContext context;
    booo::v1::GetConsistencyProofRequest request;
    request.set_old_size(old_size);
    request.set_new_size(new_size);
    booo::v1::ConsistencyProof proof;
    return stub_->GetConsistencyProof(&context, request, &proof);
  }

  int node_level_ = 0;
  uint64_t node_index_ = 0;
};

TEST_F(CorruptionTest, AFlippedByteInAStoredEventIsRefusedOnEveryReadThatWouldServeIt) {
  const absl::Status verified = FlipByteAndVerify(
      ledger::LedgerStore::kEvents, ledger::LedgerStore::SequenceKey(7), /*offset=*/60);
  EXPECT_TRUE(absl::IsDataLoss(verified)) << verified;
  EXPECT_NE(verified.message().find("sequence 7"), std::string::npos) << verified;
  StartServer();

  ExpectDataLoss(GetEvent(7), "sequence 7");
  {
    grpc::ClientContext context;
    booo::v1::GetEventRequest request;
    request.set_event_id("p-3");  // sequence 7
    booo::v1::StoredEvent event;
    ExpectDataLoss(stub_->GetEvent(&context, request, &event), "sequence 7");
  }
  // A page that holds it is refused whole, not served up to it or around it.
  ExpectDataLoss(ReadEvents(0, ""), "sequence 7");
  ExpectDataLoss(ReadEvents(0, "municipality/GM0363"), "sequence 7");
  ExpectDataLoss(InclusionProof(7, 20), "sequence 7");
  {
    grpc::ClientContext context;
    booo::v1::SubscribeRequest request;
    auto reader = stub_->Subscribe(&context, request);
    booo::v1::StoredEvent event;
    while (reader->Read(&event)) EXPECT_LT(event.sequence(), 7u);
    ExpectDataLoss(reader->Finish(), "sequence 7");
  }
  // What is undamaged is still served.
  EXPECT_TRUE(GetEvent(6).ok());
  EXPECT_TRUE(GetEvent(8).ok());
  EXPECT_TRUE(ReadEvents(8, "").ok());
  EXPECT_TRUE(InclusionProof(8, 20).ok());
}

TEST_F(CorruptionTest, AFlippedByteInAnInnerTreeNodeIsRefusedInEveryProofThroughIt) {
  // Node (3, 0) hashes leaves 0 to 7: on the inclusion path of leaves 8 to 15, and the root of
  // the tree of size 8; not on the right edge of the tree of 20, so the server starts.
  node_level_ = 3;
  node_index_ = 0;
  const absl::Status verified = FlipByteAndVerify(
      ledger::LedgerStore::kTree, ledger::LedgerStore::NodeKey(3, 0), /*offset=*/5);
  EXPECT_TRUE(absl::IsDataLoss(verified)) << verified;
  EXPECT_NE(verified.message().find("level 3, index 0"), std::string::npos) << verified;
  StartServer();

  ExpectDataLoss(InclusionProof(9, 20), "sequence 9");
  ExpectDataLoss(InclusionProof(12, 16), "sequence 12");
  ExpectDataLoss(ConsistencyProof(8, 20), "tree_size 8");
  // Proofs whose path avoids the node are served: leaf 0's path holds its sibling (3, 1), and
  // the tree of 16 is read from its stored root (4, 0), which is intact.
  EXPECT_TRUE(InclusionProof(0, 20).ok());
  EXPECT_TRUE(InclusionProof(3, 16).ok());
  EXPECT_TRUE(InclusionProof(17, 20).ok());
  EXPECT_TRUE(ConsistencyProof(16, 20).ok());
}

TEST_F(CorruptionTest, AFlippedByteInALowTreeNodeIsNamedByVerifyWhileProofsFoldTheLeafHashes) {
  // Proofs compute the nodes of levels 1 and 2 from the leaf hashes beneath them (one disk
  // read instead of three), so a damaged stored copy of one changes no proof; the offline
  // verifier, which compares every stored node with the hashes it computes, names it.
  node_level_ = 1;
  node_index_ = 0;
  const absl::Status verified = FlipByteAndVerify(
      ledger::LedgerStore::kTree, ledger::LedgerStore::NodeKey(1, 0), /*offset=*/5);
  EXPECT_TRUE(absl::IsDataLoss(verified)) << verified;
  EXPECT_NE(verified.message().find("level 1, index 0"), std::string::npos) << verified;
  StartServer();
  // The server checks every proof against its signed root before serving it.
  EXPECT_TRUE(InclusionProof(3, 20).ok());
  EXPECT_TRUE(InclusionProof(2, 20).ok());
  EXPECT_TRUE(ConsistencyProof(2, 20).ok());
}

TEST_F(CorruptionTest, AFlippedByteInALeafHashIsRefusedInEveryProofThatFoldsIt) {
  // Leaf hash (0, 9), a place declaration's, lies beneath the nodes (1, 4) and (2, 2), which
  // proofs fold from the leaf hashes: the proof of leaf 13 holds (2, 2), the tree of 10 is
  // (3, 0) and (1, 4).
  node_level_ = 0;
  node_index_ = 9;
  const absl::Status verified = FlipByteAndVerify(
      ledger::LedgerStore::kTree, ledger::LedgerStore::NodeKey(0, 9), /*offset=*/7);
  EXPECT_TRUE(absl::IsDataLoss(verified)) << verified;
  auto ledger = ledger::Ledger::Open(data_dir_.string(), &clock_);
  ASSERT_TRUE(ledger.ok()) << ledger.status();
  const absl::Status through = (*ledger)->InclusionProof(13, 20).status();
  EXPECT_TRUE(absl::IsDataLoss(through)) << through;
  EXPECT_NE(through.message().find("sequence 13"), std::string::npos) << through;
  const absl::Status tree_of_10 = (*ledger)->ConsistencyProof(10, 20).status();
  EXPECT_TRUE(absl::IsDataLoss(tree_of_10)) << tree_of_10;
  EXPECT_NE(tree_of_10.message().find("tree_size 10"), std::string::npos) << tree_of_10;
  // Leaf 0's path holds (0, 1), (1, 1), (2, 1) and (3, 1): none of them folds leaf 9.
  EXPECT_TRUE((*ledger)->InclusionProof(0, 20).ok());
  EXPECT_TRUE((*ledger)->InclusionProof(17, 20).ok());
}

TEST_F(CorruptionTest, AnAbsentLeafHashIsDataLossInEveryProofThatFoldsIt) {
  StopServer();
  {
    auto store = ledger::LedgerStore::Open(data_dir_.string(), {});
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE((*store)
                    ->RawDeleteForTesting(ledger::LedgerStore::kTree,
                                          ledger::LedgerStore::NodeKey(0, 9))
                    .ok());
  }
  auto ledger = ledger::Ledger::Open(data_dir_.string(), &clock_);
  ASSERT_TRUE(ledger.ok()) << ledger.status();
  // Leaf 13's proof folds (2, 2) from leaves 8 to 11; the tree of 10 ends in (1, 4).
  for (const absl::Status& status :
       {(*ledger)->InclusionProof(13, 20).status(), (*ledger)->ConsistencyProof(10, 20).status(),
        (*ledger)->InclusionProof(9, 20).status()}) {
    EXPECT_TRUE(absl::IsDataLoss(status)) << status;
  }
  EXPECT_TRUE((*ledger)->InclusionProof(0, 20).ok());
}

TEST_F(CorruptionTest, AFlippedByteOnTheTreesRightEdgeStopsTheServerFromStarting) {
  // Node (4, 0) is the tree of 20's largest complete subtree: the head's root is computed from
  // it when the ledger opens, and every checkpoint would be signed over a wrong root.
  node_level_ = 4;
  node_index_ = 0;
  const absl::Status verified = FlipByteAndVerify(
      ledger::LedgerStore::kTree, ledger::LedgerStore::NodeKey(4, 0), /*offset=*/9);
  EXPECT_TRUE(absl::IsDataLoss(verified)) << verified;
  const absl::Status started = TryStartServer();
  EXPECT_TRUE(absl::IsDataLoss(started)) << started;
  EXPECT_NE(started.message().find("tree node is damaged"), std::string::npos) << started;
}

}  // namespace
}  // namespace booo::testing
