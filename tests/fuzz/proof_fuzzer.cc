// Fuzz target: inclusion and consistency proofs as the offline verifier checks them (RFC 9162
// §2.1.3.2 and §2.1.4.2, ledger/core/merkle.h), two ways:
// - arbitrary proofs: indexes, sizes and hashes straight from the input, which must be refused
//   without a crash unless they happen to be right;
// - real proofs of a tree built from the input (1 to 64 leaves): each must verify, and the same
//   proof with one bit flipped, against another root, or for another index must not.
#include <cstring>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "ledger/core/merkle.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using booo::ledger::Hash;

struct Input {
  const uint8_t* data;
  size_t size;

  uint64_t TakeU64() {
    uint64_t v = 0;
    const size_t n = size < 8 ? size : 8;
    std::memcpy(&v, data, n);
    data += n;
    size -= n;
    return v;
  }
  std::vector<Hash> TakeHashes() {
    std::vector<Hash> hashes(size / 32);
    for (Hash& h : hashes) {
      std::memcpy(h.data(), data, 32);
      data += 32;
      size -= 32;
    }
    return hashes;
  }
};

void ArbitraryProofs(Input in) {
  const uint64_t index = in.TakeU64();
  const uint64_t size = in.TakeU64();
  const uint64_t old_size = in.TakeU64();
  std::vector<Hash> hashes = in.TakeHashes();
  if (hashes.size() < 2) return;
  const Hash first = hashes.front();
  const Hash last = hashes.back();
  std::vector<Hash> proof(hashes.begin() + 1, hashes.end() - 1);
  (void)booo::ledger::VerifyInclusion(first, index, size, proof, last);
  (void)booo::ledger::VerifyConsistency(old_size, size, proof, first, last);
}

void RealProofs(const uint8_t* data, size_t size) {
  if (size < 3) return;
  const uint64_t leaves = 1 + data[0] % 64;
  const uint64_t index = data[1] % leaves;
  const uint64_t old_size = 1 + data[2] % leaves;
  booo::ledger::CompactRange range;
  booo::ledger::MemorySubtreeStore store;
  std::vector<Hash> leaf_hashes;
  for (uint64_t i = 0; i < leaves; ++i) {
    // Each leaf's data: the input's bytes from position i on (distinct leaves for most inputs).
    const size_t from = std::min<size_t>(i, size);
    leaf_hashes.push_back(booo::ledger::HashLeaf(
        std::string_view(reinterpret_cast<const char*>(data) + from, size - from)));
    store.PutAll(range.Append(leaf_hashes.back()));
  }
  const Hash root = range.Root();
  auto inclusion = booo::ledger::InclusionProof(store, index, leaves);
  FUZZ_CHECK(inclusion.ok());
  FUZZ_CHECK(booo::ledger::VerifyInclusion(leaf_hashes[index], index, leaves, *inclusion, root)
                 .ok());
  Hash other_root = root;
  other_root[data[2] % 32] ^= 1;
  FUZZ_CHECK(!booo::ledger::VerifyInclusion(leaf_hashes[index], index, leaves, *inclusion,
                                            other_root)
                  .ok());
  if (!inclusion->empty()) {
    std::vector<Hash> flipped = *inclusion;
    flipped[data[1] % flipped.size()][data[0] % 32] ^= 0x80;
    FUZZ_CHECK(
        !booo::ledger::VerifyInclusion(leaf_hashes[index], index, leaves, flipped, root).ok());
  }
  if (leaves > 1 && leaf_hashes[index] != leaf_hashes[(index + 1) % leaves]) {
    const uint64_t other = (index + 1) % leaves;
    FUZZ_CHECK(
        !booo::ledger::VerifyInclusion(leaf_hashes[other], index, leaves, *inclusion, root).ok());
  }
  auto old_root = booo::ledger::RootAt(store, old_size);
  FUZZ_CHECK(old_root.ok());
  auto consistency = booo::ledger::ConsistencyProof(store, old_size, leaves);
  FUZZ_CHECK(consistency.ok());
  FUZZ_CHECK(
      booo::ledger::VerifyConsistency(old_size, leaves, *consistency, *old_root, root).ok());
  if (!consistency->empty()) {
    std::vector<Hash> flipped = *consistency;
    flipped[data[0] % flipped.size()][data[1] % 32] ^= 0x01;
    FUZZ_CHECK(
        !booo::ledger::VerifyConsistency(old_size, leaves, flipped, *old_root, root).ok());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ArbitraryProofs(Input{data, size});
  RealProofs(data, size);
  return 0;
}
