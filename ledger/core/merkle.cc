#include "ledger/core/merkle.h"

#include <openssl/evp.h>

#include <algorithm>
#include <bit>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "ledger/core/status_macros.h"

namespace booo::ledger {
namespace {

// Hashing cannot report errors through the API (HashLeaf returns a Hash), and OpenSSL only
// fails here on allocation failure; a wrong hash would silently corrupt the ledger, so die.
[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "booo::ledger::merkle fatal: %s\n", what);
  std::abort();
}

std::string_view AsBytes(const Hash& h) {
  return std::string_view(reinterpret_cast<const char*>(h.data()), h.size());
}

// Hashing is on every read and every replayed event, so the digest is fetched from OpenSSL's
// provider once and each thread reuses one context: a fresh EVP_sha256() lookup and context
// per hash cost more than hashing a leaf.
const EVP_MD* Sha256Digest() {
  static const EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (md == nullptr) Die("OpenSSL has no SHA-256");
  return md;
}

Hash Sha256(std::initializer_list<std::string_view> parts) {
  struct ContextFree {
    void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
  };
  thread_local std::unique_ptr<EVP_MD_CTX, ContextFree> context(EVP_MD_CTX_new());
  EVP_MD_CTX* const ctx = context.get();
  Hash out;
  bool ok = ctx != nullptr && EVP_DigestInit_ex(ctx, Sha256Digest(), nullptr) == 1;
  for (std::string_view part : parts) {
    ok = ok && EVP_DigestUpdate(ctx, part.data(), part.size()) == 1;
  }
  unsigned int len = 0;
  ok = ok && EVP_DigestFinal_ex(ctx, out.data(), &len) == 1 && len == out.size();
  if (!ok) Die("OpenSSL SHA-256 failed");
  return out;
}

// Folds a right edge (maximal complete subtrees, leftmost first) into the RFC root: the RFC
// splits at the largest power of two, so the rightmost, smallest subtrees combine first.
Hash FoldRightEdge(const std::vector<Hash>& edge) {
  Hash root = edge.back();
  for (size_t i = edge.size() - 1; i > 0; --i) root = HashChildren(edge[i - 1], root);
  return root;
}

// Reads the maximal complete subtrees covering leaves [begin, begin + count), leftmost first.
// Each is aligned only if `begin` is a multiple of the largest one, bit_floor(count); every
// range the RFC recursion produces satisfies that, so a violation is an internal bug.
absl::StatusOr<std::vector<Hash>> ReadRightEdge(const SubtreeHashSource& source, uint64_t begin,
                                                uint64_t count) {
  std::vector<Hash> edge;
  if (count == 0) return edge;
  if (begin % std::bit_floor(count) != 0 || begin > UINT64_MAX - count) {
    return absl::InternalError(
        absl::StrFormat("unaligned leaf range [%d, +%d) in Merkle computation", begin, count));
  }
  edge.reserve(std::popcount(count));
  uint64_t pos = begin;
  for (int level = kMaxTreeLevels - 1; level >= 0; --level) {
    const uint64_t width = uint64_t{1} << level;
    if ((count & width) == 0) continue;
    ASSIGN_OR_RETURN(Hash h, source.CompleteSubtree(level, pos >> level));
    edge.push_back(h);
    pos += width;  // Cannot overflow: pos + width <= begin + count, checked above.
  }
  return edge;
}

// MTH of leaves [begin, end), begin < end, from complete subtrees only.
absl::StatusOr<Hash> RangeHash(const SubtreeHashSource& source, uint64_t begin, uint64_t end) {
  ASSIGN_OR_RETURN(std::vector<Hash> edge, ReadRightEdge(source, begin, end - begin));
  return FoldRightEdge(edge);
}

// Largest power of two strictly less than n; requires n >= 2 (the RFC's k).
uint64_t SplitPoint(uint64_t n) { return std::bit_floor(n - 1); }

absl::Status RootMismatch(std::string_view which, const Hash& expected, const Hash& computed) {
  return absl::DataLossError(absl::StrFormat("%s root mismatch: expected %s, computed %s", which,
                                             HashToHex(expected), HashToHex(computed)));
}

}  // namespace

Hash HashLeaf(std::string_view leaf_data) {
  static constexpr char kLeafPrefix = 0x00;
  return Sha256({std::string_view(&kLeafPrefix, 1), leaf_data});
}

