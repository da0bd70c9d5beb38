// Ledger: the append-only, signed, Merkle-verifiable event log, on a LedgerStore.
//
// Appends from many threads are admitted in order by one writer thread and written in groups:
// every event of a group, with its tree nodes and indexes, lands in one synced RocksDB batch
// (group commit), so an acknowledged event is durable and a crash never leaves half of one.
// Signatures are checked on the caller's thread before queueing, so verification runs on all
// cores while the writer stays short; a completion thread answers each group once it is
// durable, so the writer goes on to the next.
//
// Thread safety: every public method may be called from any thread.
#ifndef BOOO_LEDGER_STORAGE_LEDGER_H_
#define BOOO_LEDGER_STORAGE_LEDGER_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "booo/v1/ledger_service.pb.h"
#include "ledger/core/admission_policy.h"
#include "ledger/core/clock.h"
#include "ledger/core/key_registry.h"
#include "ledger/core/payload_rules.h"
#include "ledger/core/leaf_format.h"
#include "ledger/core/merkle.h"
#include "ledger/core/tiles.h"
#include "ledger/storage/ledger_observer.h"
#include "ledger/storage/store.h"

namespace booo::ledger {

struct LedgerOptions {
  // Larger bodies: RESOURCE_EXHAUSTED. At most kMaxTiledBodyBytes (65,422; Open refuses more),
  // so that every leaf fits a tlog-tiles entry bundle: a POO declaration then carries up to
  // about 980 person references (66 bytes each on the wire).
  size_t max_body_bytes = kMaxTiledBodyBytes;
  size_t max_group_events = 1024;     // events per group commit
  size_t max_queued_appends = 65536;  // events; beyond: RESOURCE_EXHAUSTED (back-pressure)
  size_t max_batch_events = 256;      // events per AppendBatch; beyond: RESOURCE_EXHAUSTED
  bool sync_writes = true;            // fsync the WAL before acknowledging
  // How long a group commit may wait for appends that are still being admitted on their
  // callers' threads (their signatures checked) before it is written, as PostgreSQL's
  // commit_delay waits for siblings: under load each fsync then answers more appends, and an
  // fsync's CPU (the disk's notifications, the file's size) is paid per group, not per event.
  // The group waits only while another append is being admitted, so a lone append is written
  // at once; and only with sync_writes. Zero: never wait.
  absl::Duration group_commit_delay = absl::Microseconds(1000);
  // The domain's field rules for its payloads (not owned; must outlive the ledger). Without
  // them only key events are admitted (FAILED_PRECONDITION for any other payload).
  const PayloadRules* payload_rules = nullptr;
  // Domain rules that need history (not owned; must outlive the ledger). Optional.
  AdmissionPolicy* policy = nullptr;
  // Whether the server holds the private half of a checkpoint key, asked before a rotation to
  // that key is admitted (FAILED_PRECONDITION when it does not): a server that cannot sign
  // with the key in force cannot hand out checkpoints. Optional; unset, the rule is off.
  std::function<bool(absl::string_view public_key)> holds_checkpoint_key;
  // Told of every group commit and signature check, timed (not owned; must outlive the
  // ledger). Optional.
  LedgerObserver* observer = nullptr;
  // The store's memory (LedgerStore::OpenOptions): its block cache and all memtables together
  // (0: RocksDB's default).
  size_t block_cache_bytes = size_t{256} << 20;
  size_t write_buffer_bytes = 0;
};

struct AppendResult {
  booo::v1::Receipt receipt;
  bool duplicate = false;  // a retry of an event already in the log
};

struct TreeHead {
  uint64_t size = 0;
  Hash root{};
};

class Ledger {
 public:
  static absl::StatusOr<std::unique_ptr<Ledger>> Open(const std::string& data_dir, Clock* clock,
                                                      LedgerOptions options = {});
  ~Ledger();  // finishes queued appends, then closes the store

