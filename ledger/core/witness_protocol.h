// The C2SP tlog-witness protocol (https://c2sp.org/tlog-witness): the add-checkpoint request
// a log sends a witness, and the witness's judgement of it. Pure: the HTTP server and the
// durable state around it are `ledgerctl witness serve` (tools/ledgerctl/witness_server.h);
// the log's side is ledgerd's witness collector (services/witness_collector.h).
//
// A request body is "old <size>\n", up to 63 base64 consistency-proof hashes one per line, a
// blank line, then the signed checkpoint note.
#ifndef BOOO_LEDGER_CORE_WITNESS_PROTOCOL_H_
#define BOOO_LEDGER_CORE_WITNESS_PROTOCOL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ledger/core/checkpoint.h"
#include "ledger/core/crypto.h"
#include "ledger/core/merkle.h"

namespace booo::ledger {

inline constexpr size_t kMaxConsistencyProofLines = 63;
// The largest request body a witness reads: the old size line, 63 proof lines, the blank
// line and a note of at most kMaxNoteSize. Larger: 413 before parsing.
inline constexpr size_t kMaxAddCheckpointBytes = 32 + kMaxConsistencyProofLines * 45 + 1 + kMaxNoteSize;

struct AddCheckpointRequest {
  uint64_t old_size = 0;
  std::vector<Hash> proof;
  std::string checkpoint;  // the signed note
  friend bool operator==(const AddCheckpointRequest&, const AddCheckpointRequest&) = default;
};

// Strict: "old" with canonical decimal (no leading zeros, no sign), each proof line canonical
// base64 of exactly 32 bytes, at most 63 of them, a blank line, a non-empty note. Whether the
// note is a valid signed checkpoint is judged later. INVALID_ARGUMENT naming the part.
absl::StatusOr<AddCheckpointRequest> ParseAddCheckpointRequest(absl::string_view body);
std::string FormatAddCheckpointRequest(const AddCheckpointRequest& request);

// What a witness keeps per log: its latest cosigned tree and the keys it trusts for it.
struct WitnessedLog {
  std::string origin;
  uint64_t size = 0;
  Hash root{};
  std::string note;  // the latest cosigned checkpoint, with the log's and this witness's lines
  // (key name, public key) the witness accepts the log's signature from. Starts as configured;
  // a key rotation announced by a checkpoint the witness accepted replaces it.
  std::vector<std::pair<std::string, std::string>> log_keys;
  // The keys a rotation replaced: no longer accepted, kept so that a restart with the log's
  // original key configured is recognised as the same log.
  std::vector<std::pair<std::string, std::string>> retired_log_keys;
};

struct WitnessAnswer {
  int http_status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  // The log's new state to persist (before answering) when the checkpoint was cosigned.
  std::optional<WitnessedLog> updated;
  // A checkpoint by a trusted key with another root for the size the witness holds: two
  // signed trees of one size, kept as evidence. (A proof that fails proves nothing by itself:
  // anyone can send the log's own checkpoint with a wrong proof.)
  bool evidence_of_misbehaviour = false;
};

// The witness's answer to `request` for a log it knows as `current` (its configured keys and
// size 0 before its first cosignature), cosigning with `key` under `cosigner_name` at
// `timestamp`:
//   400 old size above the checkpoint's, or a malformed checkpoint;
//   403 no valid signature by a trusted key (or a bad one by a trusted key);
//   409 old size is not the size it holds: the body is that size, text/x.tlog.size;
//   422 a wrong root for size 0, a proof that does not verify, a non-empty proof from 0, the
//       same size with another root;
//   200 the cosignature line; `updated` holds the new state.
// A checkpoint carrying the extension "key-rotation <vkey>" that is signed by a trusted key
// and by that vkey's key moves the trust to the new key (see services/checkpoint_signer.h).
WitnessAnswer JudgeAddCheckpoint(const AddCheckpointRequest& request, const WitnessedLog& current,
                                 absl::string_view cosigner_name, const Ed25519PrivateKey& key,
                                 uint64_t timestamp);

}  // namespace booo::ledger

#endif  // BOOO_LEDGER_CORE_WITNESS_PROTOCOL_H_
