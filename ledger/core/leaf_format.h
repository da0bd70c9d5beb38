// The leaf: the exact bytes the ledger stores for one event and hashes into the Merkle tree.
// The byte layout is specified in ledger/core/LEAF_FORMAT.md; change neither without the other.
#ifndef BOOO_LEDGER_CORE_LEAF_FORMAT_H_
#define BOOO_LEDGER_CORE_LEAF_FORMAT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace booo::ledger {

inline constexpr uint8_t kLeafFormatVersion = 1;
inline constexpr size_t kMaxKeyIdBytes = 256;
// A hard ceiling for the body in the format itself; the service enforces a lower, configurable
// limit (LedgerOptions::max_body_bytes).
inline constexpr size_t kMaxLeafBodyBytes = 16 * 1024 * 1024;
inline constexpr size_t kLeafSignatureBytes = 64;
// A leaf's bytes besides its key id and body: version, sequence, recorded-at, the two length
// fields of key id and body, the signature with its length.
inline constexpr size_t kLeafFixedBytes = 1 + 8 + 8 + 2 + 4 + 2 + kLeafSignatureBytes;
// Every key id the ledger issues: "ed25519:" and 16 hex digits.
inline constexpr size_t kLedgerKeyIdBytes = 24;
// The largest body the ledger accepts: its leaf, at most 65,535 bytes, fits a C2SP tlog-tiles
// entry bundle, whose entries carry a 16-bit length (ledger/core/tiles.h). 65,422 bytes.
inline constexpr size_t kMaxTiledBodyBytes = 65535 - kLeafFixedBytes - kLedgerKeyIdBytes;

struct Leaf {
  uint64_t sequence = 0;
  int64_t recorded_at_micros = 0;
  std::string key_id;
  std::string body;       // serialized EventBody, verbatim as signed
  std::string signature;  // Ed25519, 64 bytes

  bool operator==(const Leaf&) const = default;
};

// The same fields as views into the encoded bytes, which must outlive it: for scans that read
// many leaves and keep none of them whole.
struct LeafView {
  uint64_t sequence = 0;
  int64_t recorded_at_micros = 0;
  absl::string_view key_id;
  absl::string_view body;
  absl::string_view signature;
  absl::string_view encoded;  // the whole leaf as stored, what its leaf hash is the hash of
};

// Encodes a leaf. The inputs must respect the limits above (checked: INVALID_ARGUMENT).
absl::StatusOr<std::string> EncodeLeaf(const Leaf& leaf);
// Decodes strictly: wrong version, a length past the end, trailing bytes or a limit broken give
// DATA_LOSS, because leaves are only ever read back from storage or an export.
absl::StatusOr<Leaf> DecodeLeaf(absl::string_view bytes);
absl::StatusOr<LeafView> DecodeLeafView(absl::string_view bytes);

}  // namespace booo::ledger

#endif  // BOOO_LEDGER_CORE_LEAF_FORMAT_H_
