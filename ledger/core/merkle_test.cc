#include "ledger/core/merkle.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <bit>
#include <cstdint>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace booo::ledger {
namespace {

using ::testing::HasSubstr;

std::string Unhex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

Hash HexHash(const std::string& hex) { return *HashFromBytes(Unhex(hex)); }

std::vector<Hash> HexHashes(const nlohmann::json& list) {
  std::vector<Hash> out;
  for (const auto& h : list) out.push_back(HexHash(h.get<std::string>()));
  return out;
}

const nlohmann::json& Vectors() {
  static const nlohmann::json* vectors = [] {
    std::ifstream in(std::string(BOOO_TESTDATA_DIR) + "/rfc6962_vectors.json");
    return new nlohmann::json(nlohmann::json::parse(in));
  }();
  return *vectors;
}

// Naive reference straight from RFC 9162 §2.1's recursive MTH, PATH and SUBPROOF, over leaf
// hashes. MTH is memoized only to keep the big-size property tests fast.
class Reference {
 public:
  explicit Reference(std::vector<Hash> leaves) : leaves_(std::move(leaves)) {}

  Hash Mth(uint64_t begin, uint64_t end) {
    const uint64_t n = end - begin;
    if (n == 0) return EmptyTreeRoot();
    if (n == 1) return leaves_[begin];
    auto [it, inserted] = cache_.try_emplace({begin, end});
    if (inserted) it->second = HashChildren(Mth(begin, begin + K(n)), Mth(begin + K(n), end));
    return it->second;
  }
  std::vector<Hash> Path(uint64_t m, uint64_t begin, uint64_t end) {
    const uint64_t n = end - begin;
    if (n == 1) return {};
    const uint64_t k = K(n);
    std::vector<Hash> p = m < k ? Path(m, begin, begin + k) : Path(m - k, begin + k, end);
    p.push_back(m < k ? Mth(begin + k, end) : Mth(begin, begin + k));
    return p;
  }
  std::vector<Hash> Subproof(uint64_t m, uint64_t begin, uint64_t end, bool b) {
    const uint64_t n = end - begin;
    if (m == n) return b ? std::vector<Hash>{} : std::vector<Hash>{Mth(begin, end)};
    const uint64_t k = K(n);
    std::vector<Hash> p =
        m <= k ? Subproof(m, begin, begin + k, b) : Subproof(m - k, begin + k, end, false);
    p.push_back(m <= k ? Mth(begin + k, end) : Mth(begin, begin + k));
    return p;
  }
  // The RFC's k: the largest power of two smaller than n.
  static uint64_t K(uint64_t n) {
    uint64_t k = 1;
    while (k * 2 < n) k *= 2;
    return k;
  }

 private:
  std::vector<Hash> leaves_;
  std::map<std::pair<uint64_t, uint64_t>, Hash> cache_;
};

// A ledger of `n` leaves, persisted into a MemorySubtreeStore through CompactRange::Append.
struct Tree {
  explicit Tree(const std::vector<std::string>& data) {
    for (const std::string& d : data) Add(HashLeaf(d));
  }
  explicit Tree(uint64_t n) {
    for (uint64_t i = 0; i < n; ++i) Add(HashLeaf("leaf-" + std::to_string(i)));
  }
  void Add(const Hash& leaf) {
    snapshots.push_back(range);
    leaves.push_back(leaf);
    store.PutAll(range.Append(leaf));
    roots.push_back(range.Root());  // roots[i] is the root of size i + 1.
  }
  Hash RootOf(uint64_t size) const { return size == 0 ? EmptyTreeRoot() : roots[size - 1]; }

