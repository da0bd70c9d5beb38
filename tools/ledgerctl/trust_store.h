// ledgerctl's trust store: per log (origin), the checkpoint verifier keys it pins, the witness
// policy it requires, and the latest checkpoint it verified. Every command that reads a
// checkpoint (checkpoint, prove, export-tiles; verify and the offline queries with
// --checkpoint) passes it through Accept, so that:
//   - a checkpoint signed by another key than the pinned one is refused (a key rotation the log
//     announced in a checkpoint both keys signed moves the pin, as witnesses do);
//   - with a witness policy, one without the quorum of valid cosignatures is refused;
//   - one older than the held checkpoint is refused, and one inconsistent with it (two trees
//     under one key: proof of a fork) is refused with both checkpoints printed as evidence, and
//     kept in the store's directory.
// The store is a directory of one JSON file per origin (`--trust-store`, default
// $BOOO_TRUST_STORE or ~/.booo-ledger/trust), written durably; Accept holds an exclusive lock
// on the directory, so two ledgerctl runs do not undo each other's updates.
#ifndef BOOO_TOOLS_LEDGERCTL_TRUST_STORE_H_
#define BOOO_TOOLS_LEDGERCTL_TRUST_STORE_H_

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/core/checkpoint.h"
#include "ledger/core/merkle.h"

namespace booo::ledgerctl {

struct TrustedLog {
  std::string origin;
  std::vector<std::pair<std::string, std::string>> log_keys;  // (key name, public key)
  // Keys a rotation replaced, each trusted for checkpoints smaller than the size of the first
  // checkpoint that announced its successor.
  struct RetiredKey {
    std::string name;
    std::string public_key;
    uint64_t below_size = 0;
  };
  std::vector<RetiredKey> retired_keys;
  std::string witness_policy;  // tlog-policy text; empty: no cosignatures required
  std::string latest_note;     // the latest checkpoint verified; empty before the first
};

// What the caller knows besides the store, for one checkpoint.
struct AcceptOptions {
  std::string verifier_key;        // --checkpoint-key: pins this key (replaces the pinned ones)
  std::string witness_policy_file;  // --witness-policy: pins this policy
  // The key to pin on first use when none is given: the one the ledger itself records for the
  // checkpoint's size (trust on first use, said so in the output).
  std::function<absl::StatusOr<std::pair<std::string, std::string>>()> recorded_key;
  // The consistency proof from the held checkpoint's size to this one's; for an offline
  // check, `root_at` gives the root of the checked tree at the held size instead.
  std::function<absl::StatusOr<std::vector<ledger::Hash>>(uint64_t old_size, uint64_t new_size)>
      consistency_proof;
  std::function<std::optional<ledger::Hash>(uint64_t size)> root_at;
};

class TrustStore {
 public:
  // The store in `dir` ("" picks the default); created on first write.
  static TrustStore Open(const std::string& dir);
  const std::string& dir() const { return dir_; }

  // Checks `note` as the header says, then records it as the latest (when not older) and pins
  // what it pinned. UNAUTHENTICATED (wrong key), FAILED_PRECONDITION (quorum not met; older
  // than the held one), DATA_LOSS (a fork: the message holds both checkpoints).
  absl::StatusOr<ledger::Checkpoint> Accept(const std::string& note, const AcceptOptions& options);

  // nullopt when the store holds nothing for `origin`; DATA_LOSS for a file it cannot read
  // (never silently trusted afresh).
  absl::StatusOr<std::optional<TrustedLog>> Find(const std::string& origin) const;

 private:
  explicit TrustStore(std::string dir) : dir_(std::move(dir)) {}
  absl::Status Save(const TrustedLog& log) const;
  std::string FileFor(const std::string& origin) const;
  void KeepEvidence(const std::string& origin, const std::string& text) const;
  std::string dir_;
};

}  // namespace booo::ledgerctl

#endif  // BOOO_TOOLS_LEDGERCTL_TRUST_STORE_H_
