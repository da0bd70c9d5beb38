#include "services/cluster_agent.h"

#include <chrono>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/log.h"

namespace booo::services {
namespace {

constexpr absl::Duration kTick = absl::Milliseconds(100);
constexpr absl::Duration kPublishEvery = absl::Milliseconds(500);

int64_t SteadyNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct Candidate {
  std::string name;
  uint64_t last_term = 0;
  uint64_t size = 0;
};

// More is better: a later term, then more events, then (ties) the smaller name.
bool Better(const Candidate& a, const Candidate& b) {
  if (a.last_term != b.last_term) return a.last_term > b.last_term;
  if (a.size != b.size) return a.size > b.size;
  return a.name < b.name;
}

}  // namespace

ClusterAgent::ClusterAgent(ClusterAgentOptions options, ledger::Ledger* ledger,
                           ClusterState* cluster, SyncTracker* sync, ClusterFollower* follower,
                           std::function<void(std::string)> demote)
    : options_(std::move(options)),
      ledger_(ledger),
      cluster_(cluster),
      sync_(sync),
      follower_(follower),
      demote_(std::move(demote)),
      etcd_(options_.etcd_endpoints) {}

ClusterAgent::~ClusterAgent() { Stop(); }

void ClusterAgent::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void ClusterAgent::Stop() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

bool ClusterAgent::LeaseValid() const { return SteadyNowNs() < lease_valid_until_ns_.load(); }

std::vector<std::string> ClusterAgent::Members() const {
  absl::MutexLock lock(&mutex_);
  return members_;
}

void ClusterAgent::Loop() {
  while (!stop_.load() && !demoted_.load()) {
    Tick();
    absl::SleepFor(kTick);
  }
  // A node leaving on purpose gives its lease back: its keys go at once, not at the TTL.
  if (lease_ != 0 && !demoted_.load()) (void)etcd_.RevokeLease(lease_);
}

void ClusterAgent::Demote(const std::string& why) {
  if (demoted_.exchange(true)) return;
  lease_valid_until_ns_.store(0);
  sync_->Close(why);
  cluster_->BecomeCandidate();  // writes are refused and Follow streams end from here
  ledger_->SetFollowing(true);
  Log("warning", "primary stepping down: restarting as a mirror", {{"reason", why}});
  demote_(why);
}

void ClusterAgent::Tick() {
  const NodeRole role = cluster_->role();
  // 1. The lease: granted once, kept alive every quarter TTL.
  if (lease_ == 0) {
    const int64_t sent = SteadyNowNs();
    absl::StatusOr<int64_t> lease = etcd_.GrantLease(options_.lease_ttl_seconds);
    if (!lease.ok()) return;
    lease_ = *lease;
    lease_valid_until_ns_.store(sent + options_.lease_ttl_seconds * 900'000'000LL);
    last_keepalive_ = absl::Now();
  } else if (absl::Now() - last_keepalive_ >= absl::Seconds(options_.lease_ttl_seconds) / 4) {
    const int64_t sent = SteadyNowNs();
    absl::StatusOr<int64_t> ttl = etcd_.KeepAlive(lease_);
    if (ttl.ok()) {
      last_keepalive_ = absl::Now();
      if (*ttl <= 0) {
        lease_ = 0;  // expired at etcd: everything bound to it is gone
        lease_valid_until_ns_.store(0);
        if (role == NodeRole::kPrimary) return Demote("the lease expired at etcd");
        return;
      }
      // 90% of what etcd granted, counted from before the request left.
      lease_valid_until_ns_.store(sent + *ttl * 900'000'000LL);
    }
  }
  if (!LeaseValid() && role == NodeRole::kPrimary) {
    return Demote("the lease ran out by this node's clock (etcd unreachable or the process stalled)");
  }
  const ledger::TreeHead head = ledger_->Head();
  const PersistedClusterState persisted = cluster_->persisted();

  // 2. Publish this node for status tools.
  if (absl::Now() - last_published_ >= kPublishEvery) {
    const std::string value =
        absl::StrCat(options_.advertise_address, " ", NodeRoleName(role), " ", cluster_->term(),
                     " ", head.size, " ", persisted.last_term);
    if (etcd_.Put(Key("/nodes/" + cluster_->node_name()), value, lease_).ok()) {
      last_published_ = absl::Now();
    }
    if (absl::StatusOr<std::vector<std::pair<std::string, EtcdClient::Value>>> nodes =
            etcd_.GetPrefix(Key("/nodes/"));
        nodes.ok()) {
      std::vector<std::string> members;
      for (const auto& [key, value] : *nodes) {
        std::vector<std::string> parts = absl::StrSplit(value.value, ' ');
        members.push_back(absl::StrCat(key.substr(Key("/nodes/").size()), "@", parts[0]));
      }
      absl::MutexLock lock(&mutex_);
      members_ = std::move(members);
    }
  }

  // 3. The leader key.
  absl::StatusOr<std::optional<EtcdClient::Value>> leader = etcd_.Get(Key("/leader"));
  if (!leader.ok()) return;  // etcd unreachable: the lease check above decides
  if (*leader) {
    std::pair<std::string, std::string> who = absl::StrSplit((*leader)->value, absl::MaxSplits('@', 1));
    const uint64_t term = static_cast<uint64_t>((*leader)->create_revision);
    if (role == NodeRole::kPrimary) {
      if (who.first != cluster_->node_name() || term != cluster_->term()) {
        Demote(absl::StrCat("the leader key names ", (*leader)->value, " in term ", term));
      }
      return;
    }
    if (role == NodeRole::kDiverged) return;
    if (who.first == cluster_->node_name()) {
      if ((*leader)->lease == lease_ && role == NodeRole::kCandidate) {
        // Our election transaction committed but its answer was lost: the key is ours, made
        // from the state we still hold frozen.
        return Promote(term, "elected (the answer of etcd was lost; the leader key is ours)");
      }
      // A key of an earlier run of this node: give it up, so that an election can be held.
      (void)etcd_.DeleteIfCreatedAt(Key("/leader"), (*leader)->create_revision);
      return;
    }
    if (role != NodeRole::kMirror || following_term_ != term) {
      // The candidacy goes before any event of the new primary is taken: a published size must
      // be the size held.
      if (!candidacy_key_.empty()) {
        if (!etcd_.Delete(candidacy_key_).ok()) return;  // retried next tick
        candidacy_key_.clear();
      }
      candidate_since_ = absl::InfiniteFuture();
      cluster_->Follow(term, who.first, who.second);
      following_term_ = term;
      Log("info", "following the primary", {{"primary", (*leader)->value}, {"term", term}});
      follower_->Start(term, who.second);
    }
    return;
  }
  if (role == NodeRole::kPrimary) return Demote("the leader key is gone");
  if (role == NodeRole::kDiverged) return;
  Campaign();
}

void ClusterAgent::Campaign() {
  if (cluster_->role() != NodeRole::kCandidate) {
    follower_->Stop();  // frozen from here on: the size published is the size held
    following_term_ = 0;
    cluster_->BecomeCandidate();
    candidate_since_ = absl::Now();
  }
  // The round: the latest term. Candidacies of earlier rounds (a node that failed to take its
  // own back) are not counted.
  absl::StatusOr<std::optional<EtcdClient::Value>> round_value = etcd_.Get(Key("/round"));
  if (!round_value.ok()) return;
  uint64_t round = 0;
  if (*round_value && !absl::SimpleAtoi((*round_value)->value, &round)) return;
  const std::string prefix = Key(absl::StrCat("/candidates/", round, "/"));
  const ledger::TreeHead head = ledger_->Head();
  const PersistedClusterState persisted = cluster_->persisted();
  const std::string key = prefix + cluster_->node_name();
  if (candidacy_key_ != key && !candidacy_key_.empty()) (void)etcd_.Delete(candidacy_key_);
  if (!etcd_.Put(key, absl::StrCat(persisted.last_term, " ", head.size), lease_).ok()) return;
  candidacy_key_ = key;
  // Give the other candidates a moment to publish theirs.
  if (absl::Now() - candidate_since_ < 3 * kTick) return;
  if (head.size == 0) return;  // no genesis: cannot serve as primary
  bool handed_to_me = false;
  if (absl::StatusOr<std::optional<EtcdClient::Value>> handover = etcd_.Get(Key("/handover"));
      handover.ok() && *handover) {
    if ((*handover)->value != cluster_->node_name()) return;  // a switchover names another
    handed_to_me = true;
  }
  absl::StatusOr<std::vector<std::pair<std::string, EtcdClient::Value>>> published =
      etcd_.GetPrefix(prefix);
  if (!published.ok()) return;
  std::vector<Candidate> candidates;
  for (const auto& [candidate_key, value] : *published) {
    Candidate c;
    c.name = candidate_key.substr(prefix.size());
    std::pair<std::string, std::string> parts = absl::StrSplit(value.value, ' ');
    if (!absl::SimpleAtoi(parts.first, &c.last_term) || !absl::SimpleAtoi(parts.second, &c.size)) {
      continue;
    }
    candidates.push_back(c);
  }
  const uint32_t needed = options_.cluster_size > options_.sync_mirrors
                              ? options_.cluster_size - options_.sync_mirrors
                              : 1;
  if (candidates.size() < needed) return;
  const Candidate me{cluster_->node_name(), persisted.last_term, head.size};
  for (const Candidate& other : candidates) {
    if (other.name == me.name) continue;
    // The node a switchover names holds everything the old primary held (it waited for
    // that): it yields only to a node holding strictly more, never on a name.
    const bool more = other.last_term != me.last_term ? other.last_term > me.last_term
                                                      : other.size > me.size;
    if (handed_to_me ? more : Better(other, me)) return;
  }
  absl::StatusOr<std::optional<int64_t>> created = etcd_.CreateLeader(
      Key("/leader"), absl::StrCat(cluster_->node_name(), "@", options_.advertise_address), lease_,
      Key("/round"), round);
  if (!created.ok() || !*created) return;
  Promote(static_cast<uint64_t>(**created),
          absl::StrCat("elected among ", candidates.size(), " candidates").c_str());
}

void ClusterAgent::Promote(uint64_t term, const char* how) {
  const ledger::TreeHead head = ledger_->Head();
  if (absl::Status raised = cluster_->RaiseLastTerm(term); !raised.ok()) {
    Log("error", "elected but cannot record the term; giving the leadership up",
        {{"reason", std::string(raised.message())}});
    (void)etcd_.DeleteIfCreatedAt(Key("/leader"), static_cast<int64_t>(term));
    return;
  }
  ledger_->SetFollowing(false);
  sync_->Open(term);
  cluster_->BecomePrimary(term, head.size);
  if (!candidacy_key_.empty() && etcd_.Delete(candidacy_key_).ok()) candidacy_key_.clear();
  (void)etcd_.Delete(Key("/handover"));
  candidate_since_ = absl::InfiniteFuture();
  Log("info", "elected primary",
      {{"term", term}, {"tree_size", head.size}, {"root", ledger::HashToHex(head.root)},
       {"how", how}});
}

absl::StatusOr<booo::v1::SwitchoverResponse> ClusterAgent::Switchover(const std::string& to_node,
                                                                      absl::Time deadline) {
  if (to_node == cluster_->node_name()) {
    return absl::InvalidArgumentError("to_node: is this node, already the primary");
  }
  bool known = false;
  for (const SyncTracker::MirrorView& mirror : sync_->Mirrors()) {
    known = known || (mirror.node == to_node && mirror.connected);
  }
  if (!known) {
    return absl::FailedPreconditionError(
        absl::StrCat("to_node: ", to_node, " is not a mirror following this primary"));
  }
  cluster_->SetHandingOver(true);
  // Appends are refused from here; wait for those in flight and for the target to hold all.
  uint64_t size = 0;
  for (;;) {
    size = ledger_->Head().size;
    uint64_t theirs = 0;
    for (const SyncTracker::MirrorView& mirror : sync_->Mirrors()) {
      if (mirror.node == to_node) theirs = mirror.durable_size;
    }
    if (theirs >= size) break;
    if (absl::Now() >= deadline) {
      cluster_->SetHandingOver(false);
      return absl::DeadlineExceededError(absl::StrCat(
          "to_node: ", to_node, " holds ", theirs, " of ", size, " events at the deadline; "
          "this node stays primary"));
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  absl::StatusOr<int64_t> handover_lease = etcd_.GrantLease(10);
  if (!handover_lease.ok() ||
      !etcd_.Put(Key("/handover"), to_node, *handover_lease).ok()) {
    cluster_->SetHandingOver(false);
    return absl::UnavailableError("switchover: etcd did not take the handover; this node stays primary");
  }
  (void)etcd_.DeleteIfCreatedAt(Key("/leader"), static_cast<int64_t>(cluster_->term()));
  Log("info", "switchover: handed over", {{"to", to_node}, {"tree_size", size}});
  booo::v1::SwitchoverResponse response;
  response.set_new_primary(to_node);
  response.set_handed_over_size(size);
  Demote(absl::StrCat("switchover to ", to_node));
  return response;
}

}  // namespace booo::services
