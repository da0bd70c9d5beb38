#include "services/server.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "absl/strings/numbers.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "ledger/core/status_macros.h"
#include "ledger/storage/log_cut.h"
#include "services/log.h"

namespace booo::services {
namespace {

// Backups are made beside the data directory ("<dir>.backup-..."), on the same filesystem, so
// that RocksDB hard-links the table files instead of copying them.
std::string BackupPrefix(const std::string& data_dir) {
  std::filesystem::path dir = std::filesystem::path(data_dir).lexically_normal();
  if (dir.filename().empty()) dir = dir.parent_path();  // a trailing slash
  return dir.string();
}

// The listening port's credentials: TLS with client certificates requested and, when given,
// verified against the client CA. A call without one reaches the handlers, which refuse it
// with UNAUTHENTICATED (a handshake failure would tell the client less).
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> PortCredentials(
    const ServerOptions& options) {
  const bool any_tls = !options.tls_certificate_file.empty() ||
                       !options.tls_private_key_file.empty() ||
                       !options.tls_client_ca_file.empty();
  if (!any_tls) {
    if (!options.plaintext_for_development) {
      return absl::FailedPreconditionError(
          "tls: ledgerd serves TLS only; give the certificate, its key and the client CA "
          "(ledgerctl tls makes a development set), or ask for plaintext for development "
          "explicitly");
    }
    Log("warning", "serving PLAINTEXT for development: every caller reads everything", {});
    return grpc::InsecureServerCredentials();
  }
  if (options.plaintext_for_development) {
    return absl::InvalidArgumentError(
        "plaintext_for_development: cannot be combined with TLS files");
  }
  struct Named {
    const char* field;
    const std::string& path;
  };
  std::string contents[3];
  const Named files[3] = {{"tls_certificate_file", options.tls_certificate_file},
                          {"tls_private_key_file", options.tls_private_key_file},
                          {"tls_client_ca_file", options.tls_client_ca_file}};
  for (int i = 0; i < 3; ++i) {
    if (files[i].path.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(files[i].field, ": is required for TLS"));
    }
    std::ifstream in(files[i].path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    if (!in || text.str().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(files[i].field, ": cannot read ", files[i].path));
    }
    contents[i] = text.str();
  }
  grpc::SslServerCredentialsOptions ssl(GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY);
  ssl.pem_root_certs = contents[2];
  ssl.pem_key_cert_pairs.push_back({contents[1], contents[0]});
  return grpc::SslServerCredentials(ssl);
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) return absl::InvalidArgumentError(absl::StrCat(path, ": cannot read"));
  return text.str();
}

}  // namespace

