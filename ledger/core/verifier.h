// The offline verifier: re-derives everything the ledger claims from its leaves alone, trusting
// nothing the server computed. Used by `ledgerctl verify` on a data directory (read-only) or an
// export file.
#ifndef BOOO_LEDGER_CORE_VERIFIER_H_
#define BOOO_LEDGER_CORE_VERIFIER_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/core/admission_policy.h"
#include "ledger/core/key_registry.h"
#include "ledger/core/merkle.h"
#include "ledger/core/payload_rules.h"

namespace booo::ledger {

// Leaves in log order.
class LeafSource {
 public:
  virtual ~LeafSource() = default;
  // The next leaf's bytes, nullopt at the end, or an error (DATA_LOSS for a damaged source).
  virtual absl::StatusOr<std::optional<std::string>> Next() = 0;
};

struct VerifyOptions {
  // A checkpoint the auditor kept (signed note text). Its signature, and that the ledger's tree
  // at its size has its root (the ledger extends it), are checked.
  std::optional<std::string> trusted_checkpoint;
  // The key to check that checkpoint with, as a verifier key string "name+hash+base64"; when
  // absent, the checkpoint key the ledger itself names for the checkpoint's tree size (the
  // genesis key, or the one a later CheckpointKeyRotated put in force before that size).
  std::optional<std::string> checkpoint_verifier_key;
  // When set (a data directory), every stored tree node is compared with the recomputed one and
  // a consistency proof from the trusted checkpoint is generated from the store and verified.
  const SubtreeHashSource* stored_tree = nullptr;
  // When set, the size the store claims; it must equal the number of leaves.
  std::optional<uint64_t> stored_tree_size;
  // The domain's field rules for its payloads, as the server applied them (not owned). Without
  // them a ledger holding any payload but key events does not verify.
  const PayloadRules* payload_rules = nullptr;
  // When set, the domain rules that need history are re-checked on every event of its streams,
  // as the server checked them (not owned; fresh, with no events committed).
  AdmissionPolicy* policy = nullptr;
  // Tree sizes whose roots the report should give (VerifyReport::roots_at): e.g. the size of a
  // checkpoint held elsewhere, to tell whether this ledger extends it.
  std::vector<uint64_t> roots_at;
};

struct VerifyReport {
  uint64_t events = 0;
  Hash root{};
  size_t keys = 0;
  GenesisInfo genesis;
  // Every checkpoint key the ledger has had, with the tree sizes each signs (as
  // KeyRegistry::checkpoint_keys()).
  std::vector<CheckpointKey> checkpoint_keys;
  std::optional<uint64_t> checkpoint_size;  // the trusted checkpoint's size, when one was given
  std::map<uint64_t, Hash> roots_at;        // VerifyOptions::roots_at within the ledger's size
};

// OK with a report, or the first failure. A failure that concerns one event says so in the
// form "sequence N: reason" and carries N in `first_bad_sequence` (when given).
absl::StatusOr<VerifyReport> VerifyLedger(LeafSource& leaves, const VerifyOptions& options,
                                          std::optional<uint64_t>* first_bad_sequence = nullptr);

}  // namespace booo::ledger

#endif  // BOOO_LEDGER_CORE_VERIFIER_H_