Hash HashChildren(const Hash& left, const Hash& right) {
  static constexpr char kNodePrefix = 0x01;
  return Sha256({std::string_view(&kNodePrefix, 1), AsBytes(left), AsBytes(right)});
}

Hash EmptyTreeRoot() { return Sha256({}); }

std::string HashToHex(const Hash& h) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * h.size());
  for (uint8_t b : h) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xf]);
  }
  return out;
}

absl::StatusOr<Hash> HashFromBytes(std::string_view bytes) {
  Hash h;
  if (bytes.size() != h.size()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("hash must be %d bytes, got %d", h.size(), bytes.size()));
  }
  std::copy(bytes.begin(), bytes.end(), h.begin());
  return h;
}

CompactRange::CompactRange() = default;

absl::StatusOr<CompactRange> CompactRange::Load(const SubtreeHashSource& source, uint64_t size) {
  CompactRange range;
  ASSIGN_OR_RETURN(range.hashes_, ReadRightEdge(source, 0, size));
  range.size_ = size;
  return range;
}

std::vector<MerkleNode> CompactRange::Append(const Hash& leaf_hash) {
  if (size_ == UINT64_MAX) Die("CompactRange::Append on a full tree (2^64 - 1 leaves)");
  std::vector<MerkleNode> completed;
  completed.reserve(1 + std::countr_one(size_));
  uint64_t index = size_;
  int level = 0;
  Hash hash = leaf_hash;
  completed.push_back({level, index, hash});
  // Each trailing one bit of the old size is a complete sibling on the right edge that the new
  // leaf now pairs with; at most 63 iterations since size_ < UINT64_MAX.
  for (uint64_t bits = size_; (bits & 1) != 0; bits >>= 1) {
    hash = HashChildren(hashes_.back(), hash);
    hashes_.pop_back();
    ++level;
    index >>= 1;
    completed.push_back({level, index, hash});
  }
  hashes_.push_back(hash);
  ++size_;
  return completed;
}

Hash CompactRange::Root() const {
  if (hashes_.empty()) return EmptyTreeRoot();
  return FoldRightEdge(hashes_);
}

absl::StatusOr<Hash> RootAt(const SubtreeHashSource& source, uint64_t size) {
  if (size == 0) return EmptyTreeRoot();
  return RangeHash(source, 0, size);
}

absl::StatusOr<std::vector<Hash>> InclusionProof(const SubtreeHashSource& source, uint64_t index,
                                                 uint64_t size) {
  if (size == 0) return absl::InvalidArgumentError("tree_size must be positive");
  if (index >= size) {
    return absl::InvalidArgumentError(
        absl::StrFormat("index %d must be less than tree_size %d", index, size));
  }
  // Iterative PATH(m, D[lo:hi]): descend from the root towards the leaf, collecting the sibling
  // of each step. The RFC appends each sibling after the deeper part of the path, so the proof
  // is the collected list reversed (leaf level first). Only the first right-hand sibling can be
  // an incomplete subtree; everything left of or below a left turn is complete.
  std::vector<Hash> proof;
  uint64_t lo = 0;
  uint64_t hi = size;
  while (hi - lo > 1) {
    if (proof.size() >= kMaxInclusionProofLength) return absl::InternalError("proof too long");
    const uint64_t mid = lo + SplitPoint(hi - lo);
    if (index < mid) {
      ASSIGN_OR_RETURN(Hash sibling, RangeHash(source, mid, hi));
      proof.push_back(sibling);
      hi = mid;
    } else {
      ASSIGN_OR_RETURN(Hash sibling, RangeHash(source, lo, mid));
      proof.push_back(sibling);
      lo = mid;
    }
  }
  std::reverse(proof.begin(), proof.end());
  return proof;
}