absl::StatusOr<std::unique_ptr<LedgerServer>> LedgerServer::Start(const ServerOptions& options,
                                                                  ledger::Clock* clock) {
  if (options.data_dir.empty()) return absl::InvalidArgumentError("data_dir: is required");
  const ClusterOptions& cluster = options.cluster;
  const bool etcd_cluster = !cluster.etcd_endpoints.empty();
  // A mirror may start from an empty directory and copy the whole log from the primary.
  const bool may_start_empty = etcd_cluster || !cluster.follow_address.empty();
  if (!may_start_empty &&
      !std::filesystem::exists(std::filesystem::path(options.data_dir) / "CURRENT")) {
    return absl::FailedPreconditionError(absl::StrCat(
        "data_dir: ", options.data_dir, " holds no ledger; create one with `ledgerctl init`"));
  }
  std::vector<std::string> key_files = options.checkpoint_key_files;
  if (key_files.empty()) {
    key_files.push_back((std::filesystem::path(options.data_dir) / "checkpoint.key").string());
  }
  ASSIGN_OR_RETURN(CheckpointKeyring keyring, CheckpointKeyring::Load(key_files));
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::ServerCredentials> credentials, PortCredentials(options));

  // A cut asked for before the restart (a former primary's unreplicated tail): made before the
  // ledger opens, the cut events kept beside the data directory.
  const std::filesystem::path cut_file = std::filesystem::path(options.data_dir) / "cluster-cut";
  if (std::filesystem::exists(cut_file)) {
    ASSIGN_OR_RETURN(std::string text, ReadFile(cut_file.string()));
    uint64_t keep = 0;
    if (!absl::SimpleAtoi(text.substr(0, text.find('\n')), &keep)) {
      return absl::DataLossError(absl::StrCat(cut_file.string(), ": malformed"));
    }
    const std::string tail_file =
        absl::StrCat(BackupPrefix(options.data_dir), ".cut-", keep, "-", absl::ToUnixSeconds(absl::Now()), ".tail");
    ASSIGN_OR_RETURN(ledger::CutReport cut, ledger::CutLogTail(options.data_dir, keep, tail_file));
    Log("warning", "unreplicated tail cut off before rejoining as a mirror",
        {{"kept", cut.new_size}, {"cut_events", cut.old_size - cut.new_size},
         {"tail_file", cut.tail_file}, {"reason", text.substr(text.find('\n') + 1)}});
    std::filesystem::remove(cut_file);
  }

  std::unique_ptr<LedgerServer> server(new LedgerServer());
  // Operations first: the probes and the metrics answer while the ledger opens and the
  // projections rebuild (not ready yet), which at national scale takes a while.
  server->metrics_ = std::make_unique<Metrics>();
  if (!options.health_listen_address.empty()) {
    RETURN_IF_ERROR(server->StartHealthListener(options.health_listen_address));
  }
  if (!options.metrics_listen_address.empty()) {
    RETURN_IF_ERROR(server->metrics_->Serve(options.metrics_listen_address));
    Log("info", "metrics listener serving",
        {{"listen", options.metrics_listen_address}, {"port", server->metrics_->port()}});
  }
  server->rule_guard_ = std::make_unique<replay::RuleGuard>();
  server->checkpoint_keys_ = std::make_unique<CheckpointKeyring>(std::move(keyring));
  ASSIGN_OR_RETURN(server->memory_, ShareMemory(options.memory_budget_bytes));
  ledger::LedgerOptions ledger_options = options.ledger;
  ledger_options.block_cache_bytes = server->memory_.rocksdb_block_cache;
  ledger_options.write_buffer_bytes = server->memory_.rocksdb_write_buffers;
  ledger_options.policy = server->rule_guard_.get();
  ledger_options.payload_rules = &server->payload_rules_;
  ledger_options.observer = server->metrics_.get();
  ledger_options.holds_checkpoint_key = [keys = server->checkpoint_keys_.get()](
                                            absl::string_view public_key) {
    return keys->Holds(public_key);
  };
  ASSIGN_OR_RETURN(server->ledger_, ledger::Ledger::Open(options.data_dir, clock, ledger_options));
  std::optional<ledger::GenesisInfo> genesis = server->ledger_->Genesis();
  if (!genesis && !may_start_empty) {
    return absl::FailedPreconditionError("ledger: has no genesis; run `ledgerctl init`");
  }
  const std::optional<ledger::CheckpointKey> in_force =
      server->ledger_->CheckpointKeyFor(server->ledger_->Head().size);
  if (in_force && !server->checkpoint_keys_->Holds(in_force->public_key)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "checkpoint_key_files: none of ", absl::StrJoin(key_files, ", "),
        " is the checkpoint key in force (", in_force->key_name, ", from tree size ",
        in_force->first_tree_size, ")"));
  }
  server->gate_ = std::make_unique<CallGate>(
      server->ledger_.get(), options.plaintext_for_development, options.limits, clock);
  server->signer_ = std::make_unique<CheckpointSigner>(server->ledger_.get(),
                                                       server->checkpoint_keys_.get());
  server->signer_->SetObserver([metrics = server->metrics_.get()](uint64_t size, double seconds) {
    metrics->CheckpointSigned(size, seconds);
  });
  {
    AccessLogOptions access = options.access_log;
    access.metrics = server->metrics_.get();
    if (access.instance.empty()) access.instance = cluster.node_name;
    if (access.instance.empty()) {
      char host[256] = {};
      ::gethostname(host, sizeof(host) - 1);
      access.instance = host;
    }
    const std::string dir = options.access_log_dir.empty()
                                ? (std::filesystem::path(options.data_dir) / "access-log").string()
                                : options.access_log_dir;
    ASSIGN_OR_RETURN(server->access_log_, AccessLog::Open(dir, std::move(access)));
    server->gate_->SetAccessLog(server->access_log_.get());
    server->access_log_service_ =
        std::make_unique<AccessLogService>(server->access_log_.get(), server->gate_.get());
  }
  if (cluster.enabled()) {
    RETURN_IF_ERROR(server->StartCluster(options));
    server->sync_->SetWaitObserver(
        [metrics = server->metrics_.get()](double seconds, bool timed_out) {
          metrics->SyncWaited(seconds, timed_out);
        });
  }
  if (!options.witness_policy_file.empty()) {
    ASSIGN_OR_RETURN(std::string text, ReadFile(options.witness_policy_file));
    absl::StatusOr<ledger::WitnessPolicy> policy = ledger::WitnessPolicy::Parse(text);
    if (!policy.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("witness_policy_file: ",
                                                     options.witness_policy_file, ": ",
                                                     policy.status().message()));
    }
    ASSIGN_OR_RETURN(server->witnesses_,
                     WitnessCollector::Start(*std::move(policy), server->ledger_.get(),
                                             server->signer_.get(), options.witnessing));
  }
  server->service_ = std::make_unique<LedgerService>(server->ledger_.get(), server->gate_.get(),
                                                     server->signer_.get(),
                                                     BackupPrefix(options.data_dir),
                                                     server->witnesses_.get());
  if (server->cluster_) {
    server->service_->SetCluster(server->cluster_.get(), server->sync_.get(),
                                 cluster.sync_timeout);
  }
  server->event_log_ = std::make_unique<LedgerEventLog>(server->ledger_.get());
  server->queries_ = server->NewQueries();
  server->refresh_answers_when_idle_ = options.refresh_answers_when_idle;
  // Build the materialised grant state before serving, so the first query is not the slow one:
  // from the kept projection and the events beyond it, or from the whole log.
  if (options.before_projection_rebuild) options.before_projection_rebuild();
  const absl::Time rebuild_started = absl::Now();
  if (options.persist_projection) RETURN_IF_ERROR(server->RestoreProjection(options));
  const uint64_t restored = server->queries_->state.position();
  RETURN_IF_ERROR(server->queries_->state.CatchUp());
  if (absl::Status kept = server->PersistProjection(); !kept.ok()) {
    // Serving does not depend on it (a damaged tree refuses its proofs, not the queries): the
    // next start reads more of the log.
    Log("warning", "projection index not kept", {{"reason", kept.ToString()}});
  }
  const double rebuild_seconds = absl::ToDoubleSeconds(absl::Now() - rebuild_started);
  server->metrics_->ProjectionRebuilt(rebuild_seconds);
  Log("info", "projections rebuilt",
      {{"events", server->queries_->state.position()},
       {"restored_from_kept", restored},
       {"seconds", rebuild_seconds}});
  server->grants_service_ = std::make_unique<GrantsService>(&server->queries_->grants, server->gate_.get());
  server->controls_service_ = std::make_unique<ControlsService>(&server->queries_->controls,
                                                                server->gate_.get(), clock);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen_address, credentials, &server->port_);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                             options.max_concurrent_streams_per_connection);
  builder.SetMaxReceiveMessageSize(options.max_receive_message_bytes);
  builder.RegisterService(server->service_.get());
  builder.RegisterService(server->grants_service_.get());
  builder.RegisterService(server->controls_service_.get());
  builder.RegisterService(server->access_log_service_.get());
  {
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> observers;
    observers.push_back(std::make_unique<CallObserverFactory>(server->metrics_.get()));
    builder.experimental().SetInterceptorCreators(std::move(observers));
  }
  if (server->cluster_service_) builder.RegisterService(server->cluster_service_.get());
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("listen_address: cannot listen on ", options.listen_address));
  }
  // Health per service, beside the empty name for the whole server; each reads SERVING until
  // shutdown begins (see Shutdown).
  for (const char* name : {"", "booo.v1.Ledger", "booo.v1.Grants", "booo.v1.Controls",
                           "booo.v1.AccessLog", "booo.liveness"}) {
    server->server_->GetHealthCheckService()->SetServingStatus(name, true);
  }
  // The probes' names here too, for an exec probe over mutual TLS (`ledgerctl health`).
  server->server_->GetHealthCheckService()->SetServingStatus("booo.readiness", false);
  if (!options.tiles.listen_address.empty()) {
    TilesHttpOptions tiles = options.tiles;
    tiles.tls_certificate_file = options.tls_certificate_file;
    tiles.tls_private_key_file = options.tls_private_key_file;
    tiles.tls_client_ca_file = options.tls_client_ca_file;
    tiles.access_log = server->access_log_.get();
    tiles.on_served = [metrics = server->metrics_.get()](absl::string_view kind, int status) {
      metrics->TileServed(kind, status);
    };
    server->http_callers_ = std::make_unique<CallerIdentifier>(
        server->ledger_.get(), options.plaintext_for_development);
    ASSIGN_OR_RETURN(server->tiles_,
                     TilesHttpServer::Start(tiles, server->ledger_.get(), server->http_callers_.get(),
                                            [raw = server.get()]() -> absl::StatusOr<std::string> {
                                              return raw->PublishedCheckpoint();
                                            }));
  }
  if (server->agent_) server->agent_->Start();
  if (!cluster.follow_address.empty()) {
    server->cluster_->Follow(0, "primary", cluster.follow_address);
    server->follower_->Start(0, cluster.follow_address);
  }
  server->AddScrapeSources();
  server->projection_thread_ = std::thread([raw = server.get()] { raw->ProjectionLoop(); });
  server->SetReady(true);
  const ledger::TreeHead head = server->ledger_->Head();
  Log("info", "ledgerd serving",
      {{"listen", options.listen_address},
       {"port", server->port_},
       {"data_dir", options.data_dir},
       {"tree_size", head.size},
       {"root", ledger::HashToHex(head.root)},
       {"origin", genesis ? genesis->origin : "(none yet: copying the log from the primary)"},
       {"role", server->cluster_ ? NodeRoleName(server->cluster_->role()) : "standalone"},
       {"transport", options.plaintext_for_development ? "plaintext (development)" : "mTLS"}});
  return server;
}

