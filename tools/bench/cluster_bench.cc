// The cluster's figures, each measured side by side in one run (tools/bench/cluster.sh):
//
//   appends      appends/s and p99 by concurrent clients, single Appends, fsync'd: a
//                standalone ledgerd, then a primary with two mirrors answering once 0, 1 or 2
//                of them hold each event;
//   catch-up     a new mirror copying a real ledger from empty, in verified events per second,
//                against the rate at which this machine verifies Ed25519 signatures (the
//                ceiling: every event's signature is checked);
//   reads        GetGrant and ListBalances calls per second by concurrent clients, all on one
//                node, then spread over the primary and two mirrors.
//
// Every node is a real LedgerServer on loopback in this process (the mirrors follow over
// gRPC): on one machine the nodes share its cores, which the figures then show.
#include <algorithm>
#include <atomic>
#include <filesystem>
#include <iostream>
#include <random>
#include <thread>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "booo/v1/grants_service.grpc.pb.h"
#include "booo/v1/ledger_service.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "ledger/core/crypto.h"
#include "services/server.h"
#include "tests/support/event_factory.h"
#include "tools/bench/percentile.h"

namespace booo::bench {
namespace {

namespace fs = std::filesystem;
using testing::SignedBytes;

struct Node {
  std::unique_ptr<services::LedgerServer> server;
  std::string address;
};

absl::StatusOr<Node> StartNode(const std::string& dir, services::ClusterOptions cluster,
                               ledger::Clock* clock) {
  services::ServerOptions options;
  options.data_dir = dir;
  options.listen_address = "127.0.0.1:0";
  options.plaintext_for_development = true;
  options.limits.requests_per_second = 0;  // the benchmark's clients are one identity
  options.cluster = std::move(cluster);
  ASSIGN_OR_RETURN(std::unique_ptr<services::LedgerServer> server,
                   services::LedgerServer::Start(options, clock));
  Node node;
  node.address = absl::StrCat("127.0.0.1:", server->port());
  node.server = std::move(server);
  return node;
}

bool WaitForSize(const Node& node, uint64_t size, absl::Duration timeout) {
  const absl::Time until = absl::Now() + timeout;
  while (node.server->ledger().Head().size < size) {
    if (absl::Now() > until) return false;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return true;
}

// A fresh ledger: genesis, a ministry-registered municipality key; its checkpoint key file.
absl::Status NewLedger(const std::string& dir, ledger::Clock* clock) {
  ASSIGN_OR_RETURN(std::unique_ptr<ledger::Ledger> ledger,
                   ledger::Ledger::Open(dir, clock, testing::WithGrantRules()));
  const SignedBytes genesis = testing::Sign(testing::GenesisBody(testing::TestKey(1), testing::TestKey(2)),
                                            testing::TestKey(1));
  RETURN_IF_ERROR(ledger->Append(genesis.body, genesis.signature).status());
  const SignedBytes key = testing::Sign(
      testing::KeyRegisteredBody("k-ams", testing::TestKey(1), testing::TestKey(3),
                                 booo::v1::ROLE_MUNICIPALITY, "GM0363"),
      testing::TestKey(1));
  RETURN_IF_ERROR(ledger->Append(key.body, key.signature).status());
  return ledger::WritePrivateKeyFile((fs::path(dir) / "checkpoint.key").string(), testing::TestKey(2));
}

struct Rate {
  double per_second = 0, p50_ms = 0, p99_ms = 0;
  uint64_t failed = 0;
};

// `events` signed beforehand, appended by `clients` threads, each on its own channel.
Rate RunAppends(const std::string& address, const std::vector<SignedBytes>& events, int clients) {
  std::atomic<size_t> next{0};
  std::atomic<uint64_t> failed{0};
  std::vector<std::vector<double>> latencies(clients);
  const absl::Time start = absl::Now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      grpc::ChannelArguments args;
      args.SetInt("booo.client", c);  // a channel of its own
      auto stub = booo::v1::Ledger::NewStub(
          grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args));
      for (size_t i; (i = next.fetch_add(1)) < events.size();) {
        booo::v1::AppendRequest request;
        request.mutable_event()->set_body(events[i].body);
        request.mutable_event()->set_signature(events[i].signature);
        booo::v1::AppendResponse response;
        grpc::ClientContext context;
        const absl::Time t0 = absl::Now();
        if (!stub->Append(&context, request, &response).ok()) ++failed;
        latencies[c].push_back(absl::ToDoubleMilliseconds(absl::Now() - t0));
      }
    });
  }
  for (std::thread& t : threads) t.join();
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  return Rate{static_cast<double>(events.size()) / seconds, Percentile(all, 0.50),
              Percentile(all, 0.99), failed.load()};
}