  // Admits and durably appends one signed event, or refuses it with the code documented on the
  // Ledger service's Append (proto/booo/v1/ledger_service.proto). Nothing of a refused event
  // is written. Blocks until the group holding it is synced.
  absl::StatusOr<AppendResult> Append(std::string body_bytes, std::string signature);
  // The same without blocking a thread per append (the gRPC service's way): `done` is called
  // exactly once, on this thread when the event is refused before it is queued, otherwise on
  // the completion thread once its group is durable (groups answered in commit order). `done`
  // should be quick: a slow one delays later answers. It must not call the blocking Append or
  // AppendBatch, which would wait on the thread it runs on.
  using AppendDone = std::function<void(absl::StatusOr<AppendResult>)>;
  void AppendAsync(std::string body_bytes, std::string signature, AppendDone done);

  // Several signed events as one request: all admitted in order into one group commit, or none
  // written. A refusal names the event (events[i]) and keeps that event's code and reason; an
  // empty request is INVALID_ARGUMENT, one above LedgerOptions::max_batch_events
  // RESOURCE_EXHAUSTED. A recorded event in the batch (a retry) gets its receipt, marked
  // duplicate, as with Append. Results are in request order.
  struct SignedBytes {
    std::string body_bytes;
    std::string signature;
  };
  using BatchDone = std::function<void(absl::StatusOr<std::vector<AppendResult>>)>;
  absl::StatusOr<std::vector<AppendResult>> AppendBatch(std::vector<SignedBytes> events);
  void AppendBatchAsync(std::vector<SignedBytes> events, BatchDone done);

  // --- Mirrors (services/cluster_follower.h) ---
  // A mirror appends what the primary sent, not what callers ask: each event with the
  // sequence, recorded-at time and leaf hash the primary gave it. Every event is admitted
  // exactly as an append is (signature, key registry and role, admission rules, the domain
  // policy, supersession, stream versions), at the primary's time, and its leaf must then
  // hash to the primary's leaf hash; so a mirror stores the identical bytes and tree, or
  // stops. Events are written in order up to the first that fails; `done` gets the durable
  // size then and, for that event, `divergence` naming its sequence and why (FAILED_PRECONDITION
  // for a rule, INVALID_ARGUMENT for a malformed event, DATA_LOSS for a leaf hash or sequence
  // that does not match). A write failure is UNAVAILABLE or RESOURCE_EXHAUSTED in `write_error`
  // instead: nothing diverged, the mirror retries. Only while following (SetFollowing).
  struct ReplicatedEvent {
    std::string body_bytes;
    std::string signature;
    uint64_t sequence = 0;
    int64_t recorded_at_micros = 0;
    Hash leaf_hash{};
  };
  struct ReplicateResult {
    uint64_t durable_size = 0;
    absl::Status divergence;
    absl::Status write_error;
  };
  using ReplicateDone = std::function<void(ReplicateResult)>;
  void ReplicateAsync(std::vector<ReplicatedEvent> events, ReplicateDone done);
  // While following, appends are refused (FAILED_PRECONDITION) and ReplicateAsync is taken;
  // otherwise the reverse. A mirror's settled time is the last replicated event's, never its
  // own clock's (the primary records the times).
  void SetFollowing(bool following);
  bool following() const;
  // In a cluster, a time handed out as settled must hold on any node that may become primary:
  // `cap()` gives the recorded-at time of the last event every such node holds (the primary's
  // synced size, a mirror's verified checkpoint), and SettledBeforeMicros never exceeds it.
  // Set once, before the ledger is queried.
  void SetSettledCap(std::function<std::optional<int64_t>()> cap) { settled_cap_ = std::move(cap); }