absl::Status LedgerServer::StartCluster(const ServerOptions& options) {
  const ClusterOptions& cluster = options.cluster;
  const bool etcd_cluster = !cluster.etcd_endpoints.empty();
  if (cluster.static_primary + !cluster.follow_address.empty() + etcd_cluster > 1) {
    return absl::InvalidArgumentError(
        "cluster: choose one of etcd endpoints, a static primary, or a primary to follow");
  }
  std::string node_name = cluster.node_name;
  if (node_name.empty()) {
    char host[256] = {};
    ::gethostname(host, sizeof(host) - 1);
    node_name = host;
  }
  if (node_name.empty() || node_name.find_first_of("@/ \n") != std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("node_name: \"", node_name, "\" must be non-empty, without '@', '/' or spaces"));
  }
  const NodeRole initial = cluster.static_primary ? NodeRole::kPrimary : NodeRole::kMirror;
  ASSIGN_OR_RETURN(cluster_, ClusterState::Load(options.data_dir, node_name, initial));
  if (cluster.static_primary) cluster_->BecomePrimary(0, ledger_->Head().size);
  if (initial == NodeRole::kMirror) ledger_->SetFollowing(true);

  sync_ = std::make_unique<SyncTracker>(cluster.sync_mirrors, [this] {
    // Without etcd the static primary's "lease" never runs out.
    ClusterAgent* agent = agent_raw_.load();
    return agent == nullptr || agent->LeaseValid();
  });
  if (cluster.static_primary) sync_->Open(0);

  // Checkpoints only up to what may be handed out (services/checkpoint_signer.h).
  signer_->SetCeiling([state = cluster_.get(), sync = sync_.get(), this](uint64_t head) {
    const uint64_t floor = state->persisted().checkpoint_size;
    if (state->role() != NodeRole::kPrimary) return std::min(head, floor);
    if (ClusterAgent* agent = agent_raw_.load(); agent != nullptr && !agent->LeaseValid()) {
      return std::min(head, floor);
    }
    const uint64_t ceiling = std::min(head, std::max(sync->SyncedSize(), floor));
    // Recorded on disk before it is handed out: a rejoin never cuts below it.
    if (ceiling > floor && !state->RaiseCheckpointSize(ceiling).ok()) return std::min(head, floor);
    return ceiling;
  });

  // "Settled" times, too, only as far as every possible next primary holds: while the tail past
  // the checkpoint ceiling is not yet on the sync mirrors (or not verified from the primary),
  // no later than the recorded-at time of the last event below the ceiling.
  ledger_->SetSettledCap([ledger = ledger_.get(), signer = signer_.get()]() -> std::optional<int64_t> {
    const uint64_t head = ledger->Head().size;
    const uint64_t ceiling = signer->CeilingFor(head);
    if (ceiling >= head) return std::nullopt;
    if (ceiling == 0) return 0;
    absl::StatusOr<booo::v1::StoredEvent> last = ledger->GetEvent(ceiling - 1);
    return last.ok() ? last->recorded_at_micros() : 0;
  });

  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (!options.plaintext_for_development) {
    const std::string ca_file =
        cluster.follow_ca_file.empty() ? options.tls_client_ca_file : cluster.follow_ca_file;
    grpc::SslCredentialsOptions ssl;
    if (!cluster.follow_certificate_file.empty() || !cluster.follow_key_file.empty()) {
      ASSIGN_OR_RETURN(ssl.pem_cert_chain, ReadFile(cluster.follow_certificate_file));
      ASSIGN_OR_RETURN(ssl.pem_private_key, ReadFile(cluster.follow_key_file));
    }
    if (!ca_file.empty()) {
      ASSIGN_OR_RETURN(ssl.pem_root_certs, ReadFile(ca_file));
    }
    credentials = grpc::SslCredentials(ssl);
  }
  const std::string data_dir = options.data_dir;
  std::function<void(std::string)> restart = options.request_restart;
  follower_ = std::make_unique<ClusterFollower>(
      ledger_.get(), cluster_.get(), credentials,
      [data_dir, restart](uint64_t keep, std::string why) {
        const std::string path = (std::filesystem::path(data_dir) / "cluster-cut").string();
        std::ofstream out(path, std::ios::trunc);
        out << keep << "\n" << why << "\n";
        out.close();
        Log("warning", "rejoining: the unreplicated tail will be cut on restart",
            {{"keep", keep}, {"reason", why}});
        if (restart) restart(absl::StrCat("cut the tail from ", keep));
      });
  if (etcd_cluster) {
    ClusterAgentOptions agent_options;
    agent_options.etcd_endpoints = cluster.etcd_endpoints;
    agent_options.key_prefix = absl::StrCat("/booo-ledger/", cluster.cluster_name);
    agent_options.advertise_address = cluster.advertise_address;
    agent_options.cluster_size = cluster.cluster_size;
    agent_options.sync_mirrors = cluster.sync_mirrors;
    agent_options.lease_ttl_seconds = cluster.lease_ttl_seconds;
    agent_ = std::make_unique<ClusterAgent>(
        agent_options, ledger_.get(), cluster_.get(), sync_.get(), follower_.get(),
        [restart](std::string why) {
          if (restart) restart(why);
        });
    agent_raw_.store(agent_.get());
  }
  ClusterServiceDeps deps;
  deps.ledger = ledger_.get();
  deps.gate = gate_.get();
  deps.cluster = cluster_.get();
  deps.sync = sync_.get();
  deps.signer = signer_.get();
  deps.primary_size = [follower = follower_.get()] { return follower->primary_size(); };
  if (agent_) {
    deps.members = [agent = agent_.get()] { return agent->Members(); };
    deps.switchover = [agent = agent_.get()](const std::string& to, absl::Time deadline) {
      return agent->Switchover(to, deadline);
    };
  }
  cluster_service_ = std::make_unique<ClusterService>(std::move(deps));
  return absl::OkStatus();
}

