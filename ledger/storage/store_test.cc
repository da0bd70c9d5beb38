// LedgerStore's tree: the upper levels it keeps in memory answer exactly what RocksDB holds,
// for nodes written in many batches, after reopening, and after a node is overwritten; the
// nodes proofs read below them, folded from the leaf hashes, equal the stored ones.
#include "ledger/storage/store.h"

#include <filesystem>
#include <string>

#include "gtest/gtest.h"

namespace booo::ledger {
namespace {

class StoreTreeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("booo-store-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Appends `count` leaves in batches of `batch`, to the store and to an in-memory copy.
  void Grow(LedgerStore& store, uint64_t count, uint64_t batch) {
    while (count > 0) {
      StoreBatch b;
      for (uint64_t i = 0; i < batch && count > 0; ++i, --count) {
        const Hash leaf = HashLeaf("leaf " + std::to_string(range_.size()));
        for (const MerkleNode& node : range_.Append(leaf)) {
          b.PutNode(node);
          memory_.Put(node);
        }
      }
      b.PutTreeSize(range_.size());
      ASSERT_TRUE(store.Write(b, false).ok());
    }
  }

  // The stored nodes and the proof nodes both answer what the in-memory tree does.
  void ExpectSameProofs(const LedgerStore& store) {
    const uint64_t n = range_.size();
    for (int level = 0; level < 4; ++level) {
      for (uint64_t index = 0; ((index + 1) << level) <= n; ++index) {
        const absl::StatusOr<Hash> folded = store.ProofNodes().CompleteSubtree(level, index);
        ASSERT_TRUE(folded.ok()) << folded.status();
        ASSERT_EQ(*folded, *memory_.CompleteSubtree(level, index))
            << "(" << level << ", " << index << ")";
      }
    }
    ExpectSameProofsFrom(store);
    ExpectSameProofsFrom(store.ProofNodes());
  }
  void ExpectSameProofsFrom(const SubtreeHashSource& store) {
    const uint64_t n = range_.size();
    for (uint64_t size : {uint64_t{1}, uint64_t{64}, uint64_t{65}, uint64_t{200}, n - 1, n}) {
      for (uint64_t leaf : {uint64_t{0}, size / 2, size - 1}) {
        EXPECT_EQ(*InclusionProof(store, leaf, size), *InclusionProof(memory_, leaf, size))
            << leaf << " in " << size;
      }
      EXPECT_EQ(*ConsistencyProof(store, size, n), *ConsistencyProof(memory_, size, n)) << size;
      EXPECT_EQ(*RootAt(store, size), *RootAt(memory_, size)) << size;
    }
  }

  std::filesystem::path dir_;
  CompactRange range_;
  MemorySubtreeStore memory_;
};

TEST_F(StoreTreeTest, UpperLevelsInMemoryAnswerLikeTheStoreAcrossBatchesAndReopening) {
  {
    auto store = LedgerStore::Open(dir_.string(), {});
    ASSERT_TRUE(store.ok()) << store.status();
    Grow(**store, 700, 37);  // levels 0..9; level 3 and up are held in memory
    ExpectSameProofs(**store);
  }
  auto reopened = LedgerStore::Open(dir_.string(), {});
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  ExpectSameProofs(**reopened);
  Grow(**reopened, 300, 128);
  ExpectSameProofs(**reopened);
  auto read_only = LedgerStore::Open(dir_.string(), {.read_only = true});
  ASSERT_TRUE(read_only.ok()) << read_only.status();
  ExpectSameProofs(**read_only);
}

TEST_F(StoreTreeTest, AnOverwrittenUpperNodeIsServedAsStoredOrReportedCorrupt) {
  auto store = LedgerStore::Open(dir_.string(), {});
  ASSERT_TRUE(store.ok());
  Grow(**store, 256, 256);
  Hash changed = *(*store)->CompleteSubtree(7, 1);
  changed[0] ^= 0x01;
  ASSERT_TRUE((*store)
                  ->RawPutForTesting(LedgerStore::kTree, LedgerStore::NodeKey(7, 1),
                                     std::string(changed.begin(), changed.end()))
                  .ok());
  EXPECT_EQ(*(*store)->CompleteSubtree(7, 1), changed);
  ASSERT_TRUE(
      (*store)->RawPutForTesting(LedgerStore::kTree, LedgerStore::NodeKey(7, 0), "short").ok());
  EXPECT_EQ((*store)->CompleteSubtree(7, 0).status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(StoreTreeTest, ProofNodesBelowTheUpperTreeAreFoldedFromTheLeafHashes) {
  auto store = LedgerStore::Open(dir_.string(), {});
  ASSERT_TRUE(store.ok());
  Grow(**store, 20, 20);
  const SubtreeHashSource& proof_nodes = (*store)->ProofNodes();
  // A damaged stored level-1 node is what `verify` finds; proofs do not read it.
  ASSERT_TRUE((*store)->RawPutForTesting(LedgerStore::kTree, LedgerStore::NodeKey(1, 2), "short")
                  .ok());
  EXPECT_EQ((*store)->CompleteSubtree(1, 2).status().code(), absl::StatusCode::kDataLoss);
  const absl::StatusOr<Hash> folded = proof_nodes.CompleteSubtree(1, 2);
  ASSERT_TRUE(folded.ok()) << folded.status();
  EXPECT_EQ(*folded, *memory_.CompleteSubtree(1, 2));
  // A damaged or absent leaf hash beneath a node is DATA_LOSS for proofs, naming the leaf.
  ASSERT_TRUE((*store)->RawPutForTesting(LedgerStore::kTree, LedgerStore::NodeKey(0, 5), "x").ok());
  const absl::Status damaged = proof_nodes.CompleteSubtree(2, 1).status();
  EXPECT_EQ(damaged.code(), absl::StatusCode::kDataLoss) << damaged;
  EXPECT_NE(damaged.message().find("(0, 5)"), std::string::npos) << damaged;
  ASSERT_TRUE((*store)->RawDeleteForTesting(LedgerStore::kTree, LedgerStore::NodeKey(0, 9)).ok());
  const absl::Status absent = proof_nodes.CompleteSubtree(1, 4).status();
  EXPECT_EQ(absent.code(), absl::StatusCode::kDataLoss) << absent;
  EXPECT_NE(absent.message().find("(0, 9) is absent"), std::string::npos) << absent;
  EXPECT_EQ(proof_nodes.CompleteSubtree(0, 9).status().code(), absl::StatusCode::kDataLoss);
  // The stored nodes keep NOT_FOUND for what is absent.
  EXPECT_EQ((*store)->CompleteSubtree(0, 9).status().code(), absl::StatusCode::kNotFound);
  const absl::StatusOr<Hash> intact = proof_nodes.CompleteSubtree(2, 4);
  ASSERT_TRUE(intact.ok()) << intact.status();
  EXPECT_EQ(*intact, *memory_.CompleteSubtree(2, 4));
}

}  // namespace
}  // namespace booo::ledger
