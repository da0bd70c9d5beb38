// Admission of one event inside a group commit (Ledger::AdmitInGroup): the rules that need the
// log's state (the key registry, event ids, stream versions, supersession, the domain policy),
// judged against the group's state so that an event sees the ones queued before it, and the
// event's leaf, tree nodes and indexes added to the group's batch. Nothing is published here.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "ledger/core/admission.h"
#include "ledger/core/crypto.h"
#include "ledger/core/event_validation.h"
#include "ledger/core/leaf_format.h"
#include "ledger/core/status_macros.h"
#include "ledger/storage/ledger.h"
#include "ledger/storage/ledger_group.h"

namespace booo::ledger {

absl::StatusOr<AppendResult> Ledger::AdmitInGroup(PendingAppend& append, GroupState& g) {
  const booo::v1::EventBody& body = append.body;
  // A mirror's event: at the primary's sequence and time, which never goes back.
  const int64_t recorded_at = append.replicated ? append.recorded_at_micros : g.recorded_at_micros;
  if (append.replicated) {
    if (append.sequence != g.next_sequence) {
      return absl::DataLossError(absl::StrCat("the primary sent sequence ", append.sequence,
                                              " where the log's next is ", g.next_sequence));
    }
    if (recorded_at < g.last_event_recorded_at_micros) {
      return absl::DataLossError(absl::StrCat(
          "recorded_at_micros: ", recorded_at, " is before the previous event's ",
          g.last_event_recorded_at_micros, "; recorded-at times never go back"));
    }
    const bool again = g.ids.contains(body.event_id());
    ASSIGN_OR_RETURN(std::optional<uint64_t> recorded, store_->FindEventId(body.event_id()));
    if (again || recorded) {
      return absl::FailedPreconditionError(absl::StrCat(
          "event_id: ", body.event_id(), " is already recorded; a log holds each event once"));
    }
  }
  // Idempotency first: a retry of a recorded event gets its receipt even if, meanwhile, its key
  // was revoked or its stream moved on.
  if (auto it = g.ids.find(body.event_id()); it != g.ids.end()) {
    const auto& earlier = g.admitted[it->second];
    if (earlier.append->body_bytes == append.body_bytes &&
        earlier.append->signature == append.signature) {
      return AppendResult{earlier.receipt, true};
    }
    return absl::AlreadyExistsError(absl::StrCat("event_id: ", body.event_id(),
                                                 " is already recorded at sequence ",
                                                 earlier.receipt.sequence(), " with other bytes"));
  }
  ASSIGN_OR_RETURN(std::optional<uint64_t> existing, store_->FindEventId(body.event_id()));
  if (existing) return DuplicateResult(append, *existing, g);

  const KeyRegistry& keys = g.keys ? *g.keys : keys_;
  AdmissionInput input{&body,           append.body_bytes,         append.signature,
                       g.next_sequence, append.signature_verified, recorded_at};
  RETURN_IF_ERROR(AdmitEvent(input, keys));
  // (A mirror records a rotation it cannot sign for: the rule is this server's, not the log's.)
  if (!append.replicated && body.has_checkpoint_key_rotated() && options_.holds_checkpoint_key &&
      !options_.holds_checkpoint_key(body.checkpoint_key_rotated().checkpoint_public_key())) {
    return absl::FailedPreconditionError(
        "checkpoint_key_rotated.checkpoint_public_key: this server does not hold the key's "
        "private half; start ledgerd with --checkpoint-key for it, then rotate");
  }
  ASSIGN_OR_RETURN(std::optional<uint64_t> superseded,
                   [&]() -> absl::StatusOr<std::optional<uint64_t>> {
                     if (body.supersedes_event_id().empty()) return std::optional<uint64_t>();
                     RETURN_IF_ERROR(CheckSupersedes(body, g));
                     if (auto it = g.ids.find(body.supersedes_event_id()); it != g.ids.end()) {
                       return std::optional<uint64_t>(g.admitted[it->second].receipt.sequence());
                     }
                     return store_->FindEventId(body.supersedes_event_id());
                   }());

  const std::string& stream = body.stream();
  uint64_t head = 0;
  if (auto it = g.heads.find(stream); it != g.heads.end()) {
    head = it->second;
  } else if (auto it2 = stream_heads_.find(stream); it2 != stream_heads_.end()) {
    head = it2->second;
  }
  if (body.has_expected_stream_version() && body.expected_stream_version() != head) {
    return absl::AbortedError(absl::StrCat("expected_stream_version: stream ", stream,
                                           " is at version ", head, ", not ",
                                           body.expected_stream_version()));
  }
  // The domain rules that need history come last: a request that is stale or names an unknown
  // event gets that answer first.
  const bool watched = policy_streams_.contains(body.stream());
  if (watched) {
    RETURN_IF_ERROR(
        options_.policy->Check(PolicyEvent{body, g.next_sequence, recorded_at}, g.policy_pending));
  }

  const uint64_t sequence = g.next_sequence;
  ASSIGN_OR_RETURN(std::string leaf,
                   EncodeLeaf(Leaf{sequence, recorded_at, body.signer_key_id(),
                                   append.body_bytes, append.signature}));
  const Hash leaf_hash = HashLeaf(leaf);
  if (append.replicated && leaf_hash != append.leaf_hash) {
    return absl::DataLossError(absl::StrCat("leaf_hash: the event hashes to ", HashToHex(leaf_hash),
                                            " here; the primary says ",
                                            HashToHex(append.leaf_hash)));
  }
  g.last_event_recorded_at_micros = recorded_at;
  g.batch.PutLeaf(sequence, leaf);
  for (const MerkleNode& node : g.tree.Append(leaf_hash)) g.batch.PutNode(node);
  g.batch.PutEventId(body.event_id(), sequence);
  g.batch.PutStreamEntry(stream, head, sequence);
  g.batch.PutStreamVersion(sequence, head + 1);
  if (superseded) {
    g.batch.PutSuperseded(*superseded, sequence);
    g.superseded[*superseded] = sequence;
  }
  g.heads[stream] = head + 1;
  if (watched) g.policy_pending.push_back(PolicyEvent{body, sequence, recorded_at});
  ++g.next_sequence;
  if (IsKeyEvent(body)) {
    if (!g.keys) {
      absl::ReaderMutexLock lock(&keys_mutex_);
      g.keys = keys_;
    }
    g.keys->Apply(body, sequence);
  }

  booo::v1::Receipt receipt;
  receipt.set_sequence(sequence);
  receipt.set_recorded_at_micros(recorded_at);
  receipt.set_leaf_hash(std::string(leaf_hash.begin(), leaf_hash.end()));
  receipt.set_stream(stream);
  receipt.set_stream_version(head + 1);
  receipt.set_event_id(body.event_id());
  g.ids[body.event_id()] = g.admitted.size();
  g.admitted.push_back({&append, receipt});
  return AppendResult{std::move(receipt), false};
}

absl::StatusOr<AppendResult> Ledger::DuplicateResult(const PendingAppend& append, uint64_t sequence,
                                                     const GroupState& g) const {
  ASSIGN_OR_RETURN(booo::v1::StoredEvent stored, ReadStored(sequence));
  if (stored.body() != append.body_bytes || stored.signature() != append.signature) {
    return absl::AlreadyExistsError(absl::StrCat("event_id: ", append.body.event_id(),
                                                 " is already recorded at sequence ", sequence,
                                                 " with other bytes"));
  }
  booo::v1::Receipt receipt;
  receipt.set_sequence(stored.sequence());
  receipt.set_recorded_at_micros(stored.recorded_at_micros());
  receipt.set_leaf_hash(stored.leaf_hash());
  receipt.set_stream(stored.stream());
  receipt.set_stream_version(stored.stream_version());
  receipt.set_event_id(stored.event_id());
  return AppendResult{std::move(receipt), true};
}

absl::Status Ledger::CheckSupersedes(const booo::v1::EventBody& body, GroupState& g) const {
  const std::string& target_id = body.supersedes_event_id();
  if (IsKeyEvent(body)) {
    return absl::FailedPreconditionError(
        "supersedes_event_id: key events cannot be superseded; revoke the key instead");
  }
  booo::v1::EventBody target;
  uint64_t target_sequence = 0;
  if (auto it = g.ids.find(target_id); it != g.ids.end()) {
    target = g.admitted[it->second].append->body;
    target_sequence = g.admitted[it->second].receipt.sequence();
  } else {
    ASSIGN_OR_RETURN(std::optional<uint64_t> found, store_->FindEventId(target_id));
    if (!found) {
      return absl::NotFoundError(absl::StrCat("supersedes_event_id: unknown event ", target_id));
    }
    target_sequence = *found;
    ASSIGN_OR_RETURN(booo::v1::StoredEvent stored, ReadStored(*found));
    ASSIGN_OR_RETURN(target, ParseEventBody(stored.body()));
  }
  if (target.stream() != body.stream()) {
    return absl::FailedPreconditionError(absl::StrCat("supersedes_event_id: event ", target_id,
                                                      " is in stream ", target.stream(), ", not ",
                                                      body.stream()));
  }
  if (target.payload_case() != body.payload_case()) {
    return absl::FailedPreconditionError(absl::StrCat("supersedes_event_id: event ", target_id,
                                                      " is a ", PayloadName(target), " event, not ",
                                                      PayloadName(body)));
  }
  std::optional<uint64_t> by;
  if (auto it = g.superseded.find(target_sequence); it != g.superseded.end()) by = it->second;
  if (!by) {
    ASSIGN_OR_RETURN(by, store_->FindSuperseding(target_sequence));
  }
  if (by) {
    return absl::FailedPreconditionError(absl::StrCat("supersedes_event_id: event ", target_id,
                                                      " was already superseded at sequence ", *by,
                                                      "; supersede that correction instead"));
  }
  return absl::OkStatus();
}

}  // namespace booo::ledger