absl::StatusOr<std::string> LedgerServer::PublishedCheckpoint() const {
  // With witnesses: the latest round's checkpoint, with every cosignature collected.
  if (witnesses_ != nullptr) {
    if (std::optional<WitnessedCheckpoint> latest = witnesses_->Latest()) return latest->note;
  }
  ASSIGN_OR_RETURN(booo::v1::Checkpoint signed_head, signer_->Latest());
  return signed_head.note();
}

LedgerServer::~LedgerServer() { Shutdown(absl::Seconds(5)); }

void LedgerServer::Shutdown(absl::Duration deadline) {
  if (stopped_) return;
  stopped_ = true;
  Log("info", "ledgerd shutting down", {{"tree_size", ledger_ ? ledger_->Head().size : 0}});
  SetReady(false);
  {
    absl::MutexLock lock(&projection_mutex_);
    projection_stop_ = true;
  }
  if (service_) service_->BeginDrain();
  // Probes and load balancers see NOT_SERVING for every service while in-flight calls finish.
  if (server_ && server_->GetHealthCheckService() != nullptr) {
    server_->GetHealthCheckService()->Shutdown();
  }
  if (agent_) agent_->Stop();
  if (follower_) follower_->Stop();
  if (sync_) sync_->Close("the server is stopping");
  if (tiles_) tiles_->Shutdown();
  if (witnesses_) witnesses_->Shutdown();
  if (server_) {
    server_->Shutdown(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(deadline));
  }
  // The projection's index as far as it has read, so the next start reads less of the log.
  if (queries_ && ledger_) {
    if (absl::Status kept = PersistProjection(); !kept.ok()) {
      Log("warning", "projection index not kept", {{"reason", kept.ToString()}});
    }
  }
  // In-flight appends have returned; anything still queued is written before the store closes.
  if (ledger_) ledger_->Shutdown();
  // The ledger's shutdown woke the projection loop if it waited for growth.
  if (projection_thread_.joinable()) projection_thread_.join();
  if (health_server_) health_server_->Shutdown(std::chrono::system_clock::now());
  if (metrics_) metrics_->StopServing();
  if (ledger_) {
    Log("info", "ledgerd stopped",
        {{"tree_size", ledger_->Head().size}, {"root", ledger::HashToHex(ledger_->Head().root)}});
  }
}