absl::StatusOr<std::vector<Hash>> ConsistencyProof(const SubtreeHashSource& source,
                                                   uint64_t old_size, uint64_t new_size) {
  if (old_size == 0) return absl::InvalidArgumentError("old_size must be positive");
  if (old_size > new_size) {
    return absl::InvalidArgumentError(
        absl::StrFormat("old_size %d exceeds new_size %d", old_size, new_size));
  }
  std::vector<Hash> proof;
  if (old_size == new_size) return proof;
  // Iterative SUBPROOF(m, D[lo:hi], b), m counted relative to lo, collected top-down and
  // reversed at the end for the same reason as in InclusionProof. `old_is_left_edge` is the
  // RFC's b: true while D[lo:hi] starts at leaf 0, where the verifier already knows the old root.
  uint64_t m = old_size;
  uint64_t lo = 0;
  uint64_t hi = new_size;
  bool old_is_left_edge = true;
  for (;;) {
    if (proof.size() >= kMaxConsistencyProofLength) return absl::InternalError("proof too long");
    if (m == hi - lo) {
      if (!old_is_left_edge) {
        ASSIGN_OR_RETURN(Hash h, RangeHash(source, lo, hi));
        proof.push_back(h);
      }
      break;
    }
    // Here 1 <= m < hi - lo, so hi - lo >= 2 and the split point exists.
    const uint64_t k = SplitPoint(hi - lo);
    if (m <= k) {
      ASSIGN_OR_RETURN(Hash right, RangeHash(source, lo + k, hi));
      proof.push_back(right);
      hi = lo + k;
    } else {
      ASSIGN_OR_RETURN(Hash left, RangeHash(source, lo, lo + k));
      proof.push_back(left);
      m -= k;
      lo += k;
      old_is_left_edge = false;
    }
  }
  std::reverse(proof.begin(), proof.end());
  return proof;
}

int InclusionProofLength(uint64_t index, uint64_t size) {
  // Levels where the paths to `index` and to the last leaf differ have a full sibling subtree
  // ("inner"); above them the path runs along the right edge and gets a left sibling for each
  // set bit ("border").
  const int inner = std::bit_width(index ^ (size - 1));
  const int border = inner >= 64 ? 0 : std::popcount(index >> inner);
  return inner + border;
}

int ConsistencyProofLength(uint64_t old_size, uint64_t new_size) {
  if (old_size == new_size) return 0;
  // The consistency proof is the inclusion proof of the old tree's last leaf, minus the levels
  // inside the old tree's last complete subtree (of 2^shift leaves), plus that subtree's hash as
  // seed unless it is the whole old tree (then the verifier already has it as old_root).
  const int shift = std::countr_zero(old_size);
  const int seed = old_size == (uint64_t{1} << shift) ? 0 : 1;
  return seed + InclusionProofLength(old_size - 1, new_size) - shift;
}

namespace {

// RFC 9162 §2.1.3.2 from a node at some level: `fn` its index there, `sn` the index of the
// tree's last node there. At level 0 this is the RFC's algorithm exactly.
absl::Status VerifyPath(const Hash& start, uint64_t fn, uint64_t sn, const std::vector<Hash>& proof,
                        const Hash& root, const char* what) {
  // Each inner while loop shifts out zero bits of a nonzero value, so it runs at most 63 times;
  // the outer loop is bounded by proof.size() <= 64.
  Hash r = start;
  for (const Hash& p : proof) {
    if (sn == 0) return absl::InvalidArgumentError(absl::StrCat(what, " too long"));
    if ((fn & 1) != 0 || fn == sn) {
      r = HashChildren(p, r);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = HashChildren(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return absl::InvalidArgumentError(absl::StrCat(what, " too short"));
  if (r != root) return RootMismatch(what, root, r);
  return absl::OkStatus();
}

// OK when the node at (level, index) is a complete subtree of a tree of `size` leaves.
absl::Status CheckCompleteSubtree(int level, uint64_t index, uint64_t size) {
  if (level < 0 || level > 63) {
    return absl::InvalidArgumentError(absl::StrFormat("level %d must be 0..63", level));
  }
  const uint64_t complete = size >> level;  // complete subtrees at this level
  if (index >= complete) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "index %d at level %d is not a complete subtree of tree_size %d", index, level, size));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status VerifyInclusion(const Hash& leaf_hash, uint64_t index, uint64_t size,
                             const std::vector<Hash>& proof, const Hash& root) {
  if (size == 0) return absl::InvalidArgumentError("tree_size must be positive");
  if (index >= size) {
    return absl::InvalidArgumentError(
        absl::StrFormat("index %d must be less than tree_size %d", index, size));
  }
  const int want = InclusionProofLength(index, size);
  if (proof.size() != static_cast<size_t>(want)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("inclusion proof has %d hashes, index %d in tree_size %d needs %d",
                        proof.size(), index, size, want));
  }
  return VerifyPath(leaf_hash, index, size - 1, proof, root, "inclusion proof");
}

absl::StatusOr<std::vector<Hash>> SubtreeInclusionProof(const SubtreeHashSource& source, int level,
                                                        uint64_t index, uint64_t size) {
  RETURN_IF_ERROR(CheckCompleteSubtree(level, index, size));
  // The subtree's first leaf: its path's lowest `level` steps stay inside the subtree.
  ASSIGN_OR_RETURN(std::vector<Hash> proof, InclusionProof(source, index << level, size));
  proof.erase(proof.begin(), proof.begin() + level);
  return proof;
}

absl::Status VerifySubtreeInclusion(const Hash& node, int level, uint64_t index, uint64_t size,
                                    const std::vector<Hash>& proof, const Hash& root) {
  RETURN_IF_ERROR(CheckCompleteSubtree(level, index, size));
  const int want = InclusionProofLength(index << level, size) - level;
  if (proof.size() != static_cast<size_t>(want)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "subtree inclusion proof has %d hashes, node %d at level %d in tree_size %d needs %d",
        proof.size(), index, level, size, want));
  }
  return VerifyPath(node, index, (size - 1) >> level, proof, root, "subtree inclusion proof");
}

