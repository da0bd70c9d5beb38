// The key registry: which Ed25519 keys exist, what each may sign, and from which ledger position
// each was revoked, and the server's checkpoint keys over time. It is itself a projection of the
// "keys" stream (genesis, KeyRegistered, KeyRevoked, CheckpointKeyRotated), so the server and an offline verifier rebuild the same registry from the events.
// Not thread-safe: the owner serialises access.
#ifndef BOOO_LEDGER_CORE_KEY_REGISTRY_H_
#define BOOO_LEDGER_CORE_KEY_REGISTRY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "booo/v1/events.pb.h"

namespace booo::ledger {

struct KeyInfo {
  std::string key_id;
  std::string public_key;  // 32 raw bytes
  booo::v1::Role role = booo::v1::ROLE_UNSPECIFIED;
  std::string municipality_code;  // only for ROLE_MUNICIPALITY
  uint64_t registered_at_sequence = 0;
  std::optional<uint64_t> revoked_at_sequence;
};

// A checkpoint-signing key of the server and the trees it signs: those of `first_tree_size`
// events or more, up to the next key's first size. The genesis key signs from size 1; a key
// rotated in at sequence s from size s + 1, the first tree that holds its rotation.
struct CheckpointKey {
  std::string public_key;  // 32 raw bytes
  std::string key_name;    // its signed-note key name
  uint64_t first_tree_size = 1;
};

// The key of `keys` (oldest first) that signs the checkpoint of a tree of `tree_size` events;
// nullptr when `keys` is empty. Sizes below the first key's first size get the first key.
const CheckpointKey* CheckpointKeyFor(const std::vector<CheckpointKey>& keys, uint64_t tree_size);

// What the genesis event fixed for the ledger's whole life (its checkpoint key is the first
// of KeyRegistry::checkpoint_keys()).
struct GenesisInfo {
  std::string origin;
  std::string checkpoint_public_key;
  std::string checkpoint_key_name;
};

class KeyRegistry {
 public:
  // nullptr when unknown. The pointer is valid until the next Apply.
  const KeyInfo* Find(absl::string_view key_id) const;
  const std::optional<GenesisInfo>& genesis() const { return genesis_; }
  // Every checkpoint key the ledger has had, oldest first; empty before the genesis.
  const std::vector<CheckpointKey>& checkpoint_keys() const { return checkpoint_keys_; }
  // The key that signs the checkpoint of a tree of `tree_size` events; nullptr before the
  // genesis. Sizes below 1 get the genesis key.
  const CheckpointKey* CheckpointKeyFor(uint64_t tree_size) const;
  size_t size() const { return keys_.size(); }

  // The state rules for a key event (genesis, registration, revocation) signed by `signer`:
  // FAILED_PRECONDITION for a key registered twice or revoked twice, or for revoking the last
  // active ministry key, or for rotating to a checkpoint key the ledger already used;
  // NOT_FOUND for revoking an unknown key; INVALID_ARGUMENT when a key_id does not match its
  // public key. Other payloads: OK.
  absl::Status CheckKeyEvent(const booo::v1::EventBody& body) const;
  // Records an admitted key event at `sequence`. Other payloads are ignored.
  void Apply(const booo::v1::EventBody& body, uint64_t sequence);

 private:
  size_t ActiveMinistryKeys() const;

  absl::flat_hash_map<std::string, KeyInfo> keys_;
  std::optional<GenesisInfo> genesis_;
  std::vector<CheckpointKey> checkpoint_keys_;
};

}  // namespace booo::ledger

#endif  // BOOO_LEDGER_CORE_KEY_REGISTRY_H_