absl::Status LedgerServer::StartHealthListener(const std::string& address) {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &health_port_);
  // No service: gRPC's own health service alone answers here, so a probe learns nothing else
  // and can do nothing else.
  health_server_ = builder.BuildAndStart();
  if (health_server_ == nullptr || health_port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("health_listen: cannot listen on ", address));
  }
  grpc::HealthCheckServiceInterface* health = health_server_->GetHealthCheckService();
  health->SetServingStatus("booo.liveness", true);
  health->SetServingStatus("booo.readiness", false);
  health->SetServingStatus("", false);
  Log("info", "health listener serving (plaintext, probes only)",
      {{"listen", address}, {"port", health_port_}});
  return absl::OkStatus();
}

void LedgerServer::SetReady(bool ready) {
  if (server_ != nullptr && server_->GetHealthCheckService() != nullptr) {
    server_->GetHealthCheckService()->SetServingStatus("booo.readiness", ready);
  }
  if (health_server_ != nullptr && health_server_->GetHealthCheckService() != nullptr) {
    health_server_->GetHealthCheckService()->SetServingStatus("booo.readiness", ready);
    health_server_->GetHealthCheckService()->SetServingStatus("", ready);
  }
}

absl::Status LedgerServer::RestoreProjection(const ServerOptions& options) {
  const std::string dir = options.projection_dir.empty()
                              ? (std::filesystem::path(options.data_dir) / "projection").string()
                              : options.projection_dir;
  // Derived data never stops the start: what cannot be opened or read is made anew, or, failing
  // that, the server runs without it (every start then reads the whole log).
  auto without = [&](const absl::Status& why) {
    Log("warning", "no kept projection: it cannot be used, and every start reads the whole log",
        {{"projection_dir", dir}, {"reason", why.ToString()}});
    projection_store_.reset();
    return absl::OkStatus();
  };
  absl::StatusOr<std::unique_ptr<replay::ProjectionStore>> opened =
      replay::ProjectionStore::Open(dir);
  if (!opened.ok()) {
    Log("warning", "kept projection cannot be opened, making it anew",
        {{"projection_dir", dir}, {"reason", opened.status().ToString()}});
    if (absl::Status destroyed = replay::ProjectionStore::Destroy(dir); !destroyed.ok()) {
      return without(destroyed);
    }
    opened = replay::ProjectionStore::Open(dir);
    if (!opened.ok()) return without(opened.status());
  }
  projection_store_ = *std::move(opened);
  absl::StatusOr<replay::ProjectionStore::Loaded> read = projection_store_->LoadIndex(*event_log_);
  if (!read.ok()) {
    Log("warning", "kept projection cannot be read, rebuilding it from the log",
        {{"projection_dir", dir}, {"reason", read.status().ToString()}});
    if (absl::Status cleared = projection_store_->Clear(); !cleared.ok()) return without(cleared);
    read = replay::ProjectionStore::Loaded{};
  }
  replay::ProjectionStore::Loaded loaded = *std::move(read);
  if (!loaded.discarded.empty()) {
    Log("warning", "kept projection discarded, rebuilding it from the log",
        {{"projection_dir", dir}, {"reason", loaded.discarded}});
  }
  if (loaded.answers_dropped > 0) {
    Log("info", "kept answers made past the kept index discarded",
        {{"answers", loaded.answers_dropped}});
  }
  if (absl::Status restored = queries_->state.Restore(loaded.index); !restored.ok()) {
    // Checked against the log and still not fitting it: start over from the log alone.
    Log("warning", "kept projection discarded, rebuilding it from the log",
        {{"projection_dir", dir}, {"reason", restored.ToString()}});
    RETURN_IF_ERROR(projection_store_->Clear());
    queries_ = NewQueries();
  }
  queries_->state.SetKeptAnswers(projection_store_.get());
  queries_->grants.SetKeptAnswers(projection_store_.get());
  return absl::OkStatus();
}

