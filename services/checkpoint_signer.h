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

#include <algorithm>
#include <functional>
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

  // Told of every checkpoint signed: its tree size and how long signing took (metrics). Set
  // once, before serving.
  void SetObserver(std::function<void(uint64_t tree_size, double seconds)> observer) {
    observer_ = std::move(observer);
  }

  // In a cluster, a node hands out checkpoints only up to a ceiling (services/cluster_node.h):
  // the primary up to what its sync mirrors hold, a mirror up to the primary's latest
  // checkpoint it verified. `ceiling(head size)` returns the largest size it may sign now.
  // Set once, before serving.
  void SetCeiling(std::function<uint64_t(uint64_t head_size)> ceiling) {
    ceiling_ = std::move(ceiling);
  }
  // The head to hand out a checkpoint of now: the ledger's head, or the tree at the ceiling
  // below it (its root checked like every root, Ledger::RootAt).
  absl::StatusOr<ledger::TreeHead> SignableHead() const;
  // Sign(SignableHead()).
  absl::StatusOr<booo::v1::Checkpoint> Latest() const;
  // The largest size a checkpoint may be signed of now (the head without a ceiling).
  uint64_t CeilingFor(uint64_t head_size) const {
    return ceiling_ ? std::min(head_size, ceiling_(head_size)) : head_size;
  }

 private:
  absl::StatusOr<booo::v1::Checkpoint> SignUntimed(const ledger::TreeHead& head) const;
  std::function<uint64_t(uint64_t)> ceiling_;
  std::function<void(uint64_t, double)> observer_;
  const ledger::Ledger* const ledger_;
  const CheckpointKeyring* const keys_;
};

}  // namespace booo::services

#endif  // BOOO_SERVICES_CHECKPOINT_SIGNER_H_
