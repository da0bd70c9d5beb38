// Signed checkpoints of the ledger's Merkle tree, in the interoperable C2SP formats:
//   https://c2sp.org/tlog-checkpoint  (the body: origin, tree size, root hash, extensions)
//   https://c2sp.org/signed-note      (the envelope: body, blank line, signature lines)
// so that standard tooling (golang.org/x/mod/sumdb/note, transparency-dev/formats, witnesses)
// can verify the ledger's checkpoints and vice versa. Only Ed25519 (signature type 0x01) is
// supported.
//
// A signed checkpoint looks like:
//
//   example.com/ledger
//   42
//   <base64 of the 32-byte root hash>
//
//   — example.com/ledger <base64(4-byte key hash || 64-byte Ed25519 signature)>
//
// Thread safety: every function is thread-safe.
#ifndef BOOO_LEDGER_CORE_CHECKPOINT_H_
#define BOOO_LEDGER_CORE_CHECKPOINT_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/core/crypto.h"

namespace booo::ledger {

// Notes larger than this, or with more signature lines, are rejected as malformed before any
// signature is checked, bounding the work an untrusted note can cause. The spec requires
// accepting at least 16 signatures.
inline constexpr size_t kMaxNoteSize = 64 * 1024;
inline constexpr size_t kMaxNoteSignatures = 100;

struct Checkpoint {
  // Identifies the log; non-empty, no newline. Should be a schema-less URL.
  std::string origin;
  uint64_t tree_size = 0;
  // RFC 6962 Merkle tree hash at tree_size.
  std::array<uint8_t, 32> root_hash{};
  // Opaque extra lines, each non-empty and without newline. Not recommended by the spec.
  std::vector<std::string> extensions;

  friend bool operator==(const Checkpoint&, const Checkpoint&) = default;
};

// "<origin>\n<tree_size>\n<base64 root>\n" followed by "<extension>\n" per extension. Does not
// validate; see ValidateCheckpoint.
std::string CheckpointBody(const Checkpoint& c);

// OK if `c` can be serialised so that ParseCheckpointBody returns it unchanged: origin and
// extensions non-empty, valid UTF-8, without control characters. INVALID_ARGUMENT otherwise.
absl::Status ValidateCheckpoint(const Checkpoint& c);

// Parses a checkpoint body (the note text, final newline included). INVALID_ARGUMENT naming the
// offending part: empty origin, tree size not canonical decimal (no sign, no leading zeros) or
// above 2^64-1, root hash not canonical standard base64 of exactly 32 bytes, empty extension
// line, missing final newline.
absl::StatusOr<Checkpoint> ParseCheckpointBody(std::string_view text);

// Signs with `key` under `key_name`; returns the full signed note text. INVALID_ARGUMENT if the
// checkpoint fails ValidateCheckpoint or `key_name` is not a valid key name (non-empty, valid
// UTF-8, no Unicode spaces, no '+').
absl::StatusOr<std::string> SignCheckpoint(const Checkpoint& c, std::string_view key_name,
                                           const Ed25519PrivateKey& key);

// Parses and verifies a signed note against the given key, then parses its checkpoint body.
// Signature lines of unknown keys (different name or key hash) are ignored, as the spec
// requires. Errors:
//   INVALID_ARGUMENT     malformed note or body (message names what is wrong), a note over
//                        kMaxNoteSize or with over kMaxNoteSignatures signature lines, or an
//                        invalid `key_name` / `public_key` argument;
//   UNAUTHENTICATED      no signature line by this key, or any signature line by this key
//                        fails to verify (the spec says such a note SHOULD be rejected whole);
//   FAILED_PRECONDITION  `expected_origin` is non-empty and differs from the origin.
absl::StatusOr<Checkpoint> OpenCheckpoint(std::string_view note, std::string_view key_name,
                                          std::string_view public_key,
                                          std::string_view expected_origin = "");

// The checkpoint a signed note carries, its signatures NOT checked: only for choosing the key
// to check them with (by tree size, after a key rotation), then OpenCheckpoint. Errors as
// ParseCheckpointBody, or INVALID_ARGUMENT when the text has no signature block.
absl::StatusOr<Checkpoint> PeekCheckpoint(std::string_view note);

// The generic signed-note layer under the two functions above, for notes whose text is not a
// checkpoint (and for known-answer tests against other implementations).
// SignNote: `text` must be non-empty, end in '\n', be valid UTF-8 without control characters
// other than '\n' (else INVALID_ARGUMENT). Returns text + "\n" + one signature line.
absl::StatusOr<std::string> SignNote(std::string_view text, std::string_view key_name,
                                     const Ed25519PrivateKey& key);
// OpenNote: same envelope checks and errors as OpenCheckpoint; returns the verified text (with
// its final newline, without the separating blank line).
absl::StatusOr<std::string> OpenNote(std::string_view note, std::string_view key_name,
                                     std::string_view public_key);

// A note taken apart, its signatures NOT checked: the text (final newline included) and each
// signature line's key name, 4-byte key hash and the bytes after it. Envelope errors as
// OpenNote (INVALID_ARGUMENT). For cosignatures (ledger/core/cosignature.h) and tools.
struct NoteSignature {
  std::string name;
  std::string key_hash;   // 4 bytes
  std::string signature;  // what follows the key hash: a signature, or a timestamped one
};
struct SplitNoteResult {
  std::string text;
  std::vector<NoteSignature> signatures;
};
absl::StatusOr<SplitNoteResult> SplitNote(std::string_view note);

// True if `name` is a valid note key name: non-empty, valid UTF-8, no Unicode spaces, no '+'.
bool IsValidNoteKeyName(std::string_view name);

// The 4-byte note key hash: SHA-256(key_name || "\n" || 0x01 || public_key)[:4].
// `algorithm` 0x04 gives a C2SP tlog-cosignature v1 (Ed25519 cosigner) key's hash instead.
inline constexpr char kNoteAlgorithmEd25519 = 0x01;
inline constexpr char kNoteAlgorithmCosignatureV1 = 0x04;
std::string NoteKeyHash(std::string_view key_name, std::string_view public_key,
                        char algorithm = kNoteAlgorithmEd25519);

// "<name>+<8 lowercase hex digits of the key hash>+<base64(0x01 || public_key)>", the verifier
// key format of golang.org/x/mod/sumdb/note. Does not validate its arguments.
std::string VerifierKeyString(std::string_view key_name, std::string_view public_key,
                              char algorithm = kNoteAlgorithmEd25519);

// Parses a verifier key string into (name, 32-byte public key). INVALID_ARGUMENT if the name is
// invalid, the hash is not 8 hex digits or does not match, the key is not canonical base64, or
// the algorithm byte is not 0x01 (Ed25519) followed by 32 bytes.
// With `algorithm` 0x04: a cosigner's verifier key (tlog-cosignature).
absl::StatusOr<std::pair<std::string, std::string>> ParseVerifierKeyString(
    std::string_view vkey, char algorithm = kNoteAlgorithmEd25519);

}  // namespace booo::ledger

#endif  // BOOO_LEDGER_CORE_CHECKPOINT_H_
