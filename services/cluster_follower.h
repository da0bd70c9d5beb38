// A mirror's side of replication: follows the primary over Cluster.Follow, writes what it
// sends through the ledger's verified replication path (Ledger::ReplicateAsync: every event
// admitted exactly as an append, at the primary's sequence and time, and its leaf hash
// compared), reports each durable size back on the same stream, and verifies every checkpoint
// the primary hands out (its signature by the checkpoint key in force for its size, and its
// root against the mirror's own tree at that size) before the mirror hands it out in turn.
//
// Divergence: an event that fails, or a checkpoint that does not match the mirror's tree, stops
// the following for good (ClusterState::Diverge, logged, naming the sequence and the roots);
// the mirror keeps serving its verified prefix and never takes the primary's version.
//
// Rejoining: when the mirror's tree at its size is not the primary's (a former primary with an
// unacknowledged tail), it follows from the last checkpoint it handed out or verified, compares
// the primary's events with its own, and asks for its tail to be cut at the first difference
// (`request_cut`, which ledgerd carries out on a restart: ledger/storage/log_cut.h) — never
// below that checkpoint.
#ifndef BOOO_SERVICES_CLUSTER_FOLLOWER_H_
#define BOOO_SERVICES_CLUSTER_FOLLOWER_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "booo/v1/cluster_service.grpc.pb.h"
#include "grpcpp/security/credentials.h"
#include "ledger/storage/ledger.h"
#include "services/cluster_state.h"

namespace booo::services {

class ClusterFollower {
 public:
  // Every pointer outlives the follower. `request_cut(keep)` is called (from the follower's
  // thread) when the mirror must drop every event from `keep` on to follow this primary.
  ClusterFollower(ledger::Ledger* ledger, ClusterState* cluster,
                  std::shared_ptr<grpc::ChannelCredentials> credentials,
                  std::function<void(uint64_t keep, std::string why)> request_cut);
  ~ClusterFollower();

  // Follows the primary at `address` in `term` (replacing any earlier target).
  void Start(uint64_t term, const std::string& primary_address);
  // Stops following and returns once nothing is in flight: the ledger's size is then frozen.
  void Stop();
  bool following() const;

  uint64_t primary_size() const { return primary_size_.load(); }
  // The largest checkpoint size verified from the primary.
  uint64_t verified_checkpoint_size() const { return verified_size_.load(); }

 private:
  void Loop(uint64_t term, std::string address);
  // One Follow stream, until it ends. Returns false when following must stop for good.
  bool FollowOnce(uint64_t term, const std::string& address, bool& reconcile);
  // Verifies the checkpoint (pending until the mirror holds its size); false on divergence.
  bool CheckCheckpoint(const booo::v1::Checkpoint& checkpoint)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(checkpoint_mutex_);
  // Takes a new checkpoint from the primary (nullptr: none) and verifies whatever the mirror
  // now holds the size of; false on divergence. From the stream's thread and the ledger's
  // completion thread (once a chunk is durable).
  bool OfferCheckpoint(const booo::v1::Checkpoint* checkpoint);
  void Diverge(const std::string& why);

  ledger::Ledger* const ledger_;
  ClusterState* const cluster_;
  const std::shared_ptr<grpc::ChannelCredentials> credentials_;
  const std::function<void(uint64_t, std::string)> request_cut_;

  absl::Mutex mutex_;  // Start/Stop
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<grpc::ClientContext*> context_{nullptr};
  absl::Mutex context_mutex_;  // guards cancelling context_

  std::string last_refusal_;  // the follower's thread only
  std::atomic<uint64_t> primary_size_{0};
  std::atomic<uint64_t> verified_size_{0};
  absl::Mutex checkpoint_mutex_;
  std::deque<booo::v1::Checkpoint> pending_checkpoints_ ABSL_GUARDED_BY(checkpoint_mutex_);
  // Checkpoints are checked only up to what the mirror verified: while a rejoining node
  // compares its tail with the primary's, the part not yet compared is not.
  std::atomic<uint64_t> verify_limit_{UINT64_MAX};

  // Replicated chunks in flight (the ledger answers them in order on its completion thread).
  absl::Mutex flight_mutex_;
  int in_flight_ ABSL_GUARDED_BY(flight_mutex_) = 0;
  std::string divergence_ ABSL_GUARDED_BY(flight_mutex_);
};

}  // namespace booo::services

#endif  // BOOO_SERVICES_CLUSTER_FOLLOWER_H_