  // Reads. DATA_LOSS when a stored event fails its hash; NOT_FOUND when absent.
  absl::StatusOr<booo::v1::StoredEvent> GetEvent(uint64_t sequence) const;
  absl::StatusOr<booo::v1::StoredEvent> GetEventById(absl::string_view event_id) const;
  // Up to `max_events` events from `start` (ledger sequence), or from stream version `start`
  // of `stream` when it is non-empty.
  absl::StatusOr<booo::v1::ReadEventsResponse> ReadEvents(uint64_t start, uint32_t max_events,
                                                          absl::string_view stream) const;
  // Calls `fn(leaf, leaf_hash)` for every committed event in [start, end) in order, each
  // decoded, hashed and compared with its stored leaf hash like every read (DATA_LOSS naming
  // the sequence otherwise); the views live only during the call. One sequential pass, no
  // per-event lookups or copies. OUT_OF_RANGE when `end` is past the head.
  absl::Status ScanEvents(
      uint64_t start, uint64_t end,
      absl::FunctionRef<absl::Status(const LeafView& leaf, const Hash& leaf_hash)> fn) const;
  // The same pass with each event decoded only (DATA_LOSS naming the sequence for one that
  // does not decode or names another sequence), neither hashed nor read with its leaf hash:
  // the projections' rebuild path. The caller checks what it keeps (CheckLeaf) and reads the
  // rest back later with ReadLeaves, which checks. Hashing every leaf was a fifth of a
  // rebuild, and reading the tree's level 0 beside the leaves a second iterator's work.
  absl::Status ScanEventsUnchecked(uint64_t start, uint64_t end,
                                   absl::FunctionRef<absl::Status(const LeafView& leaf)> fn) const;
  // The check ScanEventsUnchecked left out, for one leaf it handed over: its stored leaf hash,
  // or DATA_LOSS naming its sequence when the leaf does not hash to it.
  absl::StatusOr<Hash> CheckLeaf(const LeafView& leaf) const;

  // Calls `fn(i, leaf, leaf_hash)` for each of `sequences` (ascending, each below the head) in
  // order, each leaf read with its stored leaf hash and checked against it like every read:
  // DATA_LOSS naming the sequence otherwise. Reads in batches; the views live only during the
  // call. The projections' path back to the bodies they do not keep.
  absl::Status ReadLeaves(
      absl::Span<const uint64_t> sequences,
      absl::FunctionRef<absl::Status(size_t, const LeafView&, const Hash&)> fn) const;

  // Rewrites the storage files with the current options (LedgerStore::CompactAll); appends and
  // reads go on meanwhile.
  absl::Status CompactStorage() { return store_->CompactAll(); }

  // A consistent copy of the store in `dir` (LedgerStore::CopyTo), taken while appends go on;
  // the tree head the copy holds.
  absl::StatusOr<TreeHead> CopyStoreTo(const std::string& dir) const;

  TreeHead Head() const;
  // RocksDB's and the data volume's figures (LedgerStore::GetStats).
  LedgerStore::Stats StoreStats() const { return store_->GetStats(); }
  // Events queued or written but not yet answered (bounded by max_queued_appends).
  size_t QueuedEvents() const;

  // A recorded-at time before which the ledger holds every event it will ever hold: every event
  // recorded before it is already in Head(), and every later one is recorded at or after it.
  // Queries "as recorded at T" are repeatable only for T below it. Thread-safe; it never
  // decreases.
  int64_t SettledBeforeMicros() const;

