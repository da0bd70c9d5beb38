// Who is primary, decided by etcd (never by ledgerd itself), the way Patroni runs PostgreSQL:
//
//   <prefix>/leader          the primary's "name@host:port", created with a compare-and-swap
//                            (only if absent) and bound to the primary's lease. Its create
//                            revision is the term: the fencing token every Follow stream
//                            carries and mirrors check.
//   <prefix>/nodes/<name>    each node's role, term, sizes (status tools read these), on its
//                            lease.
//   <prefix>/round           the election round: moved on, in the same transaction that
//                            creates the leader key, by the round's winner.
//   <prefix>/candidates/<round>/<name>  "<last_term> <durable size>", published by a node that
//                            has no primary and has stopped following (its size is frozen);
//                            only the current round's count.
//   <prefix>/handover        the node a planned switchover hands to (ledgerctl switchover).
//
// Election: with the leader key gone (its lease expired or it was given up), every mirror stops
// following and publishes its candidacy. A candidate tries the compare-and-swap only when at
// least cluster_size - sync_mirrors candidates are published and it holds the most by
// (last_term, size) (ties: the smallest name). Every acknowledged event is durable on
// sync_mirrors mirrors, so any cluster_size - sync_mirrors candidates include one that holds
// it, and the winner holds at least as much: only a node holding every acknowledged event can
// win. A primary whose lease runs out by its own clock stops acknowledging at once (the sync
// tracker asks before every answer), and one that finds the leader key not its own restarts
// as a mirror.
#ifndef BOOO_SERVICES_CLUSTER_AGENT_H_
#define BOOO_SERVICES_CLUSTER_AGENT_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "booo/v1/cluster_service.pb.h"
#include "ledger/storage/ledger.h"
#include "services/cluster_follower.h"
#include "services/cluster_state.h"
#include "services/etcd_client.h"
#include "services/sync_tracker.h"

namespace booo::services {

struct ClusterAgentOptions {
  std::vector<std::string> etcd_endpoints;
  std::string key_prefix;         // "/booo-ledger/<cluster name>"
  std::string advertise_address;  // host:port the other nodes and clients reach this node at
  uint32_t cluster_size = 3;
  uint32_t sync_mirrors = 1;
  int64_t lease_ttl_seconds = 3;
};

class ClusterAgent {
 public:
  // Every pointer outlives the agent. `demote(why)` is called once when this primary must stop
  // being one (ledgerd restarts as a mirror).
  ClusterAgent(ClusterAgentOptions options, ledger::Ledger* ledger, ClusterState* cluster,
               SyncTracker* sync, ClusterFollower* follower, std::function<void(std::string)> demote);
  ~ClusterAgent();
  void Start();
  void Stop();

  // Whether this node may still acknowledge as primary: its lease is valid by its own clock,
  // with a margin for clock-rate drift.
  bool LeaseValid() const;
  std::vector<std::string> Members() const;
  absl::StatusOr<booo::v1::SwitchoverResponse> Switchover(const std::string& to_node,
                                                          absl::Time deadline);

 private:
  void Loop();
  void Tick();
  void Campaign();
  // Takes up the leadership won at `term` (this node's frozen state decided the election).
  void Promote(uint64_t term, const char* how);
  void Demote(const std::string& why);
  std::string Key(const std::string& suffix) const { return options_.key_prefix + suffix; }

  const ClusterAgentOptions options_;
  ledger::Ledger* const ledger_;
  ClusterState* const cluster_;
  SyncTracker* const sync_;
  ClusterFollower* const follower_;
  const std::function<void(std::string)> demote_;
  EtcdClient etcd_;

  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> demoted_{false};
  // The lease, and until when (monotonic) it is valid as far as this node can tell: the time
  // a keep-alive was *sent* plus the TTL etcd answered.
  mutable absl::Mutex mutex_;
  int64_t lease_ = 0;  // the agent thread only
  std::atomic<int64_t> lease_valid_until_ns_{0};
  absl::Time last_keepalive_ = absl::InfinitePast();
  absl::Time last_published_ = absl::InfinitePast();
  absl::Time candidate_since_ = absl::InfiniteFuture();
  uint64_t following_term_ = 0;
  std::string candidacy_key_;  // the key this node published its candidacy under, if any
  std::vector<std::string> members_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace booo::services

#endif  // BOOO_SERVICES_CLUSTER_AGENT_H_