std::vector<SignedBytes> PlacesEvents(const std::string& prefix, int count) {
  std::vector<SignedBytes> events;
  for (int i = 0; i < count; ++i) {
    events.push_back(testing::Sign(
        testing::PlacesBody(absl::StrCat(prefix, "-", i), testing::TestKey(3), "GM0363", 10 + i % 50),
        testing::TestKey(3)));
  }
  return events;
}

// Standalone, then a primary with two mirrors and sync_mirrors 0, 1, 2.
absl::Status MeasureAppends(const std::string& work, int clients, int events, ledger::Clock* clock) {
  std::cout << "| appends (" << clients << " clients, " << events
            << " single Appends each, fsync'd) | appends/s | p50 ms | p99 ms | vs standalone |\n"
            << "|---|---|---|---|---|\n";
  double standalone = 0;
  for (int sync : {-1, 0, 1, 2}) {
    const std::string dir = absl::StrCat(work, "/appends-", sync + 1);
    fs::remove_all(dir);
    fs::create_directories(dir);
    RETURN_IF_ERROR(NewLedger(dir + "/primary", clock));
    services::ClusterOptions primary_cluster;
    if (sync >= 0) {
      primary_cluster.node_name = "primary";
      primary_cluster.static_primary = true;
      primary_cluster.sync_mirrors = static_cast<uint32_t>(sync);
    }
    ASSIGN_OR_RETURN(Node primary, StartNode(dir + "/primary", primary_cluster, clock));
    std::vector<Node> mirrors;
    for (int m = 0; sync >= 0 && m < 2; ++m) {
      const std::string mdir = absl::StrCat(dir, "/mirror", m);
      fs::create_directories(mdir);
      fs::copy_file(dir + "/primary/checkpoint.key", mdir + "/checkpoint.key");
      services::ClusterOptions cluster;
      cluster.node_name = absl::StrCat("mirror", m);
      cluster.follow_address = primary.address;
      ASSIGN_OR_RETURN(Node mirror, StartNode(mdir, cluster, clock));
      if (!WaitForSize(mirror, 2, absl::Seconds(10))) return absl::DeadlineExceededError("mirror");
      mirrors.push_back(std::move(mirror));
    }
    RunAppends(primary.address, PlacesEvents(absl::StrCat("warm", sync), 200), clients);
    const Rate rate = RunAppends(primary.address, PlacesEvents(absl::StrCat("run", sync), events), clients);
    if (sync < 0) standalone = rate.per_second;
    const std::string name = sync < 0 ? "standalone (no cluster)"
                                      : absl::StrCat("primary + 2 mirrors, sync_mirrors ", sync);
    std::printf("| %s | %.0f | %.2f | %.2f | %.2f |\n", name.c_str(), rate.per_second, rate.p50_ms,
                rate.p99_ms, standalone > 0 ? rate.per_second / standalone : 1.0);
    if (rate.failed > 0) std::printf("|   (%llu appends failed) | | | | |\n", static_cast<unsigned long long>(rate.failed));
    for (Node& m : mirrors) m.server->Shutdown();
    primary.server->Shutdown();
    fs::remove_all(dir);
  }
  return absl::OkStatus();
}

// Signatures verified per second on all cores: the ceiling of a mirror's catch-up.
double Ed25519VerifyCeiling() {
  const ledger::Ed25519PrivateKey key = testing::TestKey(7);
  const std::string message(600, 'x');
  const std::string signature = *key.Sign(message);
  const int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::atomic<uint64_t> done{0};
  const absl::Time until = absl::Now() + absl::Seconds(2);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      uint64_t n = 0;
      while (absl::Now() < until) {
        if (ledger::VerifyEd25519(key.PublicKey(), message, signature).ok()) ++n;
      }
      done += n;
    });
  }
  for (std::thread& w : workers) w.join();
  return static_cast<double>(done.load()) / 2.0;
}

