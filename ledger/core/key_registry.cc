#include "ledger/core/key_registry.h"

#include "absl/strings/str_cat.h"
#include "ledger/core/crypto.h"

namespace booo::ledger {

const KeyInfo* KeyRegistry::Find(absl::string_view key_id) const {
  auto it = keys_.find(key_id);
  return it == keys_.end() ? nullptr : &it->second;
}

const CheckpointKey* CheckpointKeyFor(const std::vector<CheckpointKey>& keys, uint64_t tree_size) {
  const CheckpointKey* in_force = nullptr;
  for (const CheckpointKey& key : keys) {
    if (in_force == nullptr || key.first_tree_size <= tree_size) in_force = &key;
  }
  return in_force;
}

const CheckpointKey* KeyRegistry::CheckpointKeyFor(uint64_t tree_size) const {
  return ::booo::ledger::CheckpointKeyFor(checkpoint_keys_, tree_size);
}

size_t KeyRegistry::ActiveMinistryKeys() const {
  size_t active = 0;
  for (const auto& [id, key] : keys_) {
    if (key.role == booo::v1::ROLE_MINISTRY && !key.revoked_at_sequence) ++active;
  }
  return active;
}

absl::Status KeyRegistry::CheckKeyEvent(const booo::v1::EventBody& body) const {
  switch (body.payload_case()) {
    case booo::v1::EventBody::kGenesis:
      if (genesis_) return absl::FailedPreconditionError("genesis: the ledger already has one");
      return absl::OkStatus();
    case booo::v1::EventBody::kKeyRegistered: {
      const auto& k = body.key_registered();
      if (k.key_id() != KeyIdForPublicKey(k.public_key())) {
        return absl::InvalidArgumentError(absl::StrCat("key_registered.key_id: \"", k.key_id(),
                                                       "\" is not the id of the key (",
                                                       KeyIdForPublicKey(k.public_key()), ")"));
      }
      if (Find(k.key_id()) != nullptr) {
        return absl::FailedPreconditionError(
            absl::StrCat("key_registered.key_id: ", k.key_id(), " is already registered"));
      }
      return absl::OkStatus();
    }
    case booo::v1::EventBody::kKeyRevoked: {
      const KeyInfo* key = Find(body.key_revoked().key_id());
      if (key == nullptr) {
        return absl::NotFoundError(
            absl::StrCat("key_revoked.key_id: unknown key ", body.key_revoked().key_id()));
      }
      if (key->revoked_at_sequence) {
        return absl::FailedPreconditionError(absl::StrCat("key_revoked.key_id: ", key->key_id,
                                                          " was already revoked at sequence ",
                                                          *key->revoked_at_sequence));
      }
      if (key->role == booo::v1::ROLE_MINISTRY && ActiveMinistryKeys() <= 1) {
        return absl::FailedPreconditionError(
            "key_revoked.key_id: the last active ministry key cannot be revoked; register "
            "another ministry key first");
      }
      return absl::OkStatus();
    }
    case booo::v1::EventBody::kCheckpointKeyRotated: {
      if (!genesis_) return absl::FailedPreconditionError("checkpoint_key_rotated: no genesis yet");
      const std::string& public_key = body.checkpoint_key_rotated().checkpoint_public_key();
      for (const CheckpointKey& key : checkpoint_keys_) {
        if (key.public_key == public_key) {
          return absl::FailedPreconditionError(absl::StrCat(
              "checkpoint_key_rotated.checkpoint_public_key: this ledger already used this key "
              "(from tree size ",
              key.first_tree_size, "); rotate to a new key"));
        }
      }
      return absl::OkStatus();
    }
    default:
      return absl::OkStatus();
  }
}

void KeyRegistry::Apply(const booo::v1::EventBody& body, uint64_t sequence) {
  switch (body.payload_case()) {
    case booo::v1::EventBody::kGenesis: {
      const auto& g = body.genesis();
      genesis_ = GenesisInfo{g.origin(), g.checkpoint_public_key(), g.checkpoint_key_name()};
      checkpoint_keys_.push_back({g.checkpoint_public_key(), g.checkpoint_key_name(), 1});
      KeyInfo root;
      root.public_key = g.ministry_root_public_key();
      root.key_id = KeyIdForPublicKey(root.public_key);
      root.role = booo::v1::ROLE_MINISTRY;
      root.registered_at_sequence = sequence;
      keys_[root.key_id] = std::move(root);
      break;
    }
    case booo::v1::EventBody::kKeyRegistered: {
      const auto& k = body.key_registered();
      KeyInfo info;
      info.key_id = k.key_id();
      info.public_key = k.public_key();
      info.role = k.role();
      info.municipality_code = k.municipality_code();
      info.registered_at_sequence = sequence;
      keys_[info.key_id] = std::move(info);
      break;
    }
    case booo::v1::EventBody::kKeyRevoked: {
      auto it = keys_.find(body.key_revoked().key_id());
      if (it != keys_.end()) it->second.revoked_at_sequence = sequence;
      break;
    }
    case booo::v1::EventBody::kCheckpointKeyRotated: {
      const auto& r = body.checkpoint_key_rotated();
      checkpoint_keys_.push_back({r.checkpoint_public_key(), r.checkpoint_key_name(), sequence + 1});
      break;
    }
    default:
      break;
  }
}

}  // namespace booo::ledger
