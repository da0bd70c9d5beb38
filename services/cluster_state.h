// What a ledgerd node knows of its place in a cluster: its role, the term, the primary, its
// health, and the two facts it keeps on disk beside the store (<data_dir>/cluster-state):
//
//   last_term         the term of the primary whose log this node's log is a prefix of (it
//                     verified that, or was that primary); candidates compare (last_term, size)
//                     so that a node holding a stale tail never wins over one holding the
//                     current primary's events.
//   checkpoint_size   the largest tree size of a checkpoint this node handed out or verified:
//                     it never cuts below it, and never signs a checkpoint of a smaller size.
//
// Thread-safe. The cluster agent (etcd) and the follower change the role; the services read it.
#ifndef BOOO_SERVICES_CLUSTER_STATE_H_
#define BOOO_SERVICES_CLUSTER_STATE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace booo::services {

enum class NodeRole {
  kStandalone,  // no cluster: takes appends, signs its head
  kPrimary,
  kMirror,      // following (or about to follow) a primary
  kCandidate,   // no primary: frozen, taking part in an election
  kDiverged,    // stopped following: the primary sent something that does not verify
};
const char* NodeRoleName(NodeRole role);

struct PersistedClusterState {
  uint64_t last_term = 0;
  uint64_t checkpoint_size = 0;
};

class ClusterState {
 public:
  // Reads <data_dir>/cluster-state (absent: zeros).
  static absl::StatusOr<std::unique_ptr<ClusterState>> Load(const std::string& data_dir,
                                                            std::string node_name,
                                                            NodeRole initial);

  const std::string& node_name() const { return node_name_; }

  NodeRole role() const;
  uint64_t term() const;
  // The primary as "name@host:port" (empty when unknown) and the address alone.
  std::string primary() const;
  std::string primary_address() const;
  std::string health() const;

  // `term_start_size`: the log's size when this node became primary.
  void BecomePrimary(uint64_t term, uint64_t term_start_size);
  uint64_t term_start_size() const;
  void Follow(uint64_t term, std::string primary_name, std::string primary_address);
  void BecomeCandidate();
  void Diverge(std::string why);

  // A planned switchover drains: appends are refused UNAVAILABLE meanwhile.
  void SetHandingOver(bool on) {
    absl::MutexLock lock(&mutex_);
    handing_over_ = on;
  }
  bool handing_over() const {
    absl::MutexLock lock(&mutex_);
    return handing_over_;
  }

  PersistedClusterState persisted() const;
  // Raise the persisted facts (never lowered); written atomically before returning, and taken
  // as the node's only once written (on an error both stay as they were).
  absl::Status RaiseLastTerm(uint64_t term);
  absl::Status RaiseCheckpointSize(uint64_t size);

  // The refusal of a write on a node that is not the primary: FAILED_PRECONDITION naming the
  // primary, which ledgerctl follows ("primary: <name>@<host:port>").
  std::string NotPrimaryMessage(const std::string& field) const;

 private:
  ClusterState(std::string path, std::string node_name, NodeRole role, PersistedClusterState p)
      : path_(std::move(path)), node_name_(std::move(node_name)), role_(role), persisted_(p) {}
  // Raises one persisted fact to `value` (never lowers it), written before it is taken.
  absl::Status Raise(uint64_t PersistedClusterState::*fact, uint64_t value);
  // Writes `state`; only then does the caller take it as the node's.
  absl::Status Save(const PersistedClusterState& state) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  const std::string path_;
  const std::string node_name_;
  mutable absl::Mutex mutex_;
  NodeRole role_ ABSL_GUARDED_BY(mutex_);
  uint64_t term_ ABSL_GUARDED_BY(mutex_) = 0;
  uint64_t term_start_size_ ABSL_GUARDED_BY(mutex_) = 0;
  std::string primary_name_ ABSL_GUARDED_BY(mutex_);
  std::string primary_address_ ABSL_GUARDED_BY(mutex_);
  std::string health_ ABSL_GUARDED_BY(mutex_) = "ok";
  bool handing_over_ ABSL_GUARDED_BY(mutex_) = false;
  PersistedClusterState persisted_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace booo::services

#endif  // BOOO_SERVICES_CLUSTER_STATE_H_