absl::Status VerifyConsistency(uint64_t old_size, uint64_t new_size, const std::vector<Hash>& proof,
                               const Hash& old_root, const Hash& new_root) {
  if (old_size > new_size) {
    return absl::InvalidArgumentError(
        absl::StrFormat("old_size %d exceeds new_size %d", old_size, new_size));
  }
  if (old_size == 0 || old_size == new_size) {
    if (!proof.empty()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "consistency proof from old_size %d to new_size %d must be empty, has %d hashes",
          old_size, new_size, proof.size()));
    }
    if (old_size == 0 && old_root != EmptyTreeRoot()) {
      return RootMismatch("old (empty tree)", EmptyTreeRoot(), old_root);
    }
    if (old_size == new_size && old_root != new_root) {
      return RootMismatch("new (same size as old)", old_root, new_root);
    }
    return absl::OkStatus();
  }
  const int want = ConsistencyProofLength(old_size, new_size);
  if (proof.size() != static_cast<size_t>(want)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("consistency proof has %d hashes, old_size %d to new_size %d needs %d",
                        proof.size(), old_size, new_size, want));
  }
  // RFC 9162 §2.1.4.2, step by step. A power-of-two old tree is itself a complete subtree, so
  // its root is the implicit first element of the proof.
  std::vector<Hash> c;
  c.reserve(proof.size() + 1);
  if (std::has_single_bit(old_size)) c.push_back(old_root);
  c.insert(c.end(), proof.begin(), proof.end());

  uint64_t fn = old_size - 1;
  uint64_t sn = new_size - 1;
  while ((fn & 1) != 0) {  // At most 63 shifts: fn < UINT64_MAX has a zero bit.
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = c[0];
  Hash sr = c[0];
  for (size_t i = 1; i < c.size(); ++i) {
    if (sn == 0) return absl::InvalidArgumentError("consistency proof too long");
    if ((fn & 1) != 0 || fn == sn) {
      fr = HashChildren(c[i], fr);
      sr = HashChildren(c[i], sr);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = HashChildren(sr, c[i]);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return absl::InvalidArgumentError("consistency proof too short");
  if (fr != old_root) return RootMismatch("old", old_root, fr);
  if (sr != new_root) return RootMismatch("new", new_root, sr);
  return absl::OkStatus();
}

void MemorySubtreeStore::Put(const MerkleNode& node) {
  nodes_[{node.level, node.index}] = node.hash;
}

void MemorySubtreeStore::PutAll(const std::vector<MerkleNode>& nodes) {
  for (const MerkleNode& node : nodes) Put(node);
}

absl::StatusOr<Hash> MemorySubtreeStore::CompleteSubtree(int level, uint64_t index) const {
  if (level < 0 || level >= kMaxTreeLevels) {
    return absl::InvalidArgumentError(absl::StrFormat("level %d out of range", level));
  }
  auto it = nodes_.find({level, index});
  if (it == nodes_.end()) {
    return absl::NotFoundError(
        absl::StrFormat("no complete subtree at level %d index %d", level, index));
  }
  return it->second;
}

}  // namespace booo::ledger
