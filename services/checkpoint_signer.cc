#include "services/checkpoint_signer.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "ledger/core/checkpoint.h"
#include "ledger/core/status_macros.h"

namespace booo::services {

absl::StatusOr<booo::v1::Checkpoint> CheckpointSigner::Sign(const ledger::TreeHead& head) const {
  const absl::Time started = absl::Now();
  absl::StatusOr<booo::v1::Checkpoint> signed_head = SignUntimed(head);
  if (signed_head.ok() && observer_) {
    observer_(head.size, absl::ToDoubleSeconds(absl::Now() - started));
  }
  return signed_head;
}

absl::StatusOr<booo::v1::Checkpoint> CheckpointSigner::SignUntimed(
    const ledger::TreeHead& head) const {
  std::optional<ledger::GenesisInfo> genesis = ledger_->Genesis();
  std::optional<ledger::CheckpointKey> in_force = ledger_->CheckpointKeyFor(head.size);
  if (!genesis || !in_force) return absl::FailedPreconditionError("ledger: has no genesis yet");
  const ledger::Ed25519PrivateKey* key = keys_->Find(in_force->public_key);
  if (key == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        "checkpoint: the key in force from tree size ", in_force->first_tree_size, " (",
        in_force->key_name, ", id ", ledger::KeyIdForPublicKey(in_force->public_key),
        ") is not loaded; restart ledgerd with --checkpoint-key for it"));
  }
  ledger::Checkpoint checkpoint{genesis->origin, head.size, head.root, {}};
  // The previous key, while the server holds it, vouches for the one in force.
  const ledger::Ed25519PrivateKey* previous_key = nullptr;
  std::optional<ledger::CheckpointKey> previous;
  if (in_force->first_tree_size > 1) {
    previous = ledger_->CheckpointKeyFor(in_force->first_tree_size - 1);
    if (previous && previous->public_key != in_force->public_key) {
      previous_key = keys_->Find(previous->public_key);
    }
  }
  if (previous_key != nullptr) {
    checkpoint.extensions.push_back(absl::StrCat(
        kKeyRotationExtension, ledger::VerifierKeyString(in_force->key_name, in_force->public_key)));
  }
  ASSIGN_OR_RETURN(std::string note, ledger::SignCheckpoint(checkpoint, in_force->key_name, *key));
  if (previous_key != nullptr) {
    ASSIGN_OR_RETURN(std::string by_previous,
                     ledger::SignCheckpoint(checkpoint, previous->key_name, *previous_key));
    // Both notes share the body and blank line; append the previous key's signature line.
    const size_t text = ledger::CheckpointBody(checkpoint).size() + 1;
    note += by_previous.substr(text);
  }
  booo::v1::Checkpoint signed_head;
  signed_head.set_note(std::move(note));
  signed_head.set_tree_size(head.size);
  signed_head.set_root_hash(std::string(head.root.begin(), head.root.end()));
  signed_head.set_origin(genesis->origin);
  signed_head.set_key_name(in_force->key_name);
  return signed_head;
}

absl::StatusOr<ledger::TreeHead> CheckpointSigner::SignableHead() const {
  const ledger::TreeHead head = ledger_->Head();
  const uint64_t size = CeilingFor(head.size);
  if (size == head.size) return head;
  if (size == 0) {
    return absl::UnavailableError(
        "checkpoint: none may be handed out yet (no tree size is durable on the sync mirrors "
        "or verified from the primary); retry shortly");
  }
  ASSIGN_OR_RETURN(ledger::Hash root, ledger_->RootAt(size));
  return ledger::TreeHead{size, root};
}

absl::StatusOr<booo::v1::Checkpoint> CheckpointSigner::Latest() const {
  ASSIGN_OR_RETURN(ledger::TreeHead head, SignableHead());
  return Sign(head);
}

}  // namespace booo::services
