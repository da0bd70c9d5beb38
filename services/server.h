// LedgerServer: everything `ledgerd` runs, as a class, so that integration tests start the
// real server in-process on port 0 with a real RocksDB directory.
#ifndef BOOO_SERVICES_SERVER_H_
#define BOOO_SERVICES_SERVER_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "grpcpp/server.h"
#include "ledger/core/clock.h"
#include "ledger/storage/ledger.h"
#include "services/wire/queries.h"
#include "replay/calc/grant_payload_rules.h"
#include "replay/calc/rule_guard.h"
#include "replay/kept/projection_store.h"
#include "services/access_log.h"
#include "services/access_log_service.h"
#include "services/call_gate.h"
#include "services/call_observer.h"
#include "services/memory_budget.h"
#include "services/metrics.h"
#include "services/checkpoint_keyring.h"
#include "services/checkpoint_signer.h"
#include "services/cluster_agent.h"
#include "services/cluster_follower.h"
#include "services/cluster_service.h"
#include "services/cluster_state.h"
#include "services/sync_tracker.h"
#include "services/tiles_http.h"
#include "services/witness_collector.h"
#include "services/controls_service.h"
#include "services/grants_service.h"
#include "services/ledger_event_log.h"
#include "services/ledger_service.h"

namespace booo::services {

// A node of a cluster (README "Cluster"): who is primary is decided through etcd; or, without
// etcd, a fixed mirror (`follow_address`) or a fixed primary waiting for `sync_mirrors`.
struct ClusterOptions {
  std::string node_name;                    // unique in the cluster; default the host name
  std::vector<std::string> etcd_endpoints;  // "host:port" of the etcd members
  std::string cluster_name = "booo";        // etcd keys under /booo-ledger/<cluster_name>/
  std::string advertise_address;            // how the others reach this node's gRPC port
  uint32_t cluster_size = 3;
  uint32_t sync_mirrors = 1;  // an append is answered once durable on this many mirrors
  int64_t lease_ttl_seconds = 3;
  absl::Duration sync_timeout = absl::Seconds(10);
  std::string follow_address;  // without etcd: always a mirror of this primary
  bool static_primary = false; // without etcd: always the primary (term 0)
  // The mirror's credentials towards the primary: its client certificate (over its
  // ROLE_MIRROR key) and key, and the CA that issued the primary's server certificate
  // (default: the server's client CA, as `ledgerctl tls` issues both).
  std::string follow_certificate_file;
  std::string follow_key_file;
  std::string follow_ca_file;
  bool enabled() const {
    return !etcd_endpoints.empty() || !follow_address.empty() || static_primary;
  }
};

struct ServerOptions {
  std::string data_dir;
  std::string listen_address = "127.0.0.1:50051";  // "host:0" picks a free port
  // PKCS#8 PEM files with checkpoint-signing keys; default <data_dir>/checkpoint.key. The key the
  // ledger has in force must be among them; around a rotation, give the next key too (a
  // rotation to a key the server does not hold is refused).
  std::vector<std::string> checkpoint_key_files;
  ledger::LedgerOptions ledger;
  // Requests larger than this are refused by gRPC with RESOURCE_EXHAUSTED before any handler.
  int max_receive_message_bytes = 4 * 1024 * 1024;
  // Concurrent calls on one connection; gRPC holds further ones back until one ends.
  int max_concurrent_streams_per_connection = 100;

  // TLS: the server's certificate chain and key, and the CA that issues client certificates
  // (`ledgerctl tls`). Clients must present a certificate over a registered ledger key.
  std::string tls_certificate_file;
  std::string tls_private_key_file;
  std::string tls_client_ca_file;
  // Without TLS files ledgerd refuses to start, unless this is set: then it serves plaintext
  // and treats every caller as an unrestricted development caller. Never for real data.
  bool plaintext_for_development = false;
  CallLimits limits;
  // The tiles listener (services/tiles_http.h); off while its listen_address is empty. It
  // takes the TLS files above.
  TilesHttpOptions tiles;
  // A C2SP tlog-policy file naming the witnesses to ask for cosignatures and the quorum
  // (services/witness_collector.h); none when empty.
  std::string witness_policy_file;
  WitnessCollectorOptions witnessing;
  ClusterOptions cluster;

  // Operations (README "Operating ledgerd"). Prometheus' /metrics over plain HTTP, for the
  // monitoring namespace only; off while empty.
  std::string metrics_listen_address;
  // gRPC health checking only (grpc.health.v1), in plaintext, for the kubelet's probes (which
  // do not speak TLS): pod-local, nothing else is served there; off while empty. Services:
  // "booo.liveness" (the process answers), "" and "booo.readiness" (ready: the projections are
  // rebuilt and the server takes calls).
  std::string health_listen_address;
  // The read-access log (services/access_log.h): its directory, default <data_dir>/access-log.
  std::string access_log_dir;
  AccessLogOptions access_log;
  // What ledgerd may hold in memory, shared out among its caches (services/memory_budget.h).
  uint64_t memory_budget_bytes = kDefaultMemoryBudget;
  // The projection kept across restarts (replay/kept/projection_store.h), in its own
  // directory, default <data_dir>/projection. With persist_projection off, every start
  // rebuilds the projection from the whole log and computes every answer anew.
  std::string projection_dir;
  bool persist_projection = true;
  // Computes (and keeps) the balance answers the facts' growth made stale whenever the log has
  // been quiet for a second, so that the first ListBalances after a burst of appends, or after
  // a restart, finds them ready.
  bool refresh_answers_when_idle = true;
  // Called at start, once the probes answer (not ready) and before the projections rebuild:
  // for tests that watch the listeners during the rebuild. Optional.
  std::function<void()> before_projection_rebuild;

