#include "ledger/storage/ledger.h"

#include <cstdio>
#include <cstdlib>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "ledger/core/admission.h"
#include "ledger/core/crypto.h"
#include "ledger/core/event_validation.h"
#include "ledger/core/leaf_format.h"
#include "ledger/core/status_macros.h"
#include "ledger/storage/ledger_group.h"

namespace booo::ledger {

namespace {

// A batch's refusal names the event it is about.
absl::Status InBatch(const absl::Status& status, size_t index) {
  return absl::Status(status.code(), absl::StrCat("events[", index, "]: ", status.message()));
}

}  // namespace

absl::StatusOr<std::unique_ptr<Ledger>> Ledger::Open(const std::string& data_dir, Clock* clock,
                                                     LedgerOptions options) {
  if (options.max_body_bytes > kMaxTiledBodyBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "max_body_bytes: ", options.max_body_bytes, " is above ", kMaxTiledBodyBytes,
        ", the largest body whose leaf fits a tlog-tiles entry bundle (16-bit lengths)"));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<LedgerStore> store,
                   LedgerStore::Open(data_dir, {.block_cache_bytes = options.block_cache_bytes,
                                                .write_buffer_bytes = options.write_buffer_bytes}));
  std::unique_ptr<Ledger> ledger(new Ledger(std::move(store), clock, options));
  RETURN_IF_ERROR(ledger->LoadState());
  ledger->completer_ = std::thread([raw = ledger.get()] { raw->CompletionLoop(); });
  ledger->writer_ = std::thread([raw = ledger.get()] { raw->WriterLoop(); });
  return ledger;
}

Ledger::Ledger(std::unique_ptr<LedgerStore> store, Clock* clock, LedgerOptions options)
    : store_(std::move(store)), clock_(clock), options_(options) {}

Ledger::~Ledger() { Shutdown(); }

absl::Status Ledger::LoadState() {
  ASSIGN_OR_RETURN(uint64_t size, store_->TreeSize());
  ASSIGN_OR_RETURN(tree_, CompactRange::Load(*store_, size));
  // The head's root is what checkpoints are signed over and every proof is checked against:
  // it must be the root the last commit computed from the leaves, not one a damaged node on
  // disk gives.
  ASSIGN_OR_RETURN(std::optional<Hash> recorded_root, store_->TreeRoot());
  if (recorded_root && *recorded_root != tree_.Root()) {
    return absl::DataLossError(absl::StrCat(
        "store: the stored tree's nodes give a root at size ", size, " other than the one "
        "recorded when it was written: a stored tree node is damaged (ledgerctl verify names "
        "it)"));
  }
  ASSIGN_OR_RETURN(last_recorded_at_micros_, store_->LastRecordedAt());
  // The tree size and the events are written in one batch; an event past the size would mean
  // the store was changed behind the ledger's back.
  absl::StatusOr<std::string> beyond = store_->GetLeaf(size);
  if (beyond.ok()) {
    return absl::DataLossError(absl::StrCat("store: an event exists past the tree size ", size));
  }
  if (!absl::IsNotFound(beyond.status())) return beyond.status();
  RETURN_IF_ERROR(store_->ForEachStreamHead(
      [this](absl::string_view stream, uint64_t version) { stream_heads_[stream] = version; }));
  {
    absl::MutexLock lock(&head_mutex_);
    head_ = TreeHead{size, tree_.Root()};
    published_recorded_at_micros_ = last_recorded_at_micros_;
  }
  // The key registry is a projection of the "keys" stream.
  for (uint64_t position = 0;; ++position) {
    ASSIGN_OR_RETURN(std::optional<uint64_t> sequence, store_->StreamEntry("keys", position));
    if (!sequence) break;
    ASSIGN_OR_RETURN(booo::v1::StoredEvent event, ReadStored(*sequence));
    ASSIGN_OR_RETURN(booo::v1::EventBody body, ParseEventBody(event.body()));
    absl::MutexLock lock(&keys_mutex_);  // before the threads start; taken for the analysis
    keys_.Apply(body, *sequence);
  }
  if (options_.policy == nullptr) return absl::OkStatus();
  // The policy sees its streams' history in log order before the first append.
  std::vector<uint64_t> sequences;
  for (const std::string& stream : options_.policy->Streams()) {
    policy_streams_.insert(stream);
    for (uint64_t position = 0;; ++position) {
      ASSIGN_OR_RETURN(std::optional<uint64_t> sequence, store_->StreamEntry(stream, position));
      if (!sequence) break;
      sequences.push_back(*sequence);
    }
  }
  std::sort(sequences.begin(), sequences.end());
  for (uint64_t sequence : sequences) {
    ASSIGN_OR_RETURN(booo::v1::StoredEvent event, ReadStored(sequence));
    ASSIGN_OR_RETURN(booo::v1::EventBody body, ParseEventBody(event.body()));
    options_.policy->Commit(PolicyEvent{std::move(body), sequence, event.recorded_at_micros()});
  }
  return absl::OkStatus();
}