  CompactRange range;
  MemorySubtreeStore store;
  std::vector<Hash> leaves;
  std::vector<Hash> roots;
  std::vector<CompactRange> snapshots;  // snapshots[i] is the range at size i.
};

// The vector leaves, then extra ones so that "wrong size" mutations have a true root to use.
Tree VectorTree() {
  std::vector<std::string> data;
  for (const auto& hex : Vectors()["leaf_inputs_hex"]) data.push_back(Unhex(hex));
  for (int i = 0; i < 10; ++i) data.push_back("extra-" + std::to_string(i));
  return Tree(data);
}

Hash FlipBit(Hash h, int bit) {
  h[(bit / 8) % h.size()] ^= static_cast<uint8_t>(1u << (bit % 8));
  return h;
}

TEST(MerkleHashTest, PrimitivesFollowRfc6962) {
  EXPECT_EQ(HashToHex(EmptyTreeRoot()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(HashToHex(HashLeaf("")),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
  const Hash h = HashLeaf("x");
  std::string bytes(h.begin(), h.end());
  EXPECT_EQ(*HashFromBytes(bytes), h);
  EXPECT_EQ(HashFromBytes(bytes.substr(1)).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(HashFromBytes(bytes + "x").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(MerkleVectorTest, RootsMatchForEverySize) {
  const Tree tree = VectorTree();
  for (const auto& [size_str, hex] : Vectors()["roots_by_tree_size"].items()) {
    const uint64_t size = std::stoull(size_str);
    EXPECT_EQ(HashToHex(tree.snapshots[size].Root()), hex) << "size " << size;
    EXPECT_EQ(HashToHex(*RootAt(tree.store, size)), hex) << "size " << size;
  }
  EXPECT_EQ(Vectors()["roots_by_tree_size"].size(), 9u);
}

TEST(MerkleVectorTest, InclusionProofsMatchAndVerify) {
  const Tree tree = VectorTree();
  for (const auto& v : Vectors()["inclusion_proofs"]) {
    const uint64_t index = v["leaf_index"], size = v["tree_size"];
    SCOPED_TRACE(testing::Message() << "index " << index << " size " << size);
    EXPECT_EQ(tree.leaves[index], HexHash(v["leaf_hash"]));
    const std::vector<Hash> want = HexHashes(v["proof"]);
    EXPECT_EQ(*InclusionProof(tree.store, index, size), want);
    EXPECT_TRUE(VerifyInclusion(tree.leaves[index], index, size, want, tree.RootOf(size)).ok());
  }
}

TEST(MerkleVectorTest, ConsistencyProofsMatchAndVerify) {
  const Tree tree = VectorTree();
  for (const auto& v : Vectors()["consistency_proofs"]) {
    const uint64_t old_size = v["old_size"], new_size = v["new_size"];
    SCOPED_TRACE(testing::Message() << "old " << old_size << " new " << new_size);
    const std::vector<Hash> want = HexHashes(v["proof"]);
    EXPECT_EQ(*ConsistencyProof(tree.store, old_size, new_size), want);
    EXPECT_TRUE(
        VerifyConsistency(old_size, new_size, want, tree.RootOf(old_size), tree.RootOf(new_size))
            .ok());
  }
}

TEST(MerkleVectorTest, InclusionMutationsAreRejected) {
  const Tree tree = VectorTree();
  for (const auto& v : Vectors()["inclusion_proofs"]) {
    const uint64_t index = v["leaf_index"], size = v["tree_size"];
    SCOPED_TRACE(testing::Message() << "index " << index << " size " << size);
    const std::vector<Hash> proof = HexHashes(v["proof"]);
    const Hash leaf = tree.leaves[index], root = tree.RootOf(size);
    auto verify = [&](const std::vector<Hash>& p, uint64_t i, uint64_t s, const Hash& l,
                      const Hash& r) { return VerifyInclusion(l, i, s, p, r); };
    for (size_t i = 0; i < proof.size(); ++i) {
      for (int bit : {0, 7, 100, 255}) {
        std::vector<Hash> p = proof;
        p[i] = FlipBit(p[i], bit);
        EXPECT_EQ(verify(p, index, size, leaf, root).code(), absl::StatusCode::kDataLoss);
      }
      std::vector<Hash> dropped = proof;
      dropped.erase(dropped.begin() + i);
      EXPECT_EQ(verify(dropped, index, size, leaf, root).code(),
                absl::StatusCode::kInvalidArgument);
    }
    for (size_t at = 0; at <= proof.size(); ++at) {
      std::vector<Hash> added = proof;
      added.insert(added.begin() + at, tree.leaves[0]);
      EXPECT_EQ(verify(added, index, size, leaf, root).code(), absl::StatusCode::kInvalidArgument);
    }
    for (uint64_t wrong = 0; wrong <= size; ++wrong) {
      if (wrong != index) {
        EXPECT_FALSE(verify(proof, wrong, size, leaf, root).ok()) << wrong;
      }
    }
    // A claimed size comes with that size's signed root; the proof must not fit any other.
    for (uint64_t wrong = 0; wrong <= 2 * size; ++wrong) {
      if (wrong != size) {
        EXPECT_FALSE(verify(proof, index, wrong, leaf, tree.RootOf(wrong)).ok()) << wrong;
      }
    }
    for (uint64_t other = 0; other < tree.leaves.size(); ++other) {
      if (other != index) {
        EXPECT_FALSE(verify(proof, index, size, tree.leaves[other], root).ok());
      }
    }
    // The leaf data hashed without the 0x00 domain-separation prefix must not verify either.
    const std::string data = Unhex(Vectors()["leaf_inputs_hex"][index]);
    Hash unprefixed;
    SHA256(reinterpret_cast<const uint8_t*>(data.data()), data.size(), unprefixed.data());
    EXPECT_FALSE(verify(proof, index, size, unprefixed, root).ok());
    for (uint64_t other = 0; other <= 16; ++other) {
      if (other != size) {
        EXPECT_FALSE(verify(proof, index, size, leaf, tree.RootOf(other)).ok());
      }
    }
  }
}

// RFC 9162 inclusion verification authenticates the leaf under the root, not the tree size:
// when two sizes give the path the same shape, the same proof and root verify for both. The
// ledger must therefore always take size and root from the same signed tree head.
TEST(MerkleVectorTest, InclusionProofAloneDoesNotBindTreeSize) {
  const Tree tree = VectorTree();
  const std::vector<Hash> proof = *InclusionProof(tree.store, 0, 8);
  EXPECT_TRUE(VerifyInclusion(tree.leaves[0], 0, 7, proof, tree.RootOf(8)).ok());
  EXPECT_FALSE(VerifyInclusion(tree.leaves[0], 0, 7, proof, tree.RootOf(7)).ok());
}

TEST(MerkleVectorTest, ConsistencyMutationsAreRejected) {
  const Tree tree = VectorTree();
  for (const auto& v : Vectors()["consistency_proofs"]) {
    const uint64_t old_size = v["old_size"], new_size = v["new_size"];
    SCOPED_TRACE(testing::Message() << "old " << old_size << " new " << new_size);
    const std::vector<Hash> proof = HexHashes(v["proof"]);
    const Hash old_root = tree.RootOf(old_size), new_root = tree.RootOf(new_size);
    for (size_t i = 0; i < proof.size(); ++i) {
      for (int bit : {0, 7, 100, 255}) {
        std::vector<Hash> p = proof;
        p[i] = FlipBit(p[i], bit);
        EXPECT_EQ(VerifyConsistency(old_size, new_size, p, old_root, new_root).code(),
                  absl::StatusCode::kDataLoss);
      }
      std::vector<Hash> dropped = proof;
      dropped.erase(dropped.begin() + i);
      EXPECT_EQ(VerifyConsistency(old_size, new_size, dropped, old_root, new_root).code(),
                absl::StatusCode::kInvalidArgument);
    }
    for (size_t at = 0; at <= proof.size(); ++at) {
      std::vector<Hash> added = proof;
      added.insert(added.begin() + at, old_root);
      EXPECT_EQ(VerifyConsistency(old_size, new_size, added, old_root, new_root).code(),
                absl::StatusCode::kInvalidArgument);
    }
    if (old_root != new_root) {
      EXPECT_FALSE(VerifyConsistency(old_size, new_size, proof, new_root, old_root).ok());
    }
    EXPECT_EQ(VerifyConsistency(new_size, old_size, proof, new_root, old_root).code(),
              old_size == new_size ? absl::StatusCode::kOk : absl::StatusCode::kInvalidArgument);
    for (uint64_t wrong = 1; wrong <= 2 * new_size; ++wrong) {
      if (wrong != old_size) {
        EXPECT_FALSE(VerifyConsistency(wrong, new_size, proof, tree.RootOf(wrong), new_root).ok());
      }
      if (wrong != new_size) {
        EXPECT_FALSE(VerifyConsistency(old_size, wrong, proof, old_root, tree.RootOf(wrong)).ok());
      }
    }
    for (uint64_t other = 0; other <= 16; ++other) {
      const Hash r = tree.RootOf(other);
      if (r != old_root) {
        EXPECT_FALSE(VerifyConsistency(old_size, new_size, proof, r, new_root).ok());
      }
      if (r != new_root) {
        EXPECT_FALSE(VerifyConsistency(old_size, new_size, proof, old_root, r).ok());
      }
    }
  }
}

TEST(MerkleProofTest, InvalidArgumentsNameTheField) {
  const Tree tree(8);
  auto inclusion = InclusionProof(tree.store, 8, 8);
  EXPECT_EQ(inclusion.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(inclusion.status().message(), HasSubstr("index"));
  inclusion = InclusionProof(tree.store, 0, 0);
  EXPECT_EQ(inclusion.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(inclusion.status().message(), HasSubstr("tree_size"));
  auto consistency = ConsistencyProof(tree.store, 0, 8);
  EXPECT_EQ(consistency.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(consistency.status().message(), HasSubstr("old_size"));
  consistency = ConsistencyProof(tree.store, 5, 4);
  EXPECT_EQ(consistency.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(consistency.status().message(), HasSubstr("new_size"));
  EXPECT_TRUE(ConsistencyProof(tree.store, 8, 8)->empty());
  EXPECT_EQ(VerifyInclusion(tree.leaves[0], 8, 8, {}, tree.RootOf(8)).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(VerifyInclusion(tree.leaves[0], 0, 0, {}, EmptyTreeRoot()).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(MerkleProofTest, EmptyOldTreeIsConsistentWithAnyTree) {
  const Tree tree(5);
  EXPECT_TRUE(VerifyConsistency(0, 5, {}, EmptyTreeRoot(), tree.RootOf(5)).ok());
  EXPECT_TRUE(VerifyConsistency(0, 0, {}, EmptyTreeRoot(), EmptyTreeRoot()).ok());
  EXPECT_FALSE(VerifyConsistency(0, 5, {}, tree.RootOf(1), tree.RootOf(5)).ok());
  EXPECT_FALSE(VerifyConsistency(0, 5, {tree.leaves[0]}, EmptyTreeRoot(), tree.RootOf(5)).ok());
  EXPECT_FALSE(VerifyConsistency(3, 3, {}, tree.RootOf(3), tree.RootOf(4)).ok());
}

TEST(MerkleProofTest, RootMismatchIsDataLossNamingBothRoots) {
  const Tree tree(6);
  const std::vector<Hash> proof = *InclusionProof(tree.store, 2, 6);
  const absl::Status status = VerifyInclusion(tree.leaves[3], 2, 6, proof, tree.RootOf(6));
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(status.message(), HasSubstr(HashToHex(tree.RootOf(6))));
  EXPECT_THAT(status.message(), HasSubstr("expected"));
  EXPECT_THAT(status.message(), HasSubstr("computed"));
}

class FailingSource : public SubtreeHashSource {
 public:
  absl::StatusOr<Hash> CompleteSubtree(int, uint64_t) const override {
    return absl::DataLossError("corrupt node");
  }
};

TEST(MerkleProofTest, SourceErrorsPassThrough) {
  const Tree tree(5);
  EXPECT_EQ(InclusionProof(tree.store, 0, 9).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ConsistencyProof(tree.store, 2, 9).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(RootAt(tree.store, 6).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(CompactRange::Load(tree.store, 6).status().code(), absl::StatusCode::kNotFound);
  const FailingSource failing;
  EXPECT_EQ(InclusionProof(failing, 0, 2).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(ConsistencyProof(failing, 1, 2).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(RootAt(failing, 3).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(CompactRange::Load(failing, 3).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(*RootAt(failing, 0), EmptyTreeRoot());  // No reads for the empty tree.
}

// Every proof for every (index, size) and (old, new) matches the RFC's recursive definitions.
void ExpectProofsMatchReference(Tree& tree, Reference& ref, uint64_t size) {
  SCOPED_TRACE(testing::Message() << "size " << size);
  ASSERT_EQ(*RootAt(tree.store, size), ref.Mth(0, size));
  for (uint64_t index = 0; index < size; ++index) {
    const std::vector<Hash> proof = *InclusionProof(tree.store, index, size);
    ASSERT_EQ(proof, ref.Path(index, 0, size)) << "index " << index;
    ASSERT_EQ(proof.size(), static_cast<size_t>(InclusionProofLength(index, size)));
  }
  for (uint64_t old_size = 1; old_size <= size; ++old_size) {
    const std::vector<Hash> proof = *ConsistencyProof(tree.store, old_size, size);
    ASSERT_EQ(proof, ref.Subproof(old_size, 0, size, true)) << "old " << old_size;
    ASSERT_EQ(proof.size(), static_cast<size_t>(ConsistencyProofLength(old_size, size)));
  }
}

TEST(MerklePropertyTest, ProofsMatchRfcReferenceForSizesUpTo130) {
  Tree tree(130);
  Reference ref(tree.leaves);
  for (uint64_t size = 1; size <= 130; ++size) ExpectProofsMatchReference(tree, ref, size);
}

TEST(MerklePropertyTest, ProofsMatchRfcReferenceForBigSizes) {
  Tree tree(1025);
  Reference ref(tree.leaves);
  for (uint64_t size : {1000, 1023, 1024, 1025}) ExpectProofsMatchReference(tree, ref, size);
}

TEST(MerklePropertyTest, EveryPairUpTo70VerifiesAndRejectsTampering) {
  const Tree tree(70);
  for (uint64_t size = 1; size <= 70; ++size) {
    const Hash root = tree.RootOf(size);
    for (uint64_t index = 0; index < size; ++index) {
      std::vector<Hash> proof = *InclusionProof(tree.store, index, size);
      ASSERT_TRUE(VerifyInclusion(tree.leaves[index], index, size, proof, root).ok());
      ASSERT_FALSE(VerifyInclusion(tree.leaves[(index + 1) % 70], index, size, proof, root).ok());
      for (Hash& h : proof) {
        h = FlipBit(h, 3);
        ASSERT_FALSE(VerifyInclusion(tree.leaves[index], index, size, proof, root).ok());
        h = FlipBit(h, 3);
      }
    }
    for (uint64_t old_size = 1; old_size <= size; ++old_size) {
      std::vector<Hash> proof = *ConsistencyProof(tree.store, old_size, size);
      const Hash old_root = tree.RootOf(old_size);
      ASSERT_TRUE(VerifyConsistency(old_size, size, proof, old_root, root).ok())
          << old_size << " -> " << size;
      for (Hash& h : proof) {
        h = FlipBit(h, 3);
        ASSERT_FALSE(VerifyConsistency(old_size, size, proof, old_root, root).ok());
        h = FlipBit(h, 3);
      }
      if (old_size < size) {
        const Hash wrong_old = tree.RootOf(old_size - 1);
        ASSERT_FALSE(VerifyConsistency(old_size, size, proof, wrong_old, root).ok());
      }
    }
  }
}

TEST(MerkleCompactRangeTest, LoadAtEverySizeEqualsIncrementalRange) {
  const Tree tree(1100);
  for (uint64_t size = 0; size <= 1100; ++size) {
    const CompactRange& incremental = size < 1100 ? tree.snapshots[size] : tree.range;
    const absl::StatusOr<CompactRange> loaded = CompactRange::Load(tree.store, size);
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    ASSERT_EQ(*loaded, incremental) << "size " << size;
    ASSERT_EQ(loaded->hashes().size(), static_cast<size_t>(std::popcount(size)));
    ASSERT_EQ(loaded->Root(), tree.RootOf(size));
  }
}

TEST(MerkleCompactRangeTest, AppendReturnsExactlyTheNewlyCompletedNodes) {
  constexpr uint64_t kSize = 600;
  const Tree tree(kSize);
  Reference ref(tree.leaves);
  CompactRange range;
  std::set<std::pair<int, uint64_t>> seen;
  for (uint64_t old_size = 0; old_size < kSize; ++old_size) {
    const std::vector<MerkleNode> nodes = range.Append(tree.leaves[old_size]);
    ASSERT_EQ(nodes.size(), 1u + std::countr_one(old_size)) << old_size;
    for (size_t i = 0; i < nodes.size(); ++i) {
      const int level = static_cast<int>(i);
      EXPECT_EQ(nodes[i].level, level);
      EXPECT_EQ(nodes[i].index, old_size >> level);
      EXPECT_EQ(nodes[i].hash, ref.Mth(nodes[i].index << level, (nodes[i].index + 1) << level));
      EXPECT_TRUE(seen.insert({level, nodes[i].index}).second) << "node returned twice";
    }
  }
  // Every complete aligned subtree of the final tree was returned exactly once.
  size_t complete = 0;
  for (int level = 0; level < 64; ++level) complete += kSize >> level;
  EXPECT_EQ(seen.size(), complete);
}

// Every leaf equal: node hashes depend only on the level, so trees of any size up to 2^64 - 1
// can be served without storing anything. Exercises the size and index arithmetic at the edge.
class UniformSource : public SubtreeHashSource {
 public:
  UniformSource() {
    levels_[0] = HashLeaf("same");
    for (int i = 1; i < 64; ++i) levels_[i] = HashChildren(levels_[i - 1], levels_[i - 1]);
  }
  absl::StatusOr<Hash> CompleteSubtree(int level, uint64_t) const override {
    return levels_[level];
  }
  const Hash& Level(int level) const { return levels_[level]; }

 private:
  std::array<Hash, 64> levels_;
};

TEST(MerkleExtremeSizeTest, MaximalTreeProofsVerify) {
  const UniformSource source;
  constexpr uint64_t kMax = UINT64_MAX;
  Hash want = source.Level(0);  // 2^64 - 1 = sum of 2^L for L < 64; fold from the right.
  for (int level = 1; level < 64; ++level) want = HashChildren(source.Level(level), want);
  ASSERT_EQ(*RootAt(source, kMax), want);
  ASSERT_EQ(CompactRange::Load(source, kMax)->hashes().size(), 64u);
  for (uint64_t index : {uint64_t{0}, uint64_t{1} << 63, kMax - 2, kMax - 1}) {
    const std::vector<Hash> proof = *InclusionProof(source, index, kMax);
    EXPECT_LE(proof.size(), 64u);
    EXPECT_TRUE(VerifyInclusion(source.Level(0), index, kMax, proof, want).ok()) << index;
  }
  for (uint64_t old_size :
       {uint64_t{1}, uint64_t{3}, uint64_t{1} << 63, (uint64_t{1} << 63) + 1, kMax - 1}) {
    const std::vector<Hash> proof = *ConsistencyProof(source, old_size, kMax);
    EXPECT_EQ(proof.size(), static_cast<size_t>(ConsistencyProofLength(old_size, kMax)));
    EXPECT_TRUE(VerifyConsistency(old_size, kMax, proof, *RootAt(source, old_size), want).ok())
        << old_size;
  }
  // The longest possible consistency proof is 65 hashes, one more than the tree height.
  EXPECT_EQ(ConsistencyProof(source, 3, kMax)->size(), 65u);
  EXPECT_EQ(ConsistencyProofLength(3, kMax), kMaxConsistencyProofLength);
}

TEST(MerkleExtremeSizeTest, AppendToFullTreeDies) {
  const UniformSource source;
  CompactRange full = *CompactRange::Load(source, UINT64_MAX);
  EXPECT_DEATH(full.Append(source.Level(0)), "full tree");
}

}  // namespace
}  // namespace booo::ledger
