// Witness cosignatures in the C2SP tlog-cosignature format, version 1 (Ed25519;
// https://c2sp.org/tlog-cosignature): a note signature line by the witness over
//
//   cosignature/v1
//   time <POSIX seconds>
//   <the checkpoint body>
//
// whose signature bytes are the 8-byte big-endian timestamp followed by the 64-byte Ed25519
// signature, under a key hash computed with algorithm byte 0x04. A cosignature says: as of that
// time, the largest consistent tree this witness has seen of the log has this root.
// Thread safety: every function is thread-safe.
#ifndef BOOO_LEDGER_CORE_COSIGNATURE_H_
#define BOOO_LEDGER_CORE_COSIGNATURE_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ledger/core/crypto.h"

namespace booo::ledger {

struct Cosigner {
  std::string name;        // a schema-less URL naming the witness
  std::string public_key;  // 32 bytes
};

// The message a cosignature signs.
std::string CosignedMessage(absl::string_view checkpoint_body, uint64_t timestamp);

// One signature line ("— <name> <base64>\n") cosigning `checkpoint_body` at `timestamp`.
// INVALID_ARGUMENT for an invalid name or a timestamp of 0 or above 2^63 - 1.
absl::StatusOr<std::string> CosignatureLine(absl::string_view checkpoint_body,
                                            absl::string_view name, const Ed25519PrivateKey& key,
                                            uint64_t timestamp);

// The cosigners of `cosigners` whose valid cosignature `note` carries, by name, with its
// timestamp. Lines of other keys are ignored. UNAUTHENTICATED when a line by one of these
// cosigners (name and key hash) does not verify: such a note is malformed; INVALID_ARGUMENT
// for a note that is not a signed note.
absl::StatusOr<std::map<std::string, uint64_t>> VerifiedCosigners(
    absl::string_view note, const std::vector<Cosigner>& cosigners);

}  // namespace booo::ledger

#endif  // BOOO_LEDGER_CORE_COSIGNATURE_H_