absl::StatusOr<AppendResult> Ledger::Append(std::string body_bytes, std::string signature) {
  std::promise<absl::StatusOr<AppendResult>> result;
  auto future = result.get_future();
  AppendAsync(std::move(body_bytes), std::move(signature),
              [&result](absl::StatusOr<AppendResult> r) { result.set_value(std::move(r)); });
  return future.get();
}

void Ledger::AppendAsync(std::string body_bytes, std::string signature, AppendDone done) {
  AdmissionStarted();
  absl::StatusOr<std::shared_ptr<PendingAppend>> pending =
      Prepare(std::move(body_bytes), std::move(signature));
  if (!pending.ok()) {
    AdmissionEnded();
    return done(pending.status());
  }
  auto unit = std::make_shared<PendingUnit>();
  unit->events.push_back(*std::move(pending));
  unit->append_done = done;
  if (absl::Status queued = Enqueue(std::move(unit), /*ends_admission=*/true); !queued.ok()) {
    done(queued);
  }
}

absl::StatusOr<std::vector<AppendResult>> Ledger::AppendBatch(std::vector<SignedBytes> events) {
  std::promise<absl::StatusOr<std::vector<AppendResult>>> result;
  auto future = result.get_future();
  AppendBatchAsync(std::move(events), [&result](absl::StatusOr<std::vector<AppendResult>> r) {
    result.set_value(std::move(r));
  });
  return future.get();
}

void Ledger::AppendBatchAsync(std::vector<SignedBytes> events, BatchDone done) {
  if (events.empty()) return done(absl::InvalidArgumentError("events: at least one is required"));
  if (events.size() > options_.max_batch_events) {
    return done(absl::ResourceExhaustedError(
        absl::StrCat("events: ", events.size(), " exceed the limit of ",
                     options_.max_batch_events, " per request")));
  }
  auto unit = std::make_shared<PendingUnit>();
  AdmissionStarted();
  for (size_t i = 0; i < events.size(); ++i) {
    absl::StatusOr<std::shared_ptr<PendingAppend>> pending =
        Prepare(std::move(events[i].body_bytes), std::move(events[i].signature));
    if (!pending.ok()) {
      AdmissionEnded();
      return done(InBatch(pending.status(), i));
    }
    unit->events.push_back(*std::move(pending));
  }
  unit->batch = true;
  unit->batch_done = done;
  if (absl::Status queued = Enqueue(std::move(unit), /*ends_admission=*/true); !queued.ok()) {
    done(queued);
  }
}

void Ledger::ReplicateAsync(std::vector<ReplicatedEvent> events, ReplicateDone done) {
  auto unit = std::make_shared<PendingUnit>();
  unit->replicated = true;
  unit->replicate_done = done;
  // The signatures are the cost of a catch-up: checked on every core, as appends are by their
  // callers' threads (a follower has one thread).
  std::vector<absl::StatusOr<std::shared_ptr<PendingAppend>>> prepared(
      events.size(), absl::UnknownError("not prepared"));
  const size_t workers =
      events.size() < 64 ? 1 : std::max<size_t>(1, std::min(4u, std::thread::hardware_concurrency()));
  auto prepare_range = [&](size_t first, size_t step) {
    for (size_t i = first; i < events.size(); i += step) {
      prepared[i] = Prepare(std::move(events[i].body_bytes), std::move(events[i].signature));
    }
  };
  std::vector<std::thread> helpers;
  for (size_t w = 1; w < workers; ++w) helpers.emplace_back(prepare_range, w, workers);
  prepare_range(0, workers);
  for (std::thread& helper : helpers) helper.join();
  for (size_t i = 0; i < events.size(); ++i) {
    ReplicatedEvent& event = events[i];
    const uint64_t sequence = event.sequence;
    absl::StatusOr<std::shared_ptr<PendingAppend>>& pending = prepared[i];
    if (!pending.ok()) {
      unit->prepare_divergence = absl::Status(
          pending.status().code(), absl::StrCat("sequence ", sequence, ": ",
                                                pending.status().message()));
      break;
    }
    (*pending)->replicated = true;
    (*pending)->sequence = sequence;
    (*pending)->recorded_at_micros = event.recorded_at_micros;
    (*pending)->leaf_hash = event.leaf_hash;
    unit->events.push_back(*std::move(pending));
  }
  if (unit->events.empty()) {
    return done(ReplicateResult{Head().size, unit->prepare_divergence, absl::OkStatus()});
  }
  if (absl::Status queued = Enqueue(unit); !queued.ok()) {
    done(ReplicateResult{Head().size, absl::OkStatus(), queued});
  }
}

