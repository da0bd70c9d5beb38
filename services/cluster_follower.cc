#include "services/cluster_follower.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/create_channel.h"
#include "ledger/core/checkpoint.h"
#include "services/log.h"

namespace booo::services {
namespace {

constexpr int kMaxChunksInFlight = 8;
constexpr size_t kMaxPendingCheckpoints = 4096;
constexpr absl::Duration kReconnectPause = absl::Milliseconds(100);

std::string Hex(const std::string& bytes) {
  absl::StatusOr<ledger::Hash> hash = ledger::HashFromBytes(bytes);
  return hash.ok() ? ledger::HashToHex(*hash) : absl::StrCat("(", bytes.size(), " bytes)");
}

}  // namespace

ClusterFollower::ClusterFollower(ledger::Ledger* ledger, ClusterState* cluster,
                                 std::shared_ptr<grpc::ChannelCredentials> credentials,
                                 std::function<void(uint64_t, std::string)> request_cut)
    : ledger_(ledger),
      cluster_(cluster),
      credentials_(std::move(credentials)),
      request_cut_(std::move(request_cut)) {}

ClusterFollower::~ClusterFollower() { Stop(); }

void ClusterFollower::Start(uint64_t term, const std::string& primary_address) {
  Stop();
  absl::MutexLock lock(&mutex_);
  stop_.store(false);
  thread_ = std::thread([this, term, primary_address] { Loop(term, primary_address); });
}

void ClusterFollower::Stop() {
  absl::MutexLock lock(&mutex_);
  stop_.store(true);
  {
    absl::MutexLock cancel(&context_mutex_);
    if (grpc::ClientContext* context = context_.load()) context->TryCancel();
  }
  if (thread_.joinable()) thread_.join();
}

bool ClusterFollower::following() const { return !stop_.load(); }

void ClusterFollower::Loop(uint64_t term, std::string address) {
  bool reconcile = false;
  while (!stop_.load() && cluster_->role() != NodeRole::kDiverged) {
    if (!FollowOnce(term, address, reconcile)) return;
    if (!stop_.load()) absl::SleepFor(kReconnectPause);
  }
}

void ClusterFollower::Diverge(const std::string& why) {
  Log("error", "mirror diverged: stopped following; serving the verified prefix",
      {{"reason", why}, {"durable_size", ledger_->Head().size},
       {"root", ledger::HashToHex(ledger_->Head().root)}});
  cluster_->Diverge(why);
}

bool ClusterFollower::OfferCheckpoint(const booo::v1::Checkpoint* checkpoint) {
  absl::MutexLock lock(&checkpoint_mutex_);
  if (cluster_->role() == NodeRole::kDiverged) return false;
  if (checkpoint != nullptr) {
    // Every checkpoint is checked, in order, once the mirror holds (and has verified) its size.
    pending_checkpoints_.push_back(*checkpoint);
    if (pending_checkpoints_.size() > kMaxPendingCheckpoints) {
      Log("warning", "mirror: too many checkpoints ahead of its log; the oldest is not checked",
          {{"tree_size", pending_checkpoints_.front().tree_size()}});
      pending_checkpoints_.pop_front();
    }
  }
  const uint64_t held = std::min(ledger_->Head().size, verify_limit_.load());
  while (!pending_checkpoints_.empty() && pending_checkpoints_.front().tree_size() <= held) {
    const booo::v1::Checkpoint next = std::move(pending_checkpoints_.front());
    pending_checkpoints_.pop_front();
    if (!CheckCheckpoint(next)) return false;
  }
  return true;
}

bool ClusterFollower::CheckCheckpoint(const booo::v1::Checkpoint& checkpoint) {
  const uint64_t size = checkpoint.tree_size();
  std::optional<ledger::GenesisInfo> genesis = ledger_->Genesis();
  std::optional<ledger::CheckpointKey> key = ledger_->CheckpointKeyFor(size);
  if (!genesis || !key) {
    Diverge(absl::StrCat("checkpoint of size ", size, ": the mirror's log has no genesis"));
    return false;
  }
  absl::StatusOr<ledger::Checkpoint> opened =
      ledger::OpenCheckpoint(checkpoint.note(), key->key_name, key->public_key, genesis->origin);
  if (!opened.ok() || opened->tree_size != size) {
    Diverge(absl::StrCat("checkpoint of size ", size, ": not signed by the checkpoint key in "
                         "force (", key->key_name, "): ",
                         opened.ok() ? "its note names another size" : opened.status().message()));
    return false;
  }
  absl::StatusOr<ledger::Hash> ours = ledger_->RootAt(size);
  if (!ours.ok()) {
    Diverge(absl::StrCat("checkpoint of size ", size, ": the mirror's root cannot be read: ",
                         ours.status().message()));
    return false;
  }
  if (*ours != opened->root_hash) {
    Diverge(absl::StrCat("checkpoint of size ", size, " has root ",
                         ledger::HashToHex(opened->root_hash), "; the mirror's tree of ", size,
                         " events has root ", ledger::HashToHex(*ours),
                         ": the primary forks the history the mirror verified"));
    return false;
  }
  if (absl::Status raised = cluster_->RaiseCheckpointSize(size); !raised.ok()) {
    Log("warning", "mirror cannot record its checkpoint", {{"reason", std::string(raised.message())}});
  }
  verified_size_.store(std::max(verified_size_.load(), size));
  return true;
}

bool ClusterFollower::FollowOnce(uint64_t term, const std::string& address, bool& reconcile) {
  std::shared_ptr<grpc::Channel> channel = grpc::CreateChannel(address, credentials_);
  std::unique_ptr<booo::v1::Cluster::Stub> stub = booo::v1::Cluster::NewStub(channel);
  grpc::ClientContext context;
  {
    absl::MutexLock cancel(&context_mutex_);
    if (stop_.load()) return false;
    context_.store(&context);
  }
  auto stream = stub->Follow(&context);
  const ledger::TreeHead head = ledger_->Head();
  uint64_t from = head.size;
  ledger::Hash from_root = head.root;
  if (reconcile) {
    // Back to the last checkpoint handed out or verified: what any primary's log holds.
    from = std::min(cluster_->persisted().checkpoint_size, head.size);
    if (from > 0) {
      absl::StatusOr<ledger::Hash> root = ledger_->RootAt(from);
      if (!root.ok()) {
        Diverge(absl::StrCat("the mirror's root at ", from, " cannot be read: ", root.status().message()));
        return false;
      }
      from_root = *root;
    }
  }
  booo::v1::FollowRequest start;
  start.mutable_start()->set_node(cluster_->node_name());
  start.mutable_start()->set_size(from);
  if (from > 0) start.mutable_start()->set_root(std::string(from_root.begin(), from_root.end()));
  absl::Mutex write_mutex;  // reports are written from the ledger's completion thread
  bool keep_following = true;
  bool ended_by_primary = false;
  // A bad event found while reading a message: the events before it are written first, then
  // the mirror stops naming it.
  std::string stop_reason;
  // The primary's size when its term began: the term is this node's own only once it holds
  // that much (a lagging mirror must not outrank one that holds what the old term acknowledged).
  std::atomic<uint64_t> term_start{UINT64_MAX};
  std::atomic<bool> reconciling{reconcile};
  // After a write failed, later chunks queued behind it fail on their sequence: that is the
  // failed write's doing, not the primary's.
  std::atomic<bool> write_failed{false};
  auto claim_term = [&](uint64_t durable) {
    if (!reconciling.load() && durable >= term_start.load()) (void)cluster_->RaiseLastTerm(term);
  };
  verify_limit_.store(reconcile ? from : UINT64_MAX);
  if (stream->Write(start)) {
    uint64_t received_up_to = from;
    booo::v1::FollowResponse response;
    while (keep_following) {
      if (!stream->Read(&response)) {
        ended_by_primary = true;  // Finish says why
        break;
      }
      if (response.term() != term) {
        Log("warning", "mirror: the primary answers for another term; reconnecting",
            {{"expected", term}, {"got", response.term()}});
        break;
      }
      primary_size_.store(response.primary_size());
      term_start.store(response.term_start_size());
      std::vector<ledger::Ledger::ReplicatedEvent> chunk;
      for (const booo::v1::StoredEvent& event : response.events()) {
        if (event.sequence() != received_up_to) {
          stop_reason = absl::StrCat("sequence ", received_up_to, ": the primary sent sequence ",
                                     event.sequence(), " instead");
          break;
        }
        const uint64_t local_size = ledger_->Head().size;
        if (event.sequence() < local_size) {  // rejoining: compare with what we hold
          absl::StatusOr<booo::v1::StoredEvent> ours = ledger_->GetEvent(event.sequence());
          if (ours.ok() && ours->leaf_hash() == event.leaf_hash()) {
            ++received_up_to;
            verify_limit_.store(received_up_to);
            continue;
          }
          const uint64_t protected_size = cluster_->persisted().checkpoint_size;
          if (event.sequence() < protected_size) {
            stop_reason = absl::StrCat("sequence ", event.sequence(), ": the primary's leaf hash ",
                                       Hex(event.leaf_hash()), " is not the mirror's ",
                                       ours.ok() ? Hex(ours->leaf_hash()) : "(unreadable)",
                                       ", below the checkpoint of size ", protected_size,
                                       " this node handed out or verified");
          } else {
            request_cut_(event.sequence(),
                         absl::StrCat("the primary of term ", term, " holds another event at "
                                      "sequence ", event.sequence()));
            keep_following = false;
          }
          break;
        }
        absl::StatusOr<ledger::Hash> leaf_hash = ledger::HashFromBytes(event.leaf_hash());
        if (!leaf_hash.ok()) {
          stop_reason = absl::StrCat("sequence ", event.sequence(), ": leaf_hash: not 32 bytes");
          break;
        }
        ++received_up_to;
        chunk.push_back({event.body(), event.signature(), event.sequence(),
                         event.recorded_at_micros(), *leaf_hash});
      }
      if (!keep_following) break;
      if (reconciling.load() && received_up_to >= ledger_->Head().size) {
        reconcile = false;  // every event we held is the primary's
        reconciling.store(false);
        verify_limit_.store(UINT64_MAX);
      }
      if (stop_reason.empty() && reconciling.load() && received_up_to == response.primary_size() &&
          received_up_to < ledger_->Head().size) {
        request_cut_(received_up_to, absl::StrCat("the primary of term ", term, " holds ",
                                                  received_up_to, " events, this node more"));
        keep_following = false;
        break;
      }
      claim_term(ledger_->Head().size);
      if (!chunk.empty()) {
        {
          absl::MutexLock lock(&flight_mutex_);
          auto room = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(flight_mutex_) {
            return in_flight_ < kMaxChunksInFlight;
          };
          flight_mutex_.Await(absl::Condition(&room));
          if (!divergence_.empty()) break;
          ++in_flight_;
        }
        ledger_->ReplicateAsync(
            std::move(chunk), [this, &stream, &write_mutex, &write_failed,
                               &claim_term](ledger::Ledger::ReplicateResult result) {
              const bool after_failed_write = write_failed.load();
              if (!result.write_error.ok()) write_failed.store(true);
              if (result.write_error.ok() && !after_failed_write) {
                booo::v1::FollowRequest report;
                report.set_durable_size(result.durable_size);
                {
                  absl::MutexLock lock(&write_mutex);
                  stream->Write(report);
                }
                claim_term(result.durable_size);
                if (result.divergence.ok() && !OfferCheckpoint(nullptr)) {
                  absl::MutexLock cancel(&context_mutex_);
                  if (grpc::ClientContext* context = context_.load()) context->TryCancel();
                }
              }
              if (!result.divergence.ok() || !result.write_error.ok()) {
                // The stream's thread waits in Read: end the stream so it sees why.
                absl::MutexLock cancel(&context_mutex_);
                if (grpc::ClientContext* context = context_.load()) context->TryCancel();
              }
              absl::MutexLock lock(&flight_mutex_);
              if (!result.divergence.ok() && !after_failed_write && result.write_error.ok() &&
                  divergence_.empty()) {
                divergence_ = std::string(result.divergence.message());  // the first one only
              } else if (!result.write_error.ok()) {
                Log("warning", "mirror: write failed; reconnecting",
                    {{"reason", std::string(result.write_error.message())}});
              }
              --in_flight_;
            });
      }
      if (!stop_reason.empty()) {
        keep_following = false;
        break;
      }
      {
        absl::MutexLock lock(&flight_mutex_);
        if (!divergence_.empty()) break;
      }
      if (!OfferCheckpoint(response.has_checkpoint() ? &response.checkpoint() : nullptr)) {
        keep_following = false;
        break;
      }
    }
  }
  // Ended here (not by the primary): cancel, so that Finish does not wait for the primary.
  if (!ended_by_primary) context.TryCancel();
  {
    absl::MutexLock lock(&flight_mutex_);
    auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(flight_mutex_) { return in_flight_ == 0; };
    flight_mutex_.Await(absl::Condition(&idle));
    // The first cause only: an event the ledger refused comes before a bad one found later
    // in the same message.
    const std::string why = !divergence_.empty() ? divergence_ : stop_reason;
    divergence_.clear();
    if (!why.empty() && !write_failed.load()) {
      // The rest of what the primary sent was never written; the verified prefix stays.
      Diverge(absl::StrCat(why, "; the mirror's root at ", ledger_->Head().size, " is ",
                           ledger::HashToHex(ledger_->Head().root)));
      keep_following = false;
    } else if (write_failed.load()) {
      keep_following = true;  // a local write failed: reconnect and go on from what is durable
    }
  }
  const grpc::Status finished = stream->Finish();
  {
    absl::MutexLock cancel(&context_mutex_);
    context_.store(nullptr);
  }
  if (!finished.ok() && finished.error_code() != grpc::StatusCode::CANCELLED &&
      finished.error_message() != last_refusal_) {
    // Said once per reason: a primary that refuses (not primary, wrong role, gone) is retried.
    last_refusal_ = finished.error_message();
    Log("warning", "mirror: the primary ended the stream",
        {{"primary", address}, {"code", static_cast<int>(finished.error_code())},
         {"reason", finished.error_message()}});
  }
  if (keep_following && finished.error_code() == grpc::StatusCode::FAILED_PRECONDITION &&
      absl::StartsWith(finished.error_message(), "start.")) {
    if (reconcile) {
      Diverge(absl::StrCat("the primary's log does not hold the mirror's checkpointed prefix: ",
                           finished.error_message()));
      return false;
    }
    Log("warning", "mirror: its log is not a prefix of the primary's; looking for where they part",
        {{"reason", finished.error_message()}});
    reconcile = true;
  }
  return keep_following && cluster_->role() != NodeRole::kDiverged;
}

}  // namespace booo::services