  // Roots and proofs, each checked before it is handed out, so that a damaged tree node is
  // refused (DATA_LOSS, naming the sequence or tree sizes) rather than served: a root at an
  // older size must be consistent with the head, whose root the writer computed from the
  // leaves as they were appended; an inclusion proof must lead from the leaf's hash (itself
  // checked against the stored leaf) to the root; a consistency proof from one root to the
  // other. OUT_OF_RANGE for a size past the head; INVALID_ARGUMENT as the RFC 9162 functions.
  absl::StatusOr<Hash> RootAt(uint64_t size) const;
  struct CheckedInclusionProof {
    Hash leaf_hash;
    std::vector<Hash> hashes;
    Hash root;  // of the tree of the proof's size
  };
  absl::StatusOr<CheckedInclusionProof> InclusionProof(uint64_t sequence,
                                                       uint64_t tree_size) const;
  struct CheckedConsistencyProof {
    std::vector<Hash> hashes;
    Hash old_root;
    Hash new_root;
  };
  absl::StatusOr<CheckedConsistencyProof> ConsistencyProof(uint64_t old_size,
                                                           uint64_t new_size) const;
  // A hash tile or an entry bundle of the log as C2SP tlog-tiles serves it (ledger/core/tiles.h),
  // checked before it is handed out: its hashes (for a bundle, its leaves' hashes, each leaf
  // also checked against its stored hash) must lead to the head's root. NOT_FOUND, naming the
  // path, when the tree does not hold the tile yet; DATA_LOSS for a damaged node or leaf;
  // FAILED_PRECONDITION for a bundle with a leaf longer than an entry bundle can carry (only a
  // store written before the body limit was lowered can hold one).
  absl::StatusOr<std::string> ReadTile(const TileId& tile) const;
  std::optional<GenesisInfo> Genesis() const;
  // The checkpoint key that signs the tree of `tree_size` events (KeyRegistry::CheckpointKeyFor);
  // nullopt before the genesis.
  std::optional<CheckpointKey> CheckpointKeyFor(uint64_t tree_size) const;
  // The registered key `key_id` as the log's head knows it (revocation included); nullopt when
  // no such key was ever registered.
  std::optional<KeyInfo> FindKey(absl::string_view key_id) const;

  // Blocks until the log holds more than `size` events, `timeout` passes or Shutdown is
  // called; returns the size then.
  uint64_t WaitForGrowth(uint64_t size, absl::Duration timeout) const;
  // Refuses new appends (UNAVAILABLE), finishes the queued ones, wakes every waiter.
  void Shutdown();
  bool shutting_down() const;

 private:
  struct PendingAppend;
  // What the writer takes from the queue: one Append, or one AppendBatch (admitted whole or
  // not at all).
  struct PendingUnit;
  // Queues `unit`, or says why not (UNAVAILABLE when stopping, RESOURCE_EXHAUSTED when full).
  // `ends_admission`: the unit was counted by AdmissionStarted, and is not any longer once
  // queued or refused (in the same step, so the writer never sees it in neither place).
  absl::Status Enqueue(std::shared_ptr<PendingUnit> unit, bool ends_admission = false);
  // An append's admission on its caller's thread begins or ends (refused before it is queued):
  // what a group commit waits for (LedgerOptions::group_commit_delay).
  void AdmissionStarted();
  void AdmissionEnded();
  // Moves the queued units that may join `group` (whole units, up to max_group_events, appends
  // and a mirror's chunks never mixed) into it; `events` counts the group's events.
  void TakeQueued(std::vector<std::shared_ptr<PendingUnit>>& group, size_t& events)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(queue_mutex_);
  // Everything of admission that can run on the caller's thread: limits, parsing, stateless
  // validation, and the signature when the key is known.
  absl::StatusOr<std::shared_ptr<PendingAppend>> Prepare(std::string body_bytes,
                                                         std::string signature);
  // True when the event's id is published with exactly these bytes and signature: a retry,
  // whose signature needs no second check.
  absl::StatusOr<bool> RecordedAsIs(const booo::v1::EventBody& body, absl::string_view body_bytes,
                                    absl::string_view signature) const;
  struct GroupState;