absl::Status MeasureCatchUp(const std::string& work, const std::string& data_dir, uint64_t limit,
                            ledger::Clock* clock) {
  const std::string primary_dir = work + "/catchup-primary", mirror_dir = work + "/catchup-mirror";
  fs::remove_all(primary_dir);
  fs::remove_all(mirror_dir);
  {
    ASSIGN_OR_RETURN(std::unique_ptr<ledger::Ledger> source,
                     ledger::Ledger::Open(data_dir, clock, testing::WithGrantRules()));
    RETURN_IF_ERROR(source->CopyStoreTo(primary_dir).status());
  }
  fs::copy_file(fs::path(data_dir) / "checkpoint.key", fs::path(primary_dir) / "checkpoint.key");
  services::ClusterOptions primary_cluster;
  primary_cluster.node_name = "primary";
  primary_cluster.static_primary = true;
  primary_cluster.sync_mirrors = 0;
  ASSIGN_OR_RETURN(Node primary, StartNode(primary_dir, primary_cluster, clock));
  const uint64_t size = std::min(limit, primary.server->ledger().Head().size);
  fs::create_directories(mirror_dir);
  fs::copy_file(fs::path(data_dir) / "checkpoint.key", fs::path(mirror_dir) / "checkpoint.key");
  services::ClusterOptions cluster;
  cluster.node_name = "mirror";
  cluster.follow_address = primary.address;
  const absl::Time start = absl::Now();
  ASSIGN_OR_RETURN(Node mirror, StartNode(mirror_dir, cluster, clock));
  if (!WaitForSize(mirror, size, absl::Minutes(30))) return absl::DeadlineExceededError("catch-up");
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  const double ceiling = Ed25519VerifyCeiling();
  std::printf("\n| mirror catch-up from empty | events | seconds | verified events/s | Ed25519 verifications/s (all cores) | ratio |\n"
              "|---|---|---|---|---|---|\n| a real ledger | %llu | %.1f | %.0f | %.0f | %.2f |\n",
              static_cast<unsigned long long>(size), seconds, size / seconds, ceiling,
              size / seconds / ceiling);
  mirror.server->Shutdown();
  primary.server->Shutdown();
  fs::remove_all(primary_dir);
  fs::remove_all(mirror_dir);
  return absl::OkStatus();
}

struct ReadRate {
  double grants_per_second = 0, balances_per_second = 0;
};

