// Ledger's private types for one group commit, shared by ledger.cc (the writer: queueing,
// committing, answering) and ledger_admission.cc (admitting one event against the group's
// state). Not part of the ledger's interface: include it from those two files only.
#ifndef BOOO_LEDGER_STORAGE_LEDGER_GROUP_H_
#define BOOO_LEDGER_STORAGE_LEDGER_GROUP_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "ledger/storage/ledger.h"

namespace booo::ledger {

struct Ledger::PendingAppend {
  std::string body_bytes;
  std::string signature;
  booo::v1::EventBody body;
  bool signature_verified = false;
  // A mirror's copy of the primary's event (ReplicateAsync): where and when the primary
  // recorded it, and the leaf hash it must have.
  bool replicated = false;
  uint64_t sequence = 0;
  int64_t recorded_at_micros = 0;
  Hash leaf_hash{};
};

struct Ledger::PendingUnit {
  std::vector<std::shared_ptr<PendingAppend>> events;
  bool batch = false;  // from AppendBatch: admitted whole or not at all
  // The one for its kind is called once, by the completion thread, after the group is durable
  // (or refused), in commit order.
  AppendDone append_done;
  BatchDone batch_done;
  // A mirror's chunk (ReplicateAsync): written up to its first refused event.
  bool replicated = false;
  ReplicateDone replicate_done;
  absl::Status prepare_divergence;  // an event after the unit's last failed before queueing
};

// One group commit in the making: the writer's state with this group's events applied, so an
// event sees the ones queued before it (a key registered just before, a stream version) while
// nothing is published until the batch is durable.
struct Ledger::GroupState {
  struct Admitted {
    const PendingAppend* append;
    booo::v1::Receipt receipt;
  };
  uint64_t first_sequence = 0;
  uint64_t next_sequence = 0;
  CompactRange tree;
  int64_t recorded_at_micros = 0;
  int64_t last_event_recorded_at_micros = 0;  // a mirror's events carry the primary's times
  bool replication_stopped = false;           // a replicated event was refused: admit no more
  StoreBatch batch;
  absl::flat_hash_map<std::string, uint64_t> heads;
  absl::flat_hash_map<std::string, size_t> ids;  // event id -> index into admitted
  absl::flat_hash_map<uint64_t, uint64_t> superseded;
  std::optional<KeyRegistry> keys;  // a copy, made when the group holds a key event
  std::vector<Admitted> admitted;
  std::vector<PolicyEvent> policy_pending;  // admitted events the policy watches, in order

  // The state before a batch, to return to when one of its events is refused.
  struct Mark {
    uint64_t next_sequence;
    CompactRange tree;
    size_t batch_ops;
    absl::flat_hash_map<std::string, uint64_t> heads;
    absl::flat_hash_map<std::string, size_t> ids;
    absl::flat_hash_map<uint64_t, uint64_t> superseded;
    std::optional<KeyRegistry> keys;
    size_t admitted;
    size_t policy_pending;
  };
  Mark Save() const {
    return Mark{next_sequence, tree,          batch.count(),   heads,
                ids,           superseded,    keys,            admitted.size(),
                policy_pending.size()};
  }
  void Restore(Mark mark) {
    next_sequence = mark.next_sequence;
    tree = std::move(mark.tree);
    batch.Truncate(mark.batch_ops);
    heads = std::move(mark.heads);
    ids = std::move(mark.ids);
    superseded = std::move(mark.superseded);
    keys = std::move(mark.keys);
    admitted.erase(admitted.begin() + static_cast<ptrdiff_t>(mark.admitted), admitted.end());
    policy_pending.erase(policy_pending.begin() + static_cast<ptrdiff_t>(mark.policy_pending),
                         policy_pending.end());
  }
};

}  // namespace booo::ledger

#endif  // BOOO_LEDGER_STORAGE_LEDGER_GROUP_H_