void Ledger::SetFollowing(bool following) {
  absl::MutexLock lock(&head_mutex_);
  following_ = following;
}

bool Ledger::following() const {
  absl::MutexLock lock(&head_mutex_);
  return following_;
}

void Ledger::AdmissionStarted() {
  absl::MutexLock lock(&queue_mutex_);
  ++admitting_;
}

void Ledger::AdmissionEnded() {
  {
    absl::MutexLock lock(&queue_mutex_);
    --admitting_;
  }
  queue_changed_.Signal();  // a group waiting for it stops waiting
}

absl::Status Ledger::Enqueue(std::shared_ptr<PendingUnit> unit, bool ends_admission) {
  const absl::Status queued = [&]() -> absl::Status {
    absl::MutexLock lock(&queue_mutex_);
    if (ends_admission) --admitting_;
    if (writer_stop_) return absl::UnavailableError("ledger: shutting down");
    if (unit->replicated != following()) {
      return unit->replicated
                 ? absl::FailedPreconditionError("ledger: not following a primary")
                 : absl::FailedPreconditionError(
                       "ledger: this node is a mirror and takes no appends; append on the "
                       "primary");
    }
    if (queued_events_ + unit->events.size() > options_.max_queued_appends) {
      return absl::ResourceExhaustedError("ledger: too many appends queued; retry later");
    }
    queued_events_ += unit->events.size();
    queue_.push_back(std::move(unit));
    return absl::OkStatus();
  }();
  // Queued, or no longer being admitted: either way a waiting group wants to know.
  queue_changed_.Signal();
  return queued;
}

absl::StatusOr<std::shared_ptr<Ledger::PendingAppend>> Ledger::Prepare(std::string body_bytes,
                                                                       std::string signature) {
  if (body_bytes.size() > options_.max_body_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "body: ", body_bytes.size(), " bytes exceeds the limit of ", options_.max_body_bytes));
  }
  if (signature.size() != kEd25519SignatureSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("signature: must be 64 bytes, got ", signature.size()));
  }
  auto pending = std::make_shared<PendingAppend>();
  ASSIGN_OR_RETURN(pending->body, ParseEventBody(body_bytes));
  RETURN_IF_ERROR(ValidateEventBody(pending->body, options_.payload_rules));
  // Every leaf fits an entry bundle of the tiles (ledger/core/tiles.h): with a key id of
  // another length than the ledger issues, the body limit alone would not say so.
  if (const size_t leaf = kLeafFixedBytes + pending->body.signer_key_id().size() + body_bytes.size();
      leaf > kMaxBundledEntryBytes) {
    return absl::ResourceExhaustedError(absl::StrCat("body: its leaf would be ", leaf,
                                                     " bytes; a leaf is at most ",
                                                     kMaxBundledEntryBytes));
  }

  // A retry of a recorded event, byte for byte (an answer lost on the way back, a spreadsheet
  // imported again): those very bytes passed the signature check when they were admitted, and
  // admission answers them with the original receipt, so checking again would only cost.
  ASSIGN_OR_RETURN(const bool recorded_as_is, RecordedAsIs(pending->body, body_bytes, signature));
  if (recorded_as_is) {
    pending->signature_verified = true;
    pending->body_bytes = std::move(body_bytes);
    pending->signature = std::move(signature);
    return pending;
  }

  // Verify the signature here, on the caller's thread, when the key is already known: the
  // expensive part of admission then runs in parallel. The writer re-checks everything else.
  std::string public_key;
  if (pending->body.has_genesis()) {
    public_key = pending->body.genesis().ministry_root_public_key();
  } else {
    absl::ReaderMutexLock lock(&keys_mutex_);
    if (const KeyInfo* key = keys_.Find(pending->body.signer_key_id()))
      public_key = key->public_key;
  }
  if (!public_key.empty()) {
    const absl::Time started = absl::Now();
    const absl::Status checked = CheckEventSignature(pending->body, body_bytes, signature, public_key);
    if (options_.observer != nullptr) {
      options_.observer->OnSignatureChecked(absl::ToDoubleSeconds(absl::Now() - started));
    }
    RETURN_IF_ERROR(checked);
    pending->signature_verified = !pending->body.has_genesis() ||
                                  pending->body.signer_key_id() == KeyIdForPublicKey(public_key);
  }
  pending->body_bytes = std::move(body_bytes);
  pending->signature = std::move(signature);
  return pending;
}

