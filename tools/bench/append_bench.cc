#include "tools/bench/append_bench.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "booo/v1/ledger_service.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "ledger/civil_date.h"
#include "ledger/crypto.h"
#include "ledger/status_macros.h"
#include "services/server.h"
#include "tools/bench/percentile.h"
#include "tools/loadgen/national_history.h"
#include "tools/loadgen/national_ledger.h"

namespace booo::bench {
namespace {

using Clock = std::chrono::steady_clock;

// Place declarations after the set-up day: independent events (none refers to another), so
// any number of clients may append them in any order.
absl::StatusOr<std::vector<booo::v1::SignedEvent>> SignedWorkload(
    const loadgen::HistoryOptions& setup, int events) {
  loadgen::HistoryOptions window = setup;
  window.first_day = ledger::MakeDate(2022, 3, 2);
  window.last_day = ledger::MakeDate(2022, 12, 31);
  window.end_day = window.last_day;
  std::vector<loadgen::PlannedEvent> planned;
  const absl::Status generated = loadgen::GenerateHistory(window, [&](loadgen::PlannedEvent e) {
    if (static_cast<int>(planned.size()) >= events) return absl::CancelledError("enough");
    if (e.body.has_goo_places_declared() && e.body.supersedes_event_id().empty()) {
      planned.push_back(std::move(e));
    }
    return absl::OkStatus();
  });
  if (!generated.ok() && !absl::IsCancelled(generated)) return generated;
  std::vector<ledger::Ed25519PrivateKey> keys;
  for (int i = 0; i < setup.municipalities; ++i) {
    ASSIGN_OR_RETURN(std::string seed,
                     loadgen::PartySeed(setup.seed, loadgen::MunicipalityCode(i)));
    ASSIGN_OR_RETURN(ledger::Ed25519PrivateKey key, ledger::Ed25519PrivateKey::FromSeed(seed));
    keys.push_back(std::move(key));
  }
  std::vector<booo::v1::SignedEvent> out(planned.size());
  std::vector<absl::Status> failures(2);
  std::vector<std::thread> signers;
  for (int t = 0; t < 2; ++t) {
    signers.emplace_back([&, t] {
      for (size_t i = t; i < planned.size(); i += 2) {
        const ledger::Ed25519PrivateKey& key = keys[planned[i].municipality];
        planned[i].body.set_signer_key_id(key.KeyId());
        std::string body = planned[i].body.SerializeAsString();
        absl::StatusOr<std::string> signature = key.Sign(body);
        if (!signature.ok()) {
          failures[t] = signature.status();
          return;
        }
        out[i].set_body(std::move(body));
        out[i].set_signature(*std::move(signature));
      }
    });
  }
  for (auto& s : signers) s.join();
  for (const absl::Status& s : failures) RETURN_IF_ERROR(s);
  return out;
}

}  // namespace

absl::StatusOr<AppendFigures> MeasureGrpcAppends(const std::string& work_dir,
                                                 const std::string& rulebook_dir, int clients,
                                                 int events) {
  std::filesystem::remove_all(work_dir);
  loadgen::HistoryOptions setup;
  setup.first_day = ledger::MakeDate(2022, 3, 1);
  setup.last_day = ledger::MakeDate(2022, 3, 1);
  setup.end_day = setup.last_day;
  loadgen::LedgerWriteOptions write;
  write.data_dir = work_dir;
  write.rulebook_dir = rulebook_dir;
  ledger::SystemClock clock;
  RETURN_IF_ERROR(loadgen::WriteNationalLedger(setup, write, &clock).status());
  // The first half goes over gRPC; the second straight into the server's ledger from as many
  // threads, which shows what the transport costs.
  ASSIGN_OR_RETURN(std::vector<booo::v1::SignedEvent> all, SignedWorkload(setup, 2 * events));
  const size_t half = all.size() / 2;
  std::vector<booo::v1::SignedEvent> workload(all.begin(), all.begin() + half);
  std::vector<booo::v1::SignedEvent> direct(all.begin() + half, all.end());

  services::ServerOptions options;
  options.data_dir = work_dir;
  options.listen_address = "127.0.0.1:0";
  options.ledger.sync_writes = true;
  ASSIGN_OR_RETURN(std::unique_ptr<services::LedgerServer> server,
                   services::LedgerServer::Start(options, &clock));
  const std::string target = absl::StrCat("127.0.0.1:", server->port());

  // Each client is a municipal system on its own channel (a channel argument that differs per
  // client keeps gRPC from sharing one connection) with one append in flight at a time; the
  // next goes out from the previous one's completion, on gRPC's callback threads, so the
  // clients do not need a thread each on the same two cores as the server.
  struct Client {
    std::unique_ptr<booo::v1::Ledger::Stub> stub;
    std::unique_ptr<grpc::ClientContext> context;
    booo::v1::AppendRequest request;
    booo::v1::AppendResponse response;
    Clock::time_point sent;
    std::vector<double> latencies_ms;
    absl::Status failure;
  };
  std::vector<Client> all_clients(clients);
  std::atomic<size_t> next{0};
  std::mutex finished_mutex;
  std::condition_variable finished_changed;
  int finished = 0;
  std::function<void(Client&)> send = [&](Client& client) {
    const size_t i = next++;
    if (i >= workload.size()) {
      std::lock_guard lock(finished_mutex);
      ++finished;
      finished_changed.notify_all();
      return;
    }
    *client.request.mutable_event() = workload[i];
    client.context = std::make_unique<grpc::ClientContext>();
    // Sixty-odd channels connecting at once on loopback sometimes see a transient connect
    // failure; a municipal system would wait for the channel, so the benchmark does too.
    client.context->set_wait_for_ready(true);
    client.context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    client.sent = Clock::now();
    client.stub->async()->Append(
        client.context.get(), &client.request, &client.response, [&, i](grpc::Status status) {
          client.latencies_ms.push_back(
              std::chrono::duration<double, std::milli>(Clock::now() - client.sent).count());
          if (!status.ok()) {
            client.failure =
                absl::InternalError(absl::StrCat("append ", i, ": ", status.error_message()));
            next = workload.size();  // stop everyone
          }
          send(client);
        });
  };
  for (int c = 0; c < clients; ++c) {
    grpc::ChannelArguments args;
    args.SetInt("booo.bench.client", c);
    all_clients[c].stub = booo::v1::Ledger::NewStub(
        grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args));
  }
  const auto start = Clock::now();
  for (Client& client : all_clients) send(client);
  {
    std::unique_lock lock(finished_mutex);
    finished_changed.wait(lock, [&] { return finished == clients; });
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<std::vector<double>> latencies;
  std::vector<absl::Status> failures(clients);
  for (Client& client : all_clients) {
    RETURN_IF_ERROR(client.failure);
    latencies.push_back(std::move(client.latencies_ms));
  }

  next = 0;
  const auto direct_start = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      for (size_t i = next++; i < direct.size(); i = next++) {
        absl::StatusOr<ledger::AppendResult> result =
            server->ledger().Append(direct[i].body(), direct[i].signature());
        if (!result.ok()) {
          failures[c] = result.status();
          return;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  const double direct_seconds = std::chrono::duration<double>(Clock::now() - direct_start).count();
  server->Shutdown();
  for (const absl::Status& s : failures) RETURN_IF_ERROR(s);

  AppendFigures figures;
  figures.clients = clients;
  figures.events = workload.size();
  figures.seconds = seconds;
  figures.per_second = workload.size() / seconds;
  figures.in_process_per_second = direct.size() / direct_seconds;
  std::vector<double> all_ms;
  for (auto& l : latencies) all_ms.insert(all_ms.end(), l.begin(), l.end());
  figures.p50_ms = Percentile(all_ms, 0.5);
  figures.p99_ms = Percentile(all_ms, 0.99);
  std::filesystem::remove_all(work_dir);
  return figures;
}

}  // namespace booo::bench