std::unique_ptr<wire::Queries> LedgerServer::NewQueries() const {
  replay::ProjectionOptions projection;
  projection.max_parsed_bytes = memory_.parsed_streams;
  wire::GrantsQueryOptions grants;
  grants.max_cached_trace_bytes = memory_.head_traces;
  return std::make_unique<wire::Queries>(event_log_.get(), projection, grants);
}

absl::Status LedgerServer::PersistProjection() {
  if (!projection_store_) return absl::OkStatus();
  absl::MutexLock lock(&persist_mutex_);
  absl::StatusOr<replay::ProjectionIndex> index;
  {
    replay::ProjectionState::Reader reader(queries_->state);
    if (reader.position() == projection_store_->tree_size()) return absl::OkStatus();
    index = reader.ExportIndex(projection_store_->tree_size());
  }
  if (!index.ok()) return index.status();
  return projection_store_->AppendIndex(*index, *event_log_);
}

void LedgerServer::ProjectionLoop() {
  // At most a few catch-ups a second: under a stream of appends each one takes the state's
  // lock briefly, and the queries catch up for themselves anyway.
  constexpr absl::Duration kPace = absl::Milliseconds(250);
  absl::MutexLock lock(&projection_mutex_);
  while (!projection_stop_) {
    projection_mutex_.Unlock();
    const uint64_t position = queries_->state.position();
    ledger_->WaitForGrowth(position, absl::Seconds(1));
    if (ledger_->Head().size > position && !ledger_->shutting_down()) {
      if (absl::Status caught_up = queries_->state.CatchUp(); !caught_up.ok()) {
        Log("error", "projections cannot catch up", {{"reason", caught_up.ToString()}});
      } else if (absl::Status kept = PersistProjection(); !kept.ok()) {
        Log("warning", "projection index not kept", {{"reason", kept.ToString()}});
      }
    } else if (refresh_answers_when_idle_ && !ledger_->shutting_down()) {
      // Quiet for a second: compute what the last appends made stale, one municipality at a
      // time, until the log grows again or the server stops.
      const uint64_t quiet_at = ledger_->Head().size;
      // The index first, if a query's own catch-up read events this loop has not kept.
      if (absl::Status kept = PersistProjection(); !kept.ok()) {
        Log("warning", "projection index not kept", {{"reason", kept.ToString()}});
      }
      absl::StatusOr<wire::GrantsQueries::RefreshReport> refreshed =
          queries_->grants.RefreshHeads([&] {
            absl::MutexLock stop_lock(&projection_mutex_);
            return !projection_stop_ && !ledger_->shutting_down() &&
                   ledger_->Head().size == quiet_at;
          });
      if (!refreshed.ok()) {
        Log("warning", "balance answers not refreshed", {{"reason", refreshed.status().ToString()}});
      } else {
        if (refreshed->computed > 0) {
          Log("info", "balance answers refreshed", {{"computed", refreshed->computed}});
        }
        if (refreshed->failed > 0) {
          // Once per change of the municipality's facts or the rules, not every quiet second.
          Log("warning", "balance answers that cannot be computed",
              {{"municipalities", refreshed->failed},
               {"first", refreshed->first_failure.ToString()}});
        }
      }
    }
    projection_mutex_.Lock();
    projection_mutex_.AwaitWithTimeout(absl::Condition(&projection_stop_), kPace);
  }
}

void LedgerServer::Wait() {
  if (server_) server_->Wait();
}

}  // namespace booo::services