absl::StatusOr<bool> Ledger::RecordedAsIs(const booo::v1::EventBody& body,
                                          absl::string_view body_bytes,
                                          absl::string_view signature) const {
  ASSIGN_OR_RETURN(std::optional<uint64_t> sequence, store_->FindEventId(body.event_id()));
  // An id written but not yet published (its group is being committed) is checked as new.
  if (!sequence || *sequence >= Head().size) return false;
  ASSIGN_OR_RETURN(std::string leaf_bytes, store_->GetLeaf(*sequence));
  // The leaf is only compared here; whatever it holds, admission reads and checks it again
  // (DuplicateResult), and a stored leaf that fails its check is reported there.
  absl::StatusOr<LeafView> leaf = DecodeLeafView(leaf_bytes);
  return leaf.ok() && leaf->body == body_bytes && leaf->signature == signature;
}

void Ledger::TakeQueued(std::vector<std::shared_ptr<PendingUnit>>& group, size_t& events) {
  // Whole units only: a batch is never split across groups. A group holds appends or a
  // mirror's chunks, never both.
  while (!queue_.empty() &&
         (group.empty() || (events + queue_.front()->events.size() <= options_.max_group_events &&
                            queue_.front()->replicated == group.front()->replicated))) {
    events += queue_.front()->events.size();
    group.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
}

void Ledger::WriterLoop() {
  for (;;) {
    std::vector<std::shared_ptr<PendingUnit>> group;
    {
      absl::MutexLock lock(&queue_mutex_);
      while (queue_.empty() && !writer_stop_) queue_changed_.Wait(&queue_mutex_);
      if (queue_.empty()) return;  // stopping, and everything queued was written
      size_t events = 0;
      TakeQueued(group, events);
      // Appends still being admitted join this group if they are queued within the delay:
      // one fsync for them all. Nobody being admitted (a lone append), no wait.
      if (options_.sync_writes && options_.group_commit_delay > absl::ZeroDuration() &&
          !group.front()->replicated) {
        const absl::Time deadline = absl::Now() + options_.group_commit_delay;
        while (admitting_ > 0 && !writer_stop_ && queue_.empty() &&
               events < options_.max_group_events) {
          const bool timed_out = queue_changed_.WaitWithDeadline(&queue_mutex_, deadline);
          // What does not fit (too large, or a mirror's) stays queued and ends the wait.
          TakeQueued(group, events);
          if (timed_out) break;
        }
      }
      // queued_events_ goes down once the group is answered (CompletionLoop), so the bound on
      // queued appends also bounds the groups written but not yet answered.
    }
    CommitGroup(group);
  }
}

// One group commit in four steps: admit every unit against the writer's state (nothing is
// published), write the group in one batch, publish the new state, and hand the answers to the
// completion thread. Only the writer thread runs these.
void Ledger::CommitGroup(std::vector<std::shared_ptr<PendingUnit>>& units) {
  const absl::Time started = absl::Now();
  absl::Duration write_time;
  GroupState g;
  g.first_sequence = g.next_sequence = tree_.size();
  g.tree = tree_;
  // Recorded-at never decreases, even if the system clock steps back, and never falls below a
  // time already reported as settled.
  {
    absl::MutexLock settled(&settled_mutex_);
    if (units.front()->replicated) {
      // The primary's times; the group's own is its last admitted event's (set below).
      g.recorded_at_micros = last_recorded_at_micros_;
      group_recorded_at_micros_ =
          std::max(last_recorded_at_micros_, units.front()->events.front()->recorded_at_micros);
    } else {
      g.recorded_at_micros =
          std::max({last_recorded_at_micros_, clock_->NowMicros(), settled_floor_micros_});
      group_recorded_at_micros_ = g.recorded_at_micros;
    }
  }
  g.last_event_recorded_at_micros = last_recorded_at_micros_;
  GroupResults results = AdmitGroup(units, g);
  if (units.front()->replicated) g.recorded_at_micros = g.last_event_recorded_at_micros;
  if (!g.admitted.empty()) {
    CheckGroupInvariants(g);
    const absl::Time write_started = absl::Now();
    const absl::Status written = WriteGroup(g);
    write_time = absl::Now() - write_started;
    results.write_error = written;
    if (written.ok()) {
      PublishGroup(g);
    } else {
      for (auto& unit_results : results.unit_results) {
        for (auto& result : unit_results) {
          if (result.ok() && result->receipt.sequence() >= g.first_sequence) result = written;
        }
      }
    }
  }
  results.durable_size = tree_.size();
  {
    absl::MutexLock settled(&settled_mutex_);
    group_recorded_at_micros_.reset();  // written and published, or not written at all
  }
  if (options_.observer != nullptr) {
    GroupCommitStats stats;
    stats.replicated = units.front()->replicated;
    stats.written = results.write_error.ok();
    if (stats.written) {
      stats.events = g.admitted.size();
      for (const GroupState::Admitted& admitted : g.admitted) {
        stats.leaf_bytes += kLeafFixedBytes + admitted.append->body.signer_key_id().size() +
                            admitted.append->body_bytes.size();
      }
    }
    stats.write_seconds = absl::ToDoubleSeconds(write_time);
    stats.commit_seconds = absl::ToDoubleSeconds(absl::Now() - started);
    options_.observer->OnGroupCommitted(stats);
  }
  AnswerGroup(std::move(units), std::move(results));
}

Ledger::GroupResults Ledger::AdmitGroup(const std::vector<std::shared_ptr<PendingUnit>>& units,
                                        GroupState& g) {
  GroupResults out;
  out.unit_results.resize(units.size());
  out.batch_refused.resize(units.size());
  out.divergence.resize(units.size());
  auto& unit_results = out.unit_results;
  auto& batch_refused = out.batch_refused;
  for (size_t u = 0; u < units.size(); ++u) {
    const auto& events = units[u]->events;
    if (units[u]->replicated) {  // in order, up to the first refusal; what came before stays
      for (size_t i = 0; i < events.size() && !g.replication_stopped; ++i) {
        absl::StatusOr<AppendResult> result = AdmitInGroup(*events[i], g);
        if (!result.ok()) {
          out.divergence[u] = absl::Status(
              result.status().code(),
              absl::StrCat("sequence ", events[i]->sequence, ": ", result.status().message()));
          g.replication_stopped = true;
        }
      }
      if (!g.replication_stopped && !units[u]->prepare_divergence.ok()) {
        out.divergence[u] = units[u]->prepare_divergence;
        g.replication_stopped = true;
      }
      continue;
    }
    if (!units[u]->batch) {  // a single append: a refusal adds nothing to roll back
      unit_results[u].push_back(AdmitInGroup(*events[0], g));
      continue;
    }
    GroupState::Mark mark = g.Save();
    for (size_t i = 0; i < events.size(); ++i) {
      absl::StatusOr<AppendResult> result = AdmitInGroup(*events[i], g);
      if (!result.ok()) {
        batch_refused[u] = InBatch(result.status(), i);
        unit_results[u].clear();
        g.Restore(std::move(mark));
        break;
      }
      unit_results[u].push_back(std::move(result));
    }
  }
  return out;
}

// Breaches here would put wrong data on disk or serve it: stop the process instead, in release
// builds too. Each is a fact the admission code keeps by construction.
void Ledger::CheckGroupInvariants(const GroupState& g) const {
  auto fail = [](const std::string& what) {
    std::fprintf(stderr, "fatal: ledger invariant broken: %s\n", what.c_str());
    std::abort();
  };
  if (g.next_sequence - g.first_sequence != g.admitted.size()) {
    fail(absl::StrCat("the group admitted ", g.admitted.size(), " events but moves the head from ",
                      g.first_sequence, " to ", g.next_sequence));
  }
  if (g.tree.size() != g.next_sequence) {
    fail(absl::StrCat("the tree size ", g.tree.size(), " is not the next sequence ",
                      g.next_sequence));
  }
  if (g.first_sequence != tree_.size()) {
    fail(absl::StrCat("the group starts at ", g.first_sequence, ", the head is ", tree_.size()));
  }
  if (g.recorded_at_micros < last_recorded_at_micros_) {
    fail(absl::StrCat("recorded-at would go back from ", last_recorded_at_micros_, " to ",
                      g.recorded_at_micros));
  }
}

absl::Status Ledger::WriteGroup(GroupState& g) {
  // Each stream's head once per group, not once per event: a municipality's batch would
  // otherwise rewrite the same key per event.
  for (const auto& [stream, version] : g.heads) g.batch.PutStreamHead(stream, version);
  g.batch.PutTreeSize(g.next_sequence);
  g.batch.PutTreeRoot(g.tree.Root());
  g.batch.PutLastRecordedAt(g.recorded_at_micros);
  absl::Status written = store_->Write(g.batch, options_.sync_writes);
  if (!written.ok()) {
    return absl::IsResourceExhausted(written)
               ? written
               : absl::UnavailableError(absl::StrCat("append not written: ", written.message()));
  }
  // The root recorded must be the root computed: read back what the store now holds. A read
  // that fails leaves the check undone (the batch is durable; the next open checks the right
  // edge again); a root that differs stops the process.
  absl::StatusOr<std::optional<Hash>> stored_root = store_->TreeRoot();
  if (!stored_root.ok()) {
    std::fprintf(stderr, "warning: the root recorded at size %llu could not be read back: %s\n",
                 static_cast<unsigned long long>(g.next_sequence),
                 std::string(stored_root.status().message()).c_str());
  } else if (!stored_root->has_value() || **stored_root != g.tree.Root()) {
    std::fprintf(stderr, "fatal: ledger invariant broken: the root recorded at size %llu is not "
                 "the root computed\n", static_cast<unsigned long long>(g.next_sequence));
    std::abort();
  }
  return absl::OkStatus();
}

void Ledger::PublishGroup(GroupState& g) {
  tree_ = g.tree;
  last_recorded_at_micros_ = g.recorded_at_micros;
  for (auto& [stream, version] : g.heads) stream_heads_[stream] = version;
  for (const PolicyEvent& event : g.policy_pending) options_.policy->Commit(event);
  if (g.keys) {
    absl::MutexLock lock(&keys_mutex_);
    keys_ = std::move(*g.keys);
  }
  {
    absl::MutexLock lock(&head_mutex_);
    head_ = TreeHead{tree_.size(), tree_.Root()};
    published_recorded_at_micros_ = g.recorded_at_micros;
  }
  head_changed_.SignalAll();
}

void Ledger::AnswerGroup(std::vector<std::shared_ptr<PendingUnit>> units, GroupResults results) {
  auto& unit_results = results.unit_results;
  auto& batch_refused = results.batch_refused;
  // The answers, in commit order, from the completion thread.
  size_t group_events = 0;
  for (const auto& unit : units) group_events += unit->events.size();
  auto answer = [this, group_events, units = std::move(units),
                 unit_results = std::move(unit_results),
                 batch_refused = std::move(batch_refused),
                 divergence = std::move(results.divergence), durable = results.durable_size,
                 write_error = std::move(results.write_error)]() mutable {
    for (size_t u = 0; u < units.size(); ++u) {
      PendingUnit& unit = *units[u];
      if (unit.replicated) {
        unit.replicate_done(ReplicateResult{durable, divergence[u], write_error});
        continue;
      }
      if (!unit.batch) {
        unit.append_done(std::move(unit_results[u][0]));
        continue;
      }
      if (!batch_refused[u].ok()) {
        unit.batch_done(batch_refused[u]);
        continue;
      }
      std::vector<AppendResult> receipts;
      absl::Status failed;
      for (auto& result : unit_results[u]) {
        if (!result.ok()) {
          failed = result.status();  // the write failed: nothing of the batch was written
          break;
        }
        receipts.push_back(*std::move(result));
      }
      if (!failed.ok()) {
        unit.batch_done(failed);
      } else {
        unit.batch_done(std::move(receipts));
      }
    }
    absl::MutexLock lock(&queue_mutex_);
    queued_events_ -= group_events;
  };
  {
    absl::MutexLock lock(&completion_mutex_);
    completions_.push_back(std::move(answer));
  }
  completion_changed_.Signal();
}

void Ledger::CompletionLoop() {
  for (;;) {
    std::deque<std::function<void()>> ready;
    {
      absl::MutexLock lock(&completion_mutex_);
      while (completions_.empty() && !completion_stop_) {
        completion_changed_.Wait(&completion_mutex_);
      }
      if (completions_.empty()) return;  // stopping, and every answer was given
      ready.swap(completions_);
    }
    for (std::function<void()>& answer : ready) answer();
  }
}

}  // namespace booo::ledger
