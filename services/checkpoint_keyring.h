// The checkpoint-signing private keys a server holds: the one in force and, around a rotation,
// the next (loaded before the rotation is appended) or the previous one. Filled at start,
// read-only afterwards, so it may be read from any thread.
#ifndef BOOO_SERVICES_CHECKPOINT_KEYRING_H_
#define BOOO_SERVICES_CHECKPOINT_KEYRING_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ledger/core/crypto.h"

namespace booo::services {

class CheckpointKeyring {
 public:
  // Reads each PKCS#8 PEM key file; the first error (naming the file) otherwise.
  static absl::StatusOr<CheckpointKeyring> Load(const std::vector<std::string>& files);

  // The private key whose public half is `public_key`; nullptr when not held.
  const ledger::Ed25519PrivateKey* Find(absl::string_view public_key) const {
    for (const ledger::Ed25519PrivateKey& key : keys_) {
      if (key.PublicKey() == public_key) return &key;
    }
    return nullptr;
  }
  bool Holds(absl::string_view public_key) const { return Find(public_key) != nullptr; }

 private:
  std::vector<ledger::Ed25519PrivateKey> keys_;
};

inline absl::StatusOr<CheckpointKeyring> CheckpointKeyring::Load(
    const std::vector<std::string>& files) {
  CheckpointKeyring ring;
  for (const std::string& file : files) {
    absl::StatusOr<ledger::Ed25519PrivateKey> key = ledger::ReadPrivateKeyFile(file);
    if (!key.ok()) return key.status();
    ring.keys_.push_back(*std::move(key));
  }
  return ring;
}

}  // namespace booo::services

#endif  // BOOO_SERVICES_CHECKPOINT_KEYRING_H_
