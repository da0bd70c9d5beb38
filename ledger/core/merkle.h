// RFC 6962 / RFC 9162 §2.1 Merkle tree over the ledger's events.
//
// Hashing is exactly the RFC's: leaf = SHA-256(0x00 || data), interior node =
// SHA-256(0x01 || left || right), and the empty tree's root is SHA-256(""). Leaf indexes are
// 0-based. Proofs produced here are byte-for-byte the RFC 9162 proofs (same hashes, same order),
// so any conformant verifier accepts them, and the verifiers accept any conformant proof.
//
// Persistence model: the ledger stores the hash of every *complete aligned subtree*. Node
// (level L, index i) covers leaves [i * 2^L, (i + 1) * 2^L); level 0 holds the leaf hashes.
// Incomplete right-edge subtrees are never stored: they change as the tree grows, and they can
// always be recomputed from the O(log n) complete subtrees beneath them.
#ifndef BOOO_LEDGER_CORE_MERKLE_H_
#define BOOO_LEDGER_CORE_MERKLE_H_

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace booo::ledger {

using Hash = std::array<uint8_t, 32>;

// Bounds that guard every loop. A tree of at most 2^64 - 1 leaves is at most 64 levels deep,
// so an inclusion proof has at most 64 hashes. A consistency proof can have one more: e.g.
// old_size 3, new_size 2^64 - 1 needs 65 (the extra one is the seed for a non-power-of-two
// old tree). Verifiers reject proofs of any length other than the exact expected one.
inline constexpr int kMaxTreeLevels = 64;
inline constexpr int kMaxInclusionProofLength = 64;
inline constexpr int kMaxConsistencyProofLength = 65;

Hash HashLeaf(std::string_view leaf_data);               // SHA-256(0x00 || data)
Hash HashChildren(const Hash& left, const Hash& right);  // SHA-256(0x01 || left || right)
Hash EmptyTreeRoot();                                    // SHA-256("")
std::string HashToHex(const Hash& h);                    // 64 lowercase hex digits
// Exactly 32 raw bytes, else INVALID_ARGUMENT.
absl::StatusOr<Hash> HashFromBytes(std::string_view bytes);

// A node to be persisted: the hash of the complete subtree (level, index).
struct MerkleNode {
  int level;
  uint64_t index;
  Hash hash;

  friend bool operator==(const MerkleNode&, const MerkleNode&) = default;
};

// Read access to persisted complete-subtree hashes. Implementations return NOT_FOUND when the
// node is absent; other errors (DATA_LOSS, UNAVAILABLE, ...) are passed through unchanged by
// every function below.
class SubtreeHashSource {
 public:
  virtual ~SubtreeHashSource() = default;
  virtual absl::StatusOr<Hash> CompleteSubtree(int level, uint64_t index) const = 0;
};

// The right edge of a tree: the hashes of the maximal complete subtrees of a tree of `size`
// leaves, one per set bit of `size` (at most 64). Appending needs no reads at all, which is why
// the writer keeps one of these in memory.
class CompactRange {
 public:
  CompactRange();  // The empty tree.

  // Rebuilds the range for a tree of `size` leaves from persisted nodes (popcount(size) reads).
  static absl::StatusOr<CompactRange> Load(const SubtreeHashSource& source, uint64_t size);

  uint64_t size() const { return size_; }

  // Hashes of the maximal complete subtrees, leftmost (highest level) first.
  const std::vector<Hash>& hashes() const { return hashes_; }

  // Appends a leaf hash; returns every node that became complete: the leaf itself (level 0) and
  // each parent it completed, lowest level first (1 + trailing ones of the old size). These are
  // exactly the nodes to persist. Precondition: size() < UINT64_MAX; violating it aborts, since
  // silently dropping a leaf would corrupt the ledger.
  std::vector<MerkleNode> Append(const Hash& leaf_hash);

  // RFC 6962 root of the current size (EmptyTreeRoot() for size 0).
  Hash Root() const;

  friend bool operator==(const CompactRange&, const CompactRange&) = default;

 private:
  uint64_t size_ = 0;
  std::vector<Hash> hashes_;  // One per set bit of size_, highest level first.
};

// Root of the tree of the first `size` leaves, from persisted nodes, popcount(size) reads.
absl::StatusOr<Hash> RootAt(const SubtreeHashSource& source, uint64_t size);

// RFC 9162 §2.1.3.1 inclusion proof of leaf `index` in the tree of `size` leaves, O(log size)
// reads. INVALID_ARGUMENT (message naming "index" / "tree_size") when index >= size or
// size == 0.
absl::StatusOr<std::vector<Hash>> InclusionProof(const SubtreeHashSource& source, uint64_t index,
                                                 uint64_t size);

// RFC 9162 §2.1.4.1 consistency proof between old_size and new_size, O(log new_size) reads.
// Requires 0 < old_size <= new_size; old_size == new_size gives an empty proof. INVALID_ARGUMENT
// otherwise, naming "old_size" / "new_size".
absl::StatusOr<std::vector<Hash>> ConsistencyProof(const SubtreeHashSource& source,
                                                   uint64_t old_size, uint64_t new_size);

// RFC 9162 §2.1.3.2 verification. OK; INVALID_ARGUMENT for a malformed request or proof
// (size == 0, index >= size, wrong number of hashes); DATA_LOSS when the proof is well formed
// but the computed root differs (message gives expected and computed roots in hex).
// Note (inherent to the RFC): the proof authenticates the leaf under `root`, not `size`; the
// caller must take `size` and `root` together from the same signed tree head.
absl::Status VerifyInclusion(const Hash& leaf_hash, uint64_t index, uint64_t size,
                             const std::vector<Hash>& proof, const Hash& root);

// The same for a complete subtree instead of a leaf: the hashes that lead from the node at
// (`level`, `index`), covering leaves [index * 2^level, (index + 1) * 2^level), to the root of
// the tree of `size` leaves. They are the upper part of any of its leaves' inclusion proofs
// (below `level` a leaf's path stays inside the complete subtree). INVALID_ARGUMENT, naming
// "level" or "index", when the subtree is not complete in that tree.
absl::StatusOr<std::vector<Hash>> SubtreeInclusionProof(const SubtreeHashSource& source, int level,
                                                        uint64_t index, uint64_t size);
// Verification of such a proof, with VerifyInclusion's error convention.
absl::Status VerifySubtreeInclusion(const Hash& node, int level, uint64_t index, uint64_t size,
                                    const std::vector<Hash>& proof, const Hash& root);

// RFC 9162 §2.1.4.2 verification, same error convention. old_size == new_size requires an empty
// proof and equal roots. old_size == 0 requires an empty proof and old_root == EmptyTreeRoot()
// (any tree extends the empty one). old_size > new_size is INVALID_ARGUMENT.
absl::Status VerifyConsistency(uint64_t old_size, uint64_t new_size, const std::vector<Hash>& proof,
                               const Hash& old_root, const Hash& new_root);

// Number of hashes in the RFC 9162 inclusion proof for (index, size); requires index < size.
int InclusionProofLength(uint64_t index, uint64_t size);
// Number of hashes in the RFC 9162 consistency proof; requires 0 < old_size <= new_size.
int ConsistencyProofLength(uint64_t old_size, uint64_t new_size);

// An in-memory SubtreeHashSource for tests and offline tools, fed by CompactRange::Append output.
class MemorySubtreeStore : public SubtreeHashSource {
 public:
  // Stores (or overwrites) one node.
  void Put(const MerkleNode& node);
  void PutAll(const std::vector<MerkleNode>& nodes);
  size_t node_count() const { return nodes_.size(); }

  // NOT_FOUND if the node was never Put; INVALID_ARGUMENT for a level outside [0, 64).
  absl::StatusOr<Hash> CompleteSubtree(int level, uint64_t index) const override;

 private:
  std::map<std::pair<int, uint64_t>, Hash> nodes_;
};

}  // namespace booo::ledger

#endif  // BOOO_LEDGER_CORE_MERKLE_H_