  Ledger(std::unique_ptr<LedgerStore> store, Clock* clock, LedgerOptions options);
  absl::Status LoadState();
  void WriterLoop();
  // Per unit: its events' results, or the refusal of the whole batch.
  struct GroupResults {
    std::vector<std::vector<absl::StatusOr<AppendResult>>> unit_results;
    std::vector<absl::Status> batch_refused;
    std::vector<absl::Status> divergence;  // per replicated unit: the first event refused
    uint64_t durable_size = 0;             // the head once the group is written (or not)
    absl::Status write_error;
  };
  void CommitGroup(std::vector<std::shared_ptr<PendingUnit>>& units);
  GroupResults AdmitGroup(const std::vector<std::shared_ptr<PendingUnit>>& units, GroupState& g);
  void CheckGroupInvariants(const GroupState& g) const;
  absl::Status WriteGroup(GroupState& g);
  void PublishGroup(GroupState& g);
  void AnswerGroup(std::vector<std::shared_ptr<PendingUnit>> units, GroupResults results);
  absl::StatusOr<AppendResult> AdmitInGroup(PendingAppend& append, GroupState& group);
  absl::StatusOr<AppendResult> DuplicateResult(const PendingAppend& append, uint64_t sequence,
                                               const GroupState& group) const;
  absl::Status CheckSupersedes(const booo::v1::EventBody& body, GroupState& group) const;
  absl::StatusOr<booo::v1::StoredEvent> ReadStored(uint64_t sequence) const;
  // The tree's level-0 node at `sequence`: DATA_LOSS naming it when absent or malformed.
  absl::StatusOr<Hash> StoredLeafHash(uint64_t sequence) const;
  // The same, checked against the stored leaf's bytes (DATA_LOSS naming the sequence).
  absl::StatusOr<Hash> CheckedLeafHash(uint64_t sequence) const;
  // OUT_OF_RANGE when a scan's `end` is past the head.
  absl::Status CheckScanEnd(uint64_t end) const;

  const std::unique_ptr<LedgerStore> store_;
  Clock* const clock_;
  const LedgerOptions options_;

  // The writer's state: touched only by the writer thread (and LoadState before it starts).
  CompactRange tree_;
  int64_t last_recorded_at_micros_ = 0;
  absl::flat_hash_map<std::string, uint64_t> stream_heads_;
  absl::flat_hash_set<std::string> policy_streams_;  // the streams options_.policy judges

  // The key registry: written by the writer, read by callers pre-verifying signatures.
  mutable absl::Mutex keys_mutex_;
  KeyRegistry keys_ ABSL_GUARDED_BY(keys_mutex_);

  // Recorded-at times: the group being written, if any, and the least time handed out by
  // SettledBeforeMicros, below which no later group may be recorded (so a clock stepping back
  // cannot break a settled answer).
  mutable absl::Mutex settled_mutex_ ABSL_ACQUIRED_BEFORE(head_mutex_);
  std::optional<int64_t> group_recorded_at_micros_ ABSL_GUARDED_BY(settled_mutex_);
  mutable int64_t settled_floor_micros_ ABSL_GUARDED_BY(settled_mutex_) = 0;

  // The committed head, published after each group for readers and waiters.
  mutable absl::Mutex head_mutex_;
  mutable absl::CondVar head_changed_;
  TreeHead head_ ABSL_GUARDED_BY(head_mutex_);
  int64_t published_recorded_at_micros_ ABSL_GUARDED_BY(head_mutex_) = 0;  // of the head's last
  bool shutting_down_ ABSL_GUARDED_BY(head_mutex_) = false;
  bool following_ ABSL_GUARDED_BY(head_mutex_) = false;
  std::function<std::optional<int64_t>()> settled_cap_;  // set once, before queries

  mutable absl::Mutex queue_mutex_;
  absl::CondVar queue_changed_;
  std::deque<std::shared_ptr<PendingUnit>> queue_ ABSL_GUARDED_BY(queue_mutex_);
  size_t queued_events_ ABSL_GUARDED_BY(queue_mutex_) = 0;
  // Appends being admitted on their callers' threads, not yet queued.
  size_t admitting_ ABSL_GUARDED_BY(queue_mutex_) = 0;
  bool writer_stop_ ABSL_GUARDED_BY(queue_mutex_) = false;
  std::thread writer_;

  // Answers of committed groups, handed to their callers by a thread of their own: a gRPC
  // answer is sent from inside its callback, and sending them from the writer held the next
  // group back (a fifth of the writer's time). Answers go out in commit order.
  void CompletionLoop();
  absl::Mutex completion_mutex_;
  absl::CondVar completion_changed_;
  std::deque<std::function<void()>> completions_ ABSL_GUARDED_BY(completion_mutex_);
  bool completion_stop_ ABSL_GUARDED_BY(completion_mutex_) = false;
  std::thread completer_;
};

}  // namespace booo::ledger

#endif  // BOOO_LEDGER_STORAGE_LEDGER_H_