  // Called (from any thread, at most once) when the node must restart to take its new role:
  // a primary that lost the leadership, or a mirror whose unreplicated tail must be cut.
  // ledgerd shuts down and executes itself again. Must not block.
  std::function<void(std::string why)> request_restart;
};

class LedgerServer {
 public:
  // Opens the ledger (it must have a genesis: `ledgerctl init`), checks that the checkpoint key
  // in force is among the loaded ones (FAILED_PRECONDITION otherwise), and starts serving.
  static absl::StatusOr<std::unique_ptr<LedgerServer>> Start(const ServerOptions& options,
                                                             ledger::Clock* clock);
  ~LedgerServer();

  int port() const { return port_; }
  // The tiles listener's port; 0 when it is off.
  int tiles_port() const { return tiles_ ? tiles_->port() : 0; }
  // The cluster role state; nullptr outside a cluster.
  const ClusterState* cluster() const { return cluster_.get(); }
  ClusterService* cluster_service() { return cluster_service_.get(); }
  Metrics& metrics() { return *metrics_; }
  int metrics_port() const { return metrics_->port(); }
  int health_port() const { return health_port_; }
  // The witness collector; nullptr without a witness policy.
  const WitnessCollector* witnesses() const { return witnesses_.get(); }
  ledger::Ledger& ledger() { return *ledger_; }
  wire::Queries& queries() { return *queries_; }
  // Graceful: ends subscriptions, lets in-flight calls finish (at most `deadline`), writes the
  // queued appends, closes the store. Idempotent.
  void Shutdown(absl::Duration deadline = absl::Seconds(10));
  void Wait();
  // What /checkpoint serves: the latest witnessed checkpoint with its cosignatures, or (without
  // witnesses, or before their first round) the signed head.
  absl::StatusOr<std::string> PublishedCheckpoint() const;

 private:
  LedgerServer() = default;
  // The cluster's parts (ServerOptions::cluster), before the services are built.
  absl::Status StartCluster(const ServerOptions& options);
  // The health-only listener, not ready yet (ServerOptions::health_listen_address).
  absl::Status StartHealthListener(const std::string& address);
  // Ready or not, on both listeners' health services.
  void SetReady(bool ready);
  // The figures read at scrape time (services/metrics.h).
  void AddScrapeSources();
  // Keeps the projections caught up with the log between queries, so that their lag is a
  // figure an operator can watch and the first query after a burst is not the slow one.
  void ProjectionLoop();
  // Opens the kept projection and restores the state from it (or, when it does not fit the
  // log, discards it); then the catch-up only reads what the log holds beyond it.
  absl::Status RestoreProjection(const ServerOptions& options);
  // Keeps the index of the events the projection has read since the last call.
  absl::Status PersistProjection() ABSL_LOCKS_EXCLUDED(persist_mutex_);
  // A new projection and its query facades over the log, within the memory budget's shares.
  std::unique_ptr<wire::Queries> NewQueries() const;

  // Declaration order is destruction order reversed: the ledger holds the rule guard, the
  // projection reads the ledger.
  const replay::GrantPayloadRules payload_rules_{};  // stateless: the grant's field rules
  std::unique_ptr<Metrics> metrics_;                 // the ledger's observer: outlives it
  std::unique_ptr<grpc::Server> health_server_;
  int health_port_ = 0;
  std::unique_ptr<replay::RuleGuard> rule_guard_;
  std::unique_ptr<CheckpointKeyring> checkpoint_keys_;
  std::unique_ptr<ledger::Ledger> ledger_;
  std::unique_ptr<LedgerEventLog> event_log_;
  std::unique_ptr<CallGate> gate_;
  std::unique_ptr<AccessLog> access_log_;
  std::unique_ptr<AccessLogService> access_log_service_;
  std::unique_ptr<replay::ProjectionStore> projection_store_;  // outlives the queries using it
  std::unique_ptr<wire::Queries> queries_;
  absl::Mutex persist_mutex_;
  bool refresh_answers_when_idle_ = true;
  MemoryShares memory_;
  std::unique_ptr<LedgerService> service_;
  std::unique_ptr<GrantsService> grants_service_;
  std::unique_ptr<ControlsService> controls_service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<CheckpointSigner> signer_;
  std::unique_ptr<ClusterState> cluster_;
  std::unique_ptr<SyncTracker> sync_;
  std::unique_ptr<ClusterFollower> follower_;
  std::unique_ptr<ClusterAgent> agent_;
  std::unique_ptr<ClusterService> cluster_service_;
  std::atomic<ClusterAgent*> agent_raw_{nullptr};  // read by the sync tracker's lease check
  std::unique_ptr<WitnessCollector> witnesses_;
  std::unique_ptr<CallerIdentifier> http_callers_;
  std::unique_ptr<TilesHttpServer> tiles_;
  int port_ = 0;
  bool stopped_ = false;
  absl::Mutex projection_mutex_;
  bool projection_stop_ ABSL_GUARDED_BY(projection_mutex_) = false;
  std::thread projection_thread_;
};

}  // namespace booo::services

#endif  // BOOO_SERVICES_SERVER_H_
