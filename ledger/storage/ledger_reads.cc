// Ledger: the read side (events, pages, tree heads, proofs) and shutdown. The append side is in
// ledger.cc.
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "ledger/core/event_validation.h"
#include "ledger/core/leaf_format.h"
#include "ledger/storage/ledger.h"
#include "ledger/core/status_macros.h"
#include "ledger/core/string_views.h"

namespace booo::ledger {
namespace {

absl::Status Corrupt(uint64_t sequence, absl::string_view why) {
  return absl::DataLossError(absl::StrCat("sequence ", sequence, ": ", why));
}

// Decodes a stored leaf and checks that it sits at `sequence` and hashes to the leaf hash
// stored beside it, so a changed byte on disk is reported instead of served. The view points
// into `bytes`.
absl::StatusOr<LeafView> CheckStoredLeaf(uint64_t sequence, absl::string_view bytes,
                                         const Hash& stored_hash) {
  absl::StatusOr<LeafView> leaf = DecodeLeafView(bytes);
  if (!leaf.ok()) return Corrupt(sequence, leaf.status().message());
  if (leaf->sequence != sequence)
    return Corrupt(sequence, "the stored leaf names another sequence");
  if (HashLeaf(ToStd(bytes)) != stored_hash) {
    return Corrupt(sequence, "the stored event does not match its leaf hash");
  }
  return leaf;
}

}  // namespace

// Reads one committed event and checks it against its stored leaf hash, so that a changed byte
// on disk is reported (DATA_LOSS, naming the sequence) instead of served.
absl::StatusOr<booo::v1::StoredEvent> Ledger::ReadStored(uint64_t sequence) const {
  const uint64_t size = Head().size;
  if (sequence >= size) {
    return absl::NotFoundError(
        absl::StrCat("sequence: no event ", sequence, " (the log holds ", size, ")"));
  }
  absl::StatusOr<std::string> bytes = store_->GetLeaf(sequence);
  if (absl::IsNotFound(bytes.status())) return Corrupt(sequence, "the stored event is missing");
  RETURN_IF_ERROR(bytes.status());
  ASSIGN_OR_RETURN(Hash stored_hash, StoredLeafHash(sequence));
  ASSIGN_OR_RETURN(LeafView leaf, CheckStoredLeaf(sequence, *bytes, stored_hash));
  absl::StatusOr<booo::v1::EventBody> body = ParseEventBody(leaf.body);
  if (!body.ok()) return Corrupt(sequence, body.status().message());
  ASSIGN_OR_RETURN(uint64_t stream_version, store_->StreamVersionAfter(sequence));
  ASSIGN_OR_RETURN(std::optional<uint64_t> superseded_by, store_->FindSuperseding(sequence));

  booo::v1::StoredEvent event;
  event.set_sequence(sequence);
  event.set_recorded_at_micros(leaf.recorded_at_micros);
  event.set_key_id(std::string(leaf.key_id));
  event.set_body(std::string(leaf.body));
  event.set_signature(std::string(leaf.signature));
  event.set_leaf_hash(std::string(stored_hash.begin(), stored_hash.end()));
  event.set_stream(body->stream());
  event.set_stream_version(stream_version);
  event.set_event_id(body->event_id());
  // A correction written but not yet published is not part of this read's view.
  if (superseded_by && *superseded_by < size) event.set_superseded_by_sequence(*superseded_by);
  return event;
}

absl::Status Ledger::ScanEvents(
    uint64_t start, uint64_t end,
    absl::FunctionRef<absl::Status(const LeafView& leaf, const Hash& leaf_hash)> fn) const {
  RETURN_IF_ERROR(CheckScanEnd(end));
  return store_->ScanLeaves(
      start, end, [&](uint64_t sequence, absl::string_view bytes, absl::string_view stored_hash) {
        absl::StatusOr<Hash> hash = HashFromBytes(ToStd(stored_hash));
        if (!hash.ok()) return Corrupt(sequence, "the stored event does not match its leaf hash");
        ASSIGN_OR_RETURN(LeafView leaf, CheckStoredLeaf(sequence, bytes, *hash));
        return fn(leaf, *hash);
      });
}

absl::Status Ledger::ScanEventsUnchecked(
    uint64_t start, uint64_t end, absl::FunctionRef<absl::Status(const LeafView& leaf)> fn) const {
  RETURN_IF_ERROR(CheckScanEnd(end));
  return store_->ScanLeaves(
      start, end,
      [&](uint64_t sequence, absl::string_view bytes, absl::string_view) {
        absl::StatusOr<LeafView> leaf = DecodeLeafView(bytes);
        if (!leaf.ok()) return Corrupt(sequence, leaf.status().message());
        if (leaf->sequence != sequence) {
          return Corrupt(sequence, "the stored leaf names another sequence");
        }
        return fn(*leaf);
      },
      LedgerStore::LeafHashes::kSkip);
}

absl::StatusOr<Hash> Ledger::StoredLeafHash(uint64_t sequence) const {
  absl::StatusOr<Hash> hash = store_->CompleteSubtree(0, sequence);
  if (absl::IsNotFound(hash.status())) return Corrupt(sequence, "the stored leaf hash is missing");
  if (absl::IsDataLoss(hash.status())) return Corrupt(sequence, "the stored leaf hash is corrupt");
  return hash;  // a store error (UNAVAILABLE) passes as it is
}

absl::Status Ledger::CheckScanEnd(uint64_t end) const {
  const uint64_t size = Head().size;
  if (end > size) {
    return absl::OutOfRangeError(
        absl::StrCat("scan end ", end, " is past the log's size (", size, ")"));
  }
  return absl::OkStatus();
}

absl::StatusOr<Hash> Ledger::CheckLeaf(const LeafView& leaf) const {
  absl::StatusOr<Hash> stored_hash = StoredLeafHash(leaf.sequence);
  if (!stored_hash.ok()) return stored_hash.status();
  if (HashLeaf(ToStd(leaf.encoded)) != *stored_hash) {
    return Corrupt(leaf.sequence, "the stored event does not match its leaf hash");
  }
  return stored_hash;
}

absl::Status Ledger::ReadLeaves(
    absl::Span<const uint64_t> sequences,
    absl::FunctionRef<absl::Status(size_t, const LeafView&, const Hash&)> fn) const {
  const uint64_t size = Head().size;
  for (size_t i = 0; i < sequences.size(); ++i) {
    if (sequences[i] >= size || (i > 0 && sequences[i] <= sequences[i - 1])) {
      return absl::OutOfRangeError(absl::StrCat(
          "sequences: ", sequences[i], " is not ascending below the log's size (", size, ")"));
    }
  }
  return store_->GetLeaves(
      sequences, [&](size_t i, absl::string_view bytes, absl::string_view stored_hash) {
        absl::StatusOr<Hash> hash = HashFromBytes(ToStd(stored_hash));
        if (!hash.ok()) {
          return Corrupt(sequences[i], "the stored event does not match its leaf hash");
        }
        ASSIGN_OR_RETURN(LeafView leaf, CheckStoredLeaf(sequences[i], bytes, *hash));
        return fn(i, leaf, *hash);
      });
}

absl::StatusOr<TreeHead> Ledger::CopyStoreTo(const std::string& dir) const {
  RETURN_IF_ERROR(store_->CopyTo(dir));
  // What the copy holds is read from the copy: appends went on while it was made.
  uint64_t size = 0;
  {
    ASSIGN_OR_RETURN(std::unique_ptr<LedgerStore> copy,
                     LedgerStore::Open(dir, {.read_only = true}));
    ASSIGN_OR_RETURN(size, copy->TreeSize());
  }
  ASSIGN_OR_RETURN(Hash root, RootAt(size));  // the log only grows: the live tree has it
  return TreeHead{size, root};
}

absl::StatusOr<booo::v1::StoredEvent> Ledger::GetEvent(uint64_t sequence) const {
  return ReadStored(sequence);
}

absl::StatusOr<booo::v1::StoredEvent> Ledger::GetEventById(absl::string_view event_id) const {
  if (!IsValidEventId(event_id)) {
    return absl::InvalidArgumentError("event_id: must be 1..128 characters of A-Z a-z 0-9 . _ : -");
  }
  ASSIGN_OR_RETURN(std::optional<uint64_t> sequence, store_->FindEventId(event_id));
  if (!sequence || *sequence >= Head().size) {
    return absl::NotFoundError(absl::StrCat("event_id: no event ", event_id));
  }
  return ReadStored(*sequence);
}

absl::StatusOr<booo::v1::ReadEventsResponse> Ledger::ReadEvents(uint64_t start, uint32_t max_events,
                                                                absl::string_view stream) const {
  if (max_events == 0) max_events = 100;
  if (max_events > 1000) {
    return absl::InvalidArgumentError(absl::StrCat("max_events: ", max_events, " is over 1000"));
  }
  const uint64_t size = Head().size;
  booo::v1::ReadEventsResponse response;
  uint64_t next = start;
  if (stream.empty()) {
    const uint64_t end = start >= size ? start : std::min<uint64_t>(size, start + max_events);
    for (; next < end; ++next) {
      ASSIGN_OR_RETURN(*response.add_events(), ReadStored(next));
    }
    response.set_end_of_log(next >= size);
  } else {
    bool more = true;
    for (uint32_t i = 0; i < max_events; ++i, ++next) {
      ASSIGN_OR_RETURN(std::optional<uint64_t> sequence, store_->StreamEntry(stream, next));
      if (!sequence || *sequence >= size) {
        more = false;
        break;
      }
      ASSIGN_OR_RETURN(*response.add_events(), ReadStored(*sequence));
    }
    if (more) {
      ASSIGN_OR_RETURN(std::optional<uint64_t> after, store_->StreamEntry(stream, next));
      more = after.has_value() && *after < size;
    }
    response.set_end_of_log(!more);
  }
  response.set_next_start(next);
  return response;
}

size_t Ledger::QueuedEvents() const {
  absl::MutexLock lock(&queue_mutex_);
  return queued_events_;
}

TreeHead Ledger::Head() const {
  absl::MutexLock lock(&head_mutex_);
  return head_;
}

int64_t Ledger::SettledBeforeMicros() const {
  // Asked before the lock: it reads the store.
  const std::optional<int64_t> cap = settled_cap_ ? settled_cap_() : std::nullopt;
  absl::MutexLock settled(&settled_mutex_);
  int64_t settled_before = 0;
  // While a group is written its events carry its time and are not yet in the head. The floor
  // rises to it too: should the group not be published and the clock step back, no later group
  // may be recorded below a time already handed out.
  if (group_recorded_at_micros_) {
    settled_before = *group_recorded_at_micros_;
  } else {
    int64_t last_published = 0;
    bool following = false;
    {
      absl::MutexLock lock(&head_mutex_);
      last_published = published_recorded_at_micros_;
      following = following_;
    }
    // A mirror knows only the primary's times: its own clock says nothing of events to come.
    settled_before = following ? last_published
                               : std::max({settled_floor_micros_, last_published, clock_->NowMicros()});
  }
  // In a cluster, no later than what every possible next primary holds (SetSettledCap); both
  // never decrease, so neither does the answer.
  if (cap) settled_before = std::min(settled_before, std::max(*cap, settled_floor_micros_));
  settled_floor_micros_ = std::max(settled_floor_micros_, settled_before);
  return settled_before;
}

absl::StatusOr<Hash> Ledger::CheckedLeafHash(uint64_t sequence) const {
  absl::StatusOr<std::string> bytes = store_->GetLeaf(sequence);
  if (absl::IsNotFound(bytes.status())) return Corrupt(sequence, "the stored event is missing");
  RETURN_IF_ERROR(bytes.status());
  ASSIGN_OR_RETURN(Hash stored_hash, StoredLeafHash(sequence));
  RETURN_IF_ERROR(CheckStoredLeaf(sequence, *bytes, stored_hash).status());
  return stored_hash;
}

absl::StatusOr<Hash> Ledger::RootAt(uint64_t size) const {
  const TreeHead head = Head();
  if (size > head.size) {
    return absl::OutOfRangeError(
        absl::StrCat("tree_size: ", size, " is larger than the log (", head.size, ")"));
  }
  if (size == head.size) return head.root;
  ASSIGN_OR_RETURN(Hash root, ::booo::ledger::RootAt(store_->ProofNodes(), size));
  ASSIGN_OR_RETURN(std::vector<Hash> to_head,
                   ::booo::ledger::ConsistencyProof(store_->ProofNodes(), size, head.size));
  if (!VerifyConsistency(size, head.size, to_head, root, head.root).ok()) {
    return absl::DataLossError(absl::StrCat(
        "tree_size ", size, ": the stored tree's root is not consistent with the head at ",
        head.size, ": a stored tree node is damaged (ledgerctl verify names it)"));
  }
  return root;
}

absl::StatusOr<Ledger::CheckedInclusionProof> Ledger::InclusionProof(uint64_t sequence,
                                                                     uint64_t tree_size) const {
  const uint64_t size = Head().size;
  if (tree_size > size) {
    return absl::OutOfRangeError(
        absl::StrCat("tree_size: ", tree_size, " is larger than the log (", size, ")"));
  }
  CheckedInclusionProof proof;
  ASSIGN_OR_RETURN(proof.hashes, ::booo::ledger::InclusionProof(store_->ProofNodes(), sequence, tree_size));
  ASSIGN_OR_RETURN(proof.leaf_hash, CheckedLeafHash(sequence));
  ASSIGN_OR_RETURN(proof.root, RootAt(tree_size));
  if (!VerifyInclusion(proof.leaf_hash, sequence, tree_size, proof.hashes, proof.root).ok()) {
    return Corrupt(sequence, absl::StrCat("the stored tree does not prove it in the tree of ",
                                          tree_size, ": a stored tree node is damaged "
                                          "(ledgerctl verify names it)"));
  }
  return proof;
}

absl::StatusOr<Ledger::CheckedConsistencyProof> Ledger::ConsistencyProof(uint64_t old_size,
                                                                         uint64_t new_size) const {
  const uint64_t size = Head().size;
  if (new_size > size) {
    return absl::OutOfRangeError(
        absl::StrCat("new_size: ", new_size, " is larger than the log (", size, ")"));
  }
  CheckedConsistencyProof proof;
  ASSIGN_OR_RETURN(proof.hashes, ::booo::ledger::ConsistencyProof(store_->ProofNodes(), old_size, new_size));
  ASSIGN_OR_RETURN(proof.old_root, RootAt(old_size));
  ASSIGN_OR_RETURN(proof.new_root, RootAt(new_size));
  if (!VerifyConsistency(old_size, new_size, proof.hashes, proof.old_root, proof.new_root).ok()) {
    return absl::DataLossError(absl::StrCat(
        "tree sizes ", old_size, " to ", new_size, ": the stored tree does not prove their "
        "consistency: a stored tree node is damaged (ledgerctl verify names it)"));
  }
  return proof;
}

absl::StatusOr<std::string> Ledger::ReadTile(const TileId& tile) const {
  const TreeHead head = Head();
  if (!TileExists(tile, head.size)) {
    return absl::NotFoundError(
        absl::StrCat(TilePath(tile), ": not in the tree of ", head.size, " entries"));
  }
  if (!tile.entries) {
    ASSIGN_OR_RETURN(std::string hashes, TileHashes(*store_, tile, head.size));
    RETURN_IF_ERROR(CheckTileHashes(*store_, tile, hashes, head.size, head.root));
    return hashes;
  }
  const uint64_t first = FirstEntry(tile);
  std::string bundle;
  std::string leaf_hashes;
  leaf_hashes.reserve(static_cast<size_t>(tile.width) * 32);
  RETURN_IF_ERROR(ScanEvents(first, first + tile.width,
                             [&](const LeafView& leaf, const Hash& leaf_hash) -> absl::Status {
    if (absl::Status added = AppendBundleEntry(bundle, leaf.encoded, leaf.sequence); !added.ok()) {
      return absl::FailedPreconditionError(absl::StrCat(TilePath(tile), ": event ", added.message()));
    }
    leaf_hashes.append(reinterpret_cast<const char*>(leaf_hash.data()), leaf_hash.size());
    return absl::OkStatus();
  }));
  TileId level0 = tile;
  level0.entries = false;
  RETURN_IF_ERROR(CheckTileHashes(*store_, level0, leaf_hashes, head.size, head.root));
  return bundle;
}

std::optional<GenesisInfo> Ledger::Genesis() const {
  absl::ReaderMutexLock lock(&keys_mutex_);
  return keys_.genesis();
}

std::optional<CheckpointKey> Ledger::CheckpointKeyFor(uint64_t tree_size) const {
  absl::ReaderMutexLock lock(&keys_mutex_);
  const CheckpointKey* key = keys_.CheckpointKeyFor(tree_size);
  if (key == nullptr) return std::nullopt;
  return *key;
}

std::optional<KeyInfo> Ledger::FindKey(absl::string_view key_id) const {
  absl::ReaderMutexLock lock(&keys_mutex_);
  const KeyInfo* key = keys_.Find(key_id);
  if (key == nullptr) return std::nullopt;
  return *key;
}

uint64_t Ledger::WaitForGrowth(uint64_t size, absl::Duration timeout) const {
  absl::MutexLock lock(&head_mutex_);
  const absl::Time deadline = absl::Now() + timeout;
  while (head_.size <= size && !shutting_down_) {
    if (head_changed_.WaitWithDeadline(&head_mutex_, deadline)) break;  // timed out
  }
  return head_.size;
}

void Ledger::Shutdown() {
  {
    absl::MutexLock lock(&head_mutex_);
    shutting_down_ = true;
  }
  head_changed_.SignalAll();
  {
    absl::MutexLock lock(&queue_mutex_);
    writer_stop_ = true;
  }
  queue_changed_.SignalAll();
  if (writer_.joinable()) writer_.join();
  // After the writer: the answers of its last groups are still given.
  {
    absl::MutexLock lock(&completion_mutex_);
    completion_stop_ = true;
  }
  completion_changed_.SignalAll();
  if (completer_.joinable()) completer_.join();
}

bool Ledger::shutting_down() const {
  absl::MutexLock lock(&head_mutex_);
  return shutting_down_;
}

}  // namespace booo::ledger
