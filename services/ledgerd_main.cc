// ledgerd: the booo-ledger server. Flags: --data-dir, --listen, --checkpoint-key, --tiles-listen;
// mutual TLS with --tls-cert, --tls-key and --tls-client-ca (or --plaintext-for-development);
// limits; the cluster; operations (--metrics-listen, --health-listen, the access log). README
// "Operating ledgerd" explains each.
// SIGTERM or SIGINT shut it down gracefully: in-flight appends finish, nothing is half-written.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/log.h"
#include "services/server.h"

int main(int argc, char** argv) {
  // Debian's abseil checks every Mutex acquisition for lock-order cycles (its deadlock
  // detection, on in builds without NDEBUG): 2% of the CPU of one-event appends in the profile,
  // a graph lookup per lock. The unit and integration tests, which run the server in their own
  // process, keep it on; ledgerd itself (in the end-to-end tests too) runs without it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  CLI::App app{"ledgerd: the booo-ledger gRPC server"};
  booo::services::ServerOptions options;
  options.data_dir = "ledger-data";
  app.add_option("--data-dir", options.data_dir, "RocksDB data directory (made by ledgerctl init)")
      ->capture_default_str();
  app.add_option("--listen", options.listen_address, "host:port to listen on (port 0: any)")
      ->capture_default_str();
  app.add_option("--checkpoint-key", options.checkpoint_key_files,
                 "checkpoint signing key; repeat it around a key rotation (default "
                 "<data-dir>/checkpoint.key)");
  app.add_option("--max-body-bytes", options.ledger.max_body_bytes,
                 "largest event body accepted (at most and by default 65422 bytes: a leaf fits a tile entry bundle)")
      ->capture_default_str();
  app.add_option("--tls-cert", options.tls_certificate_file, "server certificate chain (PEM)");
  app.add_option("--tls-key", options.tls_private_key_file, "server private key (PEM)");
  app.add_option("--tls-client-ca", options.tls_client_ca_file,
                 "CA certificate that issues client certificates (PEM)");
  app.add_flag("--plaintext-for-development", options.plaintext_for_development,
               "serve without TLS; every caller reads everything. Never for real data");
  app.add_option("--max-message-bytes", options.max_receive_message_bytes,
                 "largest request accepted")
      ->capture_default_str();
  app.add_option("--max-batch-events", options.ledger.max_batch_events,
                 "events per AppendBatch")
      ->capture_default_str();
  int64_t group_commit_delay_us = absl::ToInt64Microseconds(options.ledger.group_commit_delay);
  app.add_option("--group-commit-delay-us", group_commit_delay_us,
                 "how long a group commit waits for appends still being admitted, so that "
                 "one fsync answers them too; only while another append is being admitted "
                 "(0: never wait)")
      ->check(CLI::Range(int64_t{0}, int64_t{100'000}))
      ->capture_default_str();
  app.add_option("--max-requests-per-second", options.limits.requests_per_second,
                 "sustained requests per second per identity (0: no limit)")
      ->capture_default_str();
  app.add_option("--request-burst", options.limits.request_burst,
                 "requests one identity may make at once")
      ->capture_default_str();
  app.add_option("--max-subscriptions", options.limits.max_subscriptions,
                 "concurrent Subscribe streams per identity")
      ->capture_default_str();
  app.add_option("--tiles-listen", options.tiles.listen_address,
                 "host:port of the anonymous, read-only HTTP listener serving the log as C2SP "
                 "tlog-tiles (HTTPS with the TLS files above); off when not given");
  app.add_flag("--public-entries", options.tiles.public_entries,
               "serve entry bundles (the events themselves) to anyone; without it only to a "
               "client certificate that may read the whole log");
  app.add_option("--witness-policy", options.witness_policy_file,
                 "a C2SP tlog-policy file: the witnesses to ask for cosignatures (with URLs) and "
                 "the quorum; appends never wait for them");
  app.add_option("--tiles-requests-per-second", options.tiles.requests_per_second_per_client,
                 "tiles: sustained requests per second per client address; beyond, 429 with "
                 "Retry-After (0: no limit; raise it for a CDN in front)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--tiles-request-burst", options.tiles.request_burst_per_client,
                 "tiles: requests one client address may make at once (at least 1)")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 1e9));
  // Operations (README "Operating ledgerd").
  app.add_option("--metrics-listen", options.metrics_listen_address,
                 "host:port of the Prometheus /metrics listener (plain HTTP: expose it to the "
                 "monitoring namespace only); off when not given");
  app.add_option("--health-listen", options.health_listen_address,
                 "host:port of a plaintext listener serving only grpc.health.v1, for the "
                 "kubelet's probes (services booo.liveness, booo.readiness); off when not given");
  app.add_option("--access-log-dir", options.access_log_dir,
                 "where reads are recorded (default <data-dir>/access-log)");
  app.add_option("--memory-budget", options.memory_budget_bytes,
                 "what ledgerd may hold in memory, shared out among its caches (bytes, or with "
                 "a unit: 4GiB, 512MiB); at least 512MiB")
      ->transform(CLI::AsSizeValue(false))
      ->default_str("4GiB");
  app.add_option("--projection-dir", options.projection_dir,
                 "where the projection is kept across restarts (default <data-dir>/projection)");
  bool rebuild_projection_every_start = false;
  app.add_flag("--no-kept-projection", rebuild_projection_every_start,
               "keep no projection across restarts: every start reads the whole log and "
               "computes every answer anew");
  bool no_idle_refresh = false;
  app.add_flag("--no-idle-refresh", no_idle_refresh,
               "do not compute stale balance answers while the log is quiet");
  double access_retention_days = 400;
  app.add_option("--access-log-retention-days", access_retention_days,
                 "how long read records are kept")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  std::string activities_file;
  app.add_option("--processing-activities", activities_file,
                 "a file of \"<service>/<method> <uri>\" lines: each RPC's processing activity "
                 "in the organisation's register (default: urn:booo-ledger:processing-activity:"
                 "<service>/<method>)");
  std::string log_level = "info";
  app.add_option("--log-level", log_level,
                 "the lowest level of the JSON lines on stderr: debug adds a line per appended "
                 "event or batch, which the ledger itself and the metrics already record")
      ->capture_default_str()
      ->check(CLI::IsMember({"debug", "info", "warning", "error"}));
  booo::services::ClusterOptions& cluster = options.cluster;
  std::string etcd_endpoints;
  double sync_timeout_seconds = 10;
  app.add_option("--node-name", cluster.node_name,
                 "this node's name in its cluster (default: the host name)");
  app.add_option("--etcd", etcd_endpoints,
                 "comma-separated host:port of the etcd members that decide who is primary; "
                 "with it, ledgerd runs as a cluster node");
  app.add_option("--cluster-name", cluster.cluster_name, "etcd keys under /booo-ledger/<name>/")
      ->capture_default_str();
  app.add_option("--advertise", cluster.advertise_address,
                 "host:port the other nodes and clients reach this node's gRPC port at "
                 "(default: --listen)");
  app.add_option("--cluster-size", cluster.cluster_size, "ledgerd nodes in the cluster")
      ->capture_default_str();
  app.add_option("--sync-mirrors", cluster.sync_mirrors,
                 "an append is answered once durable on the primary and this many mirrors")
      ->capture_default_str();
  app.add_option("--sync-timeout", sync_timeout_seconds,
                 "seconds an append waits for its sync mirrors before UNAVAILABLE")
      ->capture_default_str();
  app.add_option("--lease-ttl", cluster.lease_ttl_seconds,
                 "seconds of the etcd lease: a primary not heard from for this long is replaced")
      ->capture_default_str();
  app.add_option("--follow", cluster.follow_address,
                 "without etcd: run as a mirror of the primary at host:port");
  app.add_flag("--static-primary", cluster.static_primary,
               "without etcd: run as the primary, answering appends once durable on "
               "--sync-mirrors mirrors that --follow it");
  app.add_option("--follow-cert", cluster.follow_certificate_file,
                 "the mirror's client certificate towards the primary (its ROLE_MIRROR key)");
  app.add_option("--follow-key", cluster.follow_key_file, "its private key");
  app.add_option("--follow-ca", cluster.follow_ca_file,
                 "the CA of the primary's server certificate (default --tls-client-ca)");
  CLI11_PARSE(app, argc, argv);
  if (absl::Status level = booo::services::SetLogThreshold(log_level); !level.ok()) {
    booo::services::Log("error", "ledgerd cannot start", {{"reason", std::string(level.message())}});
    return 2;
  }
  cluster.sync_timeout = absl::Seconds(sync_timeout_seconds);
  options.ledger.group_commit_delay = absl::Microseconds(group_commit_delay_us);
  options.access_log.retention = absl::Hours(24) * access_retention_days;
  options.persist_projection = !rebuild_projection_every_start;
  options.refresh_answers_when_idle = !no_idle_refresh;
  if (!activities_file.empty()) {
    std::ifstream in(activities_file);
    std::stringstream text;
    text << in.rdbuf();
    absl::Status parsed = in ? booo::services::ParseProcessingActivities(
                                   text.str(), options.access_log.activities)
                             : absl::InvalidArgumentError(absl::StrCat(
                                   "processing-activities: cannot read ", activities_file));
    if (!parsed.ok()) {
      booo::services::Log("error", "ledgerd cannot start",
                          {{"reason", std::string(parsed.message())}});
      return 1;
    }
  }
  for (absl::string_view endpoint : absl::StrSplit(etcd_endpoints, ',', absl::SkipEmpty())) {
    cluster.etcd_endpoints.emplace_back(endpoint);
  }
  if (cluster.advertise_address.empty()) cluster.advertise_address = options.listen_address;
  // A new role (a primary that lost the leadership, a tail to cut) is taken by a fresh start:
  // ledgerd shuts down gracefully and executes itself again with the same arguments.
  static std::atomic<bool> restart{false};
  options.request_restart = [](std::string why) {
    if (restart.exchange(true)) return;
    booo::services::Log("warning", "ledgerd restarting", {{"reason", why}});
    ::kill(::getpid(), SIGTERM);
  };

  // Block the stop signals in every thread; one thread waits for them synchronously, so the
  // shutdown runs as ordinary code rather than inside a signal handler.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  booo::ledger::SystemClock clock;
  auto server = booo::services::LedgerServer::Start(options, &clock);
  if (!server.ok()) {
    booo::services::Log("error", "ledgerd cannot start",
                        {{"reason", std::string(server.status().message())}});
    return 1;
  }
  std::thread stopper([&] {
    int signal = 0;
    sigwait(&stop_signals, &signal);
    booo::services::Log("info", "stop signal",
                        {{"signal", signal == SIGTERM ? "SIGTERM" : "SIGINT"}});
    (*server)->Shutdown();
  });
  (*server)->Wait();
  stopper.join();
  if (restart.load()) {
    server->reset();  // closes the store before the new process opens it
    ::execv("/proc/self/exe", argv);
    booo::services::Log("error", "ledgerd cannot restart itself", {{"errno", errno}});
    return 1;
  }
  return 0;
}
