// The Cluster gRPC service (proto/booo/v1/cluster_service.proto): the primary's side of
// replication (Follow), node status, and the planned handover.
#ifndef BOOO_SERVICES_CLUSTER_SERVICE_H_
#define BOOO_SERVICES_CLUSTER_SERVICE_H_

#include <functional>
#include <string>

#include "booo/v1/cluster_service.grpc.pb.h"
#include "ledger/storage/ledger.h"
#include "services/call_gate.h"
#include "services/checkpoint_signer.h"
#include "services/cluster_state.h"
#include "services/sync_tracker.h"

namespace booo::services {

// What the service reads of the node beyond the ledger; every pointer outlives the service.
struct ClusterServiceDeps {
  ledger::Ledger* ledger = nullptr;
  CallGate* gate = nullptr;
  const ClusterState* cluster = nullptr;
  SyncTracker* sync = nullptr;
  const CheckpointSigner* signer = nullptr;
  // On a mirror: the primary's size as last heard.
  std::function<uint64_t()> primary_size;
  // The members etcd lists ("name@host:port"), for status tools.
  std::function<std::vector<std::string>()> members;
  // The planned handover to a mirror; only on the primary.
  std::function<absl::StatusOr<booo::v1::SwitchoverResponse>(const std::string& to_node,
                                                             absl::Time deadline)>
      switchover;
};

class ClusterService final : public booo::v1::Cluster::Service {
 public:
  explicit ClusterService(ClusterServiceDeps deps) : deps_(std::move(deps)) {}

  grpc::Status Follow(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<booo::v1::FollowResponse, booo::v1::FollowRequest>* stream) override;
  grpc::Status GetNodeStatus(grpc::ServerContext* context,
                             const booo::v1::GetNodeStatusRequest* request,
                             booo::v1::NodeStatus* response) override;
  grpc::Status Switchover(grpc::ServerContext* context, const booo::v1::SwitchoverRequest* request,
                          booo::v1::SwitchoverResponse* response) override;

  // The node's status as GetNodeStatus answers it.
  booo::v1::NodeStatus Status() const;

 private:
  const ClusterServiceDeps deps_;
};

}  // namespace booo::services

#endif  // BOOO_SERVICES_CLUSTER_SERVICE_H_