// `clients` threads for `seconds`: GetGrant of a random municipality (trace depth 2) and, one
// call in ten, ListBalances of a year; thread c asks node c % addresses.size().
ReadRate RunReads(const std::vector<std::string>& addresses, const std::vector<std::string>& codes,
                  int clients, double seconds) {
  std::atomic<uint64_t> grants{0}, balances{0};
  const absl::Time until = absl::Now() + absl::Seconds(seconds);
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      grpc::ChannelArguments args;
      args.SetInt("booo.client", c);
      auto stub = booo::v1::Grants::NewStub(grpc::CreateCustomChannel(
          addresses[c % addresses.size()], grpc::InsecureChannelCredentials(), args));
      std::mt19937 random(static_cast<uint32_t>(c));
      for (uint64_t n = 0; absl::Now() < until; ++n) {
        grpc::ClientContext context;
        if (n % 10 == 9) {
          booo::v1::ListBalancesRequest request;
          request.set_spending_year(2023);
          booo::v1::ListBalancesResponse response;
          if (stub->ListBalances(&context, request, &response).ok()) ++balances;
        } else {
          booo::v1::GetGrantRequest request;
          request.set_municipality_code(codes[random() % codes.size()]);
          request.set_spending_year(2023);
          request.set_trace_depth(2);
          booo::v1::GetGrantResponse response;
          if (stub->GetGrant(&context, request, &response).ok()) ++grants;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  return ReadRate{grants.load() / seconds, balances.load() / seconds};
}

absl::Status MeasureReads(const std::string& work, const std::string& data_dir, int clients,
                          double seconds, ledger::Clock* clock) {
  std::vector<std::string> dirs;
  {
    ASSIGN_OR_RETURN(std::unique_ptr<ledger::Ledger> source,
                     ledger::Ledger::Open(data_dir, clock, testing::WithGrantRules()));
    for (int i = 0; i < 3; ++i) {
      dirs.push_back(absl::StrCat(work, "/reads-", i));
      fs::remove_all(dirs.back());
      RETURN_IF_ERROR(source->CopyStoreTo(dirs.back()).status());  // a backup per node
      fs::copy_file(fs::path(data_dir) / "checkpoint.key", fs::path(dirs.back()) / "checkpoint.key");
    }
  }
  std::vector<Node> nodes;
  services::ClusterOptions primary_cluster;
  primary_cluster.node_name = "primary";
  primary_cluster.static_primary = true;
  primary_cluster.sync_mirrors = 1;
  ASSIGN_OR_RETURN(Node primary, StartNode(dirs[0], primary_cluster, clock));
  nodes.push_back(std::move(primary));
  for (int i = 1; i < 3; ++i) {
    services::ClusterOptions cluster;
    cluster.node_name = absl::StrCat("mirror", i);
    cluster.follow_address = nodes[0].address;
    ASSIGN_OR_RETURN(Node mirror, StartNode(dirs[i], cluster, clock));
    nodes.push_back(std::move(mirror));
  }
  // The municipalities the ledger holds.
  std::vector<std::string> codes;
  {
    auto stub = booo::v1::Grants::NewStub(
        grpc::CreateChannel(nodes[0].address, grpc::InsecureChannelCredentials()));
    grpc::ClientContext context;
    booo::v1::ListBalancesRequest request;
    request.set_spending_year(2023);
    booo::v1::ListBalancesResponse response;
    RETURN_IF_ERROR(absl::Status(static_cast<absl::StatusCode>(
                                     stub->ListBalances(&context, request, &response).error_code()),
                                 "ListBalances"));
    for (const auto& row : response.rows()) codes.push_back(row.municipality_code());
  }
  if (codes.empty()) return absl::FailedPreconditionError("the ledger holds no 2023 grants");
  std::vector<std::string> all;
  for (const Node& n : nodes) all.push_back(n.address);
  RunReads({nodes[0].address}, codes, clients, 1.0);  // warm the projections' caches
  RunReads(all, codes, clients, 1.0);
  const ReadRate one = RunReads({nodes[0].address}, codes, clients, seconds);
  const ReadRate three = RunReads(all, codes, clients, seconds);
  std::printf("\n| reads (%d clients, %zu municipalities, 2023) | GetGrant/s | ListBalances/s |\n"
              "|---|---|---|\n| one node (the primary) | %.0f | %.1f |\n"
              "| spread over primary + 2 mirrors | %.0f | %.1f |\n| ratio | %.2f | %.2f |\n",
              clients, codes.size(), one.grants_per_second, one.balances_per_second,
              three.grants_per_second, three.balances_per_second,
              three.grants_per_second / std::max(1.0, one.grants_per_second),
              three.balances_per_second / std::max(0.1, one.balances_per_second));
  for (auto it = nodes.rbegin(); it != nodes.rend(); ++it) it->server->Shutdown();
  for (const std::string& dir : dirs) fs::remove_all(dir);
  return absl::OkStatus();
}

}  // namespace
}  // namespace booo::bench

int main(int argc, char** argv) {
  CLI::App app{"booo_cluster_bench: the cluster's appends, catch-up and reads"};
  std::string data_dir, work = "/tmp/booo-cluster-bench";
  int clients = 16, events = 4000, read_clients = 8;
  double read_seconds = 10;
  uint64_t catch_up_events = 300000;
  bool smoke = false;
  app.add_option("--data-dir", data_dir, "a generated national ledger (ledger_loadgen)");
  app.add_option("--work-dir", work)->capture_default_str();
  app.add_option("--clients", clients)->capture_default_str();
  app.add_option("--events", events)->capture_default_str();
  app.add_option("--read-clients", read_clients)->capture_default_str();
  app.add_option("--read-seconds", read_seconds)->capture_default_str();
  app.add_option("--catch-up-events", catch_up_events, "at most this many events copied")
      ->capture_default_str();
  app.add_flag("--smoke", smoke, "appends only, tiny: for the test suite");
  CLI11_PARSE(app, argc, argv);
  booo::ledger::SystemClock clock;
  std::filesystem::create_directories(work);
  if (smoke) {
    clients = 2;
    events = 40;
  }
  absl::Status status = booo::bench::MeasureAppends(work, clients, events, &clock);
  if (status.ok() && !smoke && !data_dir.empty()) {
    status = booo::bench::MeasureCatchUp(work, data_dir, catch_up_events, &clock);
    if (status.ok()) status = booo::bench::MeasureReads(work, data_dir, read_clients, read_seconds, &clock);
  }
  if (!status.ok()) {
    std::cerr << "booo_cluster_bench: " << status << "\n";
    return 1;
  }
  return 0;
}
