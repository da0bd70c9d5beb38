// The log's signature on its checkpoints, for every place that hands one out (GetCheckpoint,
// Backup, the tiles listener, the witness collector).
//
// A checkpoint is signed with the key the ledger puts in force for its tree size, under that
// key's name and the genesis origin. Around a checkpoint-key rotation, while the server still
// holds the previous key, each checkpoint under the new key announces it and carries both
// signatures: its body has the extension line
//
//   key-rotation <verifier key of the new key>
//
// and the previous key signs it too. A witness or verifier that trusts only the previous key
// thus learns the new one from a checkpoint it can check, without being reconfigured by hand
// (docs: README "Witnesses"; ledger/witness/witness_state.h applies it).
#ifndef BOOO_SERVICES_CHECKPOINT_SIGNER_H_
#define BOOO_SERVICES_CHECKPOINT_SIGNER_H_

#include <string>

#include "absl/status/statusor.h"
#include "booo/v1/ledger_service.pb.h"
#include "ledger/storage/ledger.h"
#include "services/checkpoint_keyring.h"

namespace booo::services {

inline constexpr char kKeyRotationExtension[] = "key-rotation ";

class CheckpointSigner {
 public:
  // Both must outlive the signer.
  CheckpointSigner(const ledger::Ledger* ledger, const CheckpointKeyring* keys)
      : ledger_(ledger), keys_(keys) {}

  // The signed checkpoint of `head`. FAILED_PRECONDITION when the ledger has no genesis or the
  // keyring lacks the key in force.
  absl::StatusOr<booo::v1::Checkpoint> Sign(const ledger::TreeHead& head) const;

 private:
  const ledger::Ledger* const ledger_;
  const CheckpointKeyring* const keys_;
};

}  // namespace booo::services

#endif  // BOOO_SERVICES_CHECKPOINT_SIGNER_H_
