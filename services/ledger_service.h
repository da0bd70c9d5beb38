// The Ledger gRPC service: decodes a request, calls the core (ledger::Ledger), converts the
// status once. No rules live here.
#ifndef BOOO_SERVICES_LEDGER_SERVICE_H_
#define BOOO_SERVICES_LEDGER_SERVICE_H_

#include <atomic>
#include <memory>
#include <string>

#include "booo/v1/ledger_service.grpc.pb.h"
#include "ledger/core/crypto.h"
#include "ledger/storage/ledger.h"
#include "services/access_policy.h"
#include "services/call_gate.h"
#include "services/checkpoint_keyring.h"
#include "services/checkpoint_signer.h"
#include "services/cluster_state.h"
#include "services/sync_tracker.h"
#include "services/witness_collector.h"

namespace booo::services {

// Append and AppendBatch are served with gRPC's callback API: the call is parked in the ledger's queue, not on
// a thread, until its group commit is durable (a thread blocked per call cost more CPU in
// context switches than the append itself). The other methods are synchronous.
class LedgerService final
    : public booo::v1::Ledger::WithCallbackMethod_Append<
          booo::v1::Ledger::WithCallbackMethod_AppendBatch<booo::v1::Ledger::Service>> {
 public:
  // `ledger` and `signer` must outlive the service. A checkpoint is signed by `signer`
  // (services/checkpoint_signer.h): with the key the ledger puts in force for its tree size,
  // under that key's name and the genesis origin, and in a cluster only up to the signer's
  // ceiling; FAILED_PRECONDITION when the keyring lacks that key.
  // Backups are made in directories named after `backup_dir_prefix` (beside the data
  // directory, so that RocksDB can hard-link rather than copy) and removed once streamed.
  // Every call passes `gate` (who is calling, within which limits) first.
  // `witnesses`, when ledgerd has a witness policy, supplies the cosigned checkpoints.
  LedgerService(ledger::Ledger* ledger, CallGate* gate, const CheckpointSigner* signer,
                std::string backup_dir_prefix, const WitnessCollector* witnesses = nullptr);

  // In a cluster (services/cluster_node.h): a node that is not the primary refuses writes with
  // FAILED_PRECONDITION naming the primary, and the primary answers an append only once its
  // event is durable on the sync mirrors (`sync`), waiting at most `sync_timeout` (or the
  // call's deadline, if sooner) before UNAVAILABLE. Both outlive the service; set before
  // serving.
  void SetCluster(const ClusterState* cluster, SyncTracker* sync, absl::Duration sync_timeout) {
    cluster_ = cluster;
    sync_ = sync;
    sync_timeout_ = sync_timeout;
  }

  // Ends every Subscribe stream (they return UNAVAILABLE) so that a graceful shutdown is not
  // held up by clients that never hang up.
  void BeginDrain() { draining_.store(true); }

  grpc::ServerUnaryReactor* Append(grpc::CallbackServerContext* context,
                                   const booo::v1::AppendRequest* request,
                                   booo::v1::AppendResponse* response) override;
  grpc::ServerUnaryReactor* AppendBatch(grpc::CallbackServerContext* context,
                                        const booo::v1::AppendBatchRequest* request,
                                        booo::v1::AppendBatchResponse* response) override;
  grpc::Status GetEvent(grpc::ServerContext* context, const booo::v1::GetEventRequest* request,
                        booo::v1::StoredEvent* response) override;
  grpc::Status ReadEvents(grpc::ServerContext* context, const booo::v1::ReadEventsRequest* request,
                          booo::v1::ReadEventsResponse* response) override;
  grpc::Status Subscribe(grpc::ServerContext* context, const booo::v1::SubscribeRequest* request,
                         grpc::ServerWriter<booo::v1::StoredEvent>* writer) override;
  grpc::Status GetCheckpoint(grpc::ServerContext* context,
                             const booo::v1::GetCheckpointRequest* request,
                             booo::v1::Checkpoint* response) override;
  grpc::Status GetInclusionProof(grpc::ServerContext* context,
                                 const booo::v1::GetInclusionProofRequest* request,
                                 booo::v1::InclusionProof* response) override;
  grpc::Status GetConsistencyProof(grpc::ServerContext* context,
                                   const booo::v1::GetConsistencyProofRequest* request,
                                   booo::v1::ConsistencyProof* response) override;
  grpc::Status Backup(grpc::ServerContext* context, const booo::v1::BackupRequest* request,
                      grpc::ServerWriter<booo::v1::BackupChunk>* writer) override;

 private:
  // ReadEvents of the whole log for a caller who may read only some streams: its events only,
  // next_start past the events it may not read.
  absl::Status ReadNarrowed(const Caller& caller, const booo::v1::ReadEventsRequest& request,
                            booo::v1::ReadEventsResponse& response) const;
  // The checkpoint of `head`, signed as the constructor says.
  absl::StatusOr<booo::v1::Checkpoint> SignHead(const ledger::TreeHead& head) const;

  ledger::Ledger* const ledger_;
  CallGate* const gate_;
  // Whether writes are taken here (FAILED_PRECONDITION naming the primary when not), and the
  // deadline an append waits for its sync mirrors until.
  absl::Status CheckWritable(const std::string& field) const;
  absl::Time SyncDeadline(const grpc::CallbackServerContext& context) const;
  const CheckpointSigner* const signer_;
  const ClusterState* cluster_ = nullptr;
  SyncTracker* sync_ = nullptr;
  absl::Duration sync_timeout_ = absl::Seconds(10);
  const WitnessCollector* const witnesses_;
  std::atomic<bool> draining_{false};
  const std::string backup_dir_prefix_;
  std::atomic<uint64_t> backups_{0};
};

}  // namespace booo::services

#endif  // BOOO_SERVICES_LEDGER_SERVICE_H_
