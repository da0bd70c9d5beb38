#include "tools/bench/append_bench.h"

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "booo/v1/ledger_service.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/security/credentials.h"
#include "httplib.h"
#include "ledger/core/civil_date.h"
#include "ledger/core/crypto.h"
#include "ledger/storage/ledger.h"
#include "ledger/core/status_macros.h"
#include "services/server.h"
#include "tools/bench/ledgerd_process.h"
#include "tools/bench/percentile.h"
#include "tools/loadgen/national_history.h"
#include "tools/loadgen/national_ledger.h"

namespace booo::bench {
namespace {

using Clock = std::chrono::steady_clock;

// User and system CPU time of every thread of this process so far.
double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// Place declarations after the set-up day: independent events (none refers to another), so
// any number of clients may append them in any order.
absl::StatusOr<std::vector<booo::v1::SignedEvent>> SignedWorkload(
    const loadgen::HistoryOptions& setup, int events, std::vector<loadgen::PlannedEvent>& planned) {
  loadgen::HistoryOptions window = setup;
  window.first_day = ledger::MakeDate(2022, 3, 2);
  window.last_day = ledger::MakeDate(2022, 12, 31);
  window.end_day = window.last_day;
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

namespace {

// One client's request: the workload's events [first, first + count), sent as one Append when
// count is 1 and as one AppendBatch otherwise.
struct Request {
  size_t first = 0;
  size_t count = 0;
};

// ledgerd's group commits so far, from its Prometheus metrics: the events written and the
// groups (each one fsync). Zeros when they cannot be read.
struct GroupCommits {
  double events = 0;
  double groups = 0;
};
GroupCommits ReadGroupCommits(const std::string& metrics_address) {
  GroupCommits totals;
  httplib::Client client("http://" + metrics_address);
  httplib::Result got = client.Get("/metrics");
  if (!got || got->status != 200) return totals;
  for (absl::string_view line : absl::StrSplit(got->body, '\n')) {
    const std::vector<absl::string_view> fields = absl::StrSplit(line, ' ');
    if (fields.size() != 2) continue;
    if (fields[0] == "booo_append_group_events_sum") (void)absl::SimpleAtod(fields[1], &totals.events);
    if (fields[0] == "booo_append_group_events_count") (void)absl::SimpleAtod(fields[1], &totals.groups);
  }
  return totals;
}

struct ClientRun {
  double seconds = 0;
  double cores_busy = 0;         // the clients' process: CPU time over `seconds`
  double server_cores_busy = 0;  // ledgerd's
  std::vector<double> latencies_ms;  // per request
  double ceiling_per_second = 0;     // VerifyCeiling around the run
  double events_per_group = 0;       // ledgerd's group commits over the run
};

// The requests as the bytes a client sends: built and serialized before the clock starts, so
// the load generator, which shares the machine's two cores with the server it loads, spends
// them on the transport alone and not on composing requests (a municipal system does that on
// its own machine). One AppendRequest when a request holds one event, else an
// AppendBatchRequest.
std::vector<grpc::ByteBuffer> SerializedRequests(
    const std::vector<booo::v1::SignedEvent>& workload, const std::vector<Request>& requests) {
  std::vector<grpc::ByteBuffer> out;
  out.reserve(requests.size());
  for (const Request& r : requests) {
    std::string bytes;
    if (r.count == 1) {
      booo::v1::AppendRequest single;
      *single.mutable_event() = workload[r.first];
      bytes = single.SerializeAsString();
    } else {
      booo::v1::AppendBatchRequest batch;
      for (size_t e = r.first; e < r.first + r.count; ++e) *batch.add_events() = workload[e];
      bytes = batch.SerializeAsString();
    }
    grpc::Slice slice(bytes);
    out.emplace_back(&slice, 1);
  }
  return out;
}

// `clients` municipal systems, each on its own channel (a channel argument that differs per
// client keeps gRPC from sharing one connection) with one request in flight at a time; the next
// goes out from the previous one's completion, on gRPC's callback threads, so the clients do not
// need a thread each on the same two cores as the server. An answer counts when its status is
// OK (all of a batch admitted); the caller checks the ledger grew by every event sent.
// `server_cpu` reads the server's CPU seconds so far: read when the first call goes out and
// when the last answer is in, over the same window as the clients' own.
absl::StatusOr<ClientRun> RunClients(const std::string& target, int clients,
                                     const std::vector<booo::v1::SignedEvent>& workload,
                                     const std::vector<Request>& requests,
                                     const std::function<double()>& server_cpu) {
  const std::vector<grpc::ByteBuffer> serialized = SerializedRequests(workload, requests);
  struct Client {
    std::unique_ptr<grpc::GenericStub> stub;
    std::unique_ptr<grpc::ClientContext> context;
    grpc::ByteBuffer response;
    Clock::time_point sent;
    std::vector<double> latencies_ms;
    absl::Status failure;
  };
  std::vector<Client> all_clients(clients);
  std::atomic<size_t> next{0};
  std::mutex finished_mutex;
  std::condition_variable finished_changed;
  int finished = 0;
  const std::string append = "/booo.v1.Ledger/Append";
  const std::string append_batch = "/booo.v1.Ledger/AppendBatch";
  std::function<void(Client&)> send = [&](Client& client) {
    const size_t i = next++;
    if (i >= requests.size()) {
      std::lock_guard lock(finished_mutex);
      ++finished;
      finished_changed.notify_all();
      return;
    }
    client.context = std::make_unique<grpc::ClientContext>();
    // Sixty-odd channels connecting at once on loopback sometimes see a transient connect
    // failure; a municipal system would wait for the channel, so the benchmark does too.
    client.context->set_wait_for_ready(true);
    client.context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    auto done = [&, i](grpc::Status status) {
      client.latencies_ms.push_back(
          std::chrono::duration<double, std::milli>(Clock::now() - client.sent).count());
      if (!status.ok()) {
        client.failure =
            absl::InternalError(absl::StrCat("request ", i, ": ", status.error_message()));
        next = requests.size();  // stop everyone
      }
      send(client);
    };
    client.sent = Clock::now();
    client.response.Clear();
    client.stub->UnaryCall(client.context.get(), requests[i].count == 1 ? append : append_batch,
                           grpc::StubOptions(), &serialized[i], &client.response, done);
  };
  for (int c = 0; c < clients; ++c) {
    grpc::ChannelArguments args;
    args.SetInt("booo.bench.client", c);
    all_clients[c].stub = std::make_unique<grpc::GenericStub>(
        grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args));
  }
  const double cpu_start = ProcessCpuSeconds();
  const double server_cpu_start = server_cpu();
  const auto start = Clock::now();
  for (Client& client : all_clients) send(client);
  {
    std::unique_lock lock(finished_mutex);
    finished_changed.wait(lock, [&] { return finished == clients; });
  }
  ClientRun run;
  run.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  run.cores_busy = (ProcessCpuSeconds() - cpu_start) / run.seconds;
  run.server_cores_busy = (server_cpu() - server_cpu_start) / run.seconds;
  for (Client& client : all_clients) {
    RETURN_IF_ERROR(client.failure);
    run.latencies_ms.insert(run.latencies_ms.end(), client.latencies_ms.begin(),
                            client.latencies_ms.end());
  }
  return run;
}

// `events` (planned as `planned`, index for index) regrouped so that each municipality's
// declarations of one period lie together, in the order the periods and municipalities first
// appear; `requests` gets one request per such group, split into calls of at most
// `max_events_per_call`. A period is `period_days` days long, counted from a Monday (day 0,
// 1970-01-01, was a Thursday), so 7 gives calendar weeks.
void GroupByMunicipalityPeriod(const std::vector<loadgen::PlannedEvent>& planned,
                               int64_t period_days, size_t max_events_per_call,
                               std::vector<booo::v1::SignedEvent>& events,
                               std::vector<Request>& requests) {
  std::vector<std::pair<std::pair<int64_t, int>, size_t>> order;  // ((period, municipality), i)
  for (size_t i = 0; i < events.size(); ++i) {
    order.push_back({{(planned[i].day + 3) / period_days, planned[i].municipality}, i});
  }
  std::stable_sort(order.begin(), order.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<booo::v1::SignedEvent> grouped;
  grouped.reserve(events.size());
  for (size_t k = 0; k < order.size(); ++k) {
    if (k == 0 || order[k].first != order[k - 1].first ||
        requests.back().count == max_events_per_call) {
      requests.push_back({grouped.size(), 0});
    }
    grouped.push_back(std::move(events[order[k].second]));
    ++requests.back().count;
  }
  events = std::move(grouped);
}

CallFigures Figures(const ClientRun& run, size_t events, size_t requests) {
  CallFigures figures;
  figures.events = events;
  figures.requests = requests;
  figures.per_second = events / run.seconds;
  figures.p50_ms = Percentile(run.latencies_ms, 0.5);
  figures.p99_ms = Percentile(run.latencies_ms, 0.99);
  figures.cores_busy = run.cores_busy;
  figures.server_cores_busy = run.server_cores_busy;
  figures.server_cpu_us_per_event = run.server_cores_busy * run.seconds * 1e6 / events;
  figures.ceiling_per_second = run.ceiling_per_second;
  figures.events_per_group = run.events_per_group;
  return figures;
}

}  // namespace

double VerifyCeiling(int threads, int per_thread) {
  auto key = *ledger::Ed25519PrivateKey::Generate();
  const std::string message(300, 'x');
  const std::string signature = *key.Sign(message);
  const std::string public_key = key.PublicKey();
  const auto start = Clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (int i = 0; i < per_thread; ++i)
        (void)ledger::VerifyEd25519(public_key, message, signature);
    });
  }
  for (auto& w : workers) w.join();
  return threads * per_thread / std::chrono::duration<double>(Clock::now() - start).count();
}

absl::StatusOr<AppendFigures> MeasureGrpcAppends(const std::string& ledgerd,
                                                 const std::string& work_dir,
                                                 const std::string& rulebook_dir, int clients,
                                                 int events,
                                                 const std::string& witness_policy_file) {
  std::filesystem::remove_all(work_dir);
  // Verifications per thread for each ceiling taken around a way: about half a second here,
  // a blink in the smoke run.
  const int ceiling_n = std::clamp(events / 5, 100, 4000);
  loadgen::HistoryOptions setup;
  setup.first_day = ledger::MakeDate(2022, 3, 1);
  setup.last_day = ledger::MakeDate(2022, 3, 1);
  setup.end_day = setup.last_day;
  loadgen::LedgerWriteOptions write;
  write.data_dir = work_dir;
  write.rulebook_dir = rulebook_dir;
  ledger::SystemClock clock;
  ASSIGN_OR_RETURN(loadgen::LedgerWriteReport setup_report, loadgen::WriteNationalLedger(setup, write, &clock));
  const uint64_t size_before = setup_report.events;
  // Four equal parts of the workload: one event per gRPC call, a municipality's day per gRPC
  // call (AppendBatch), a municipality's week per call, and straight into the server's ledger
  // from as many threads, which shows what the transport costs.
  std::vector<loadgen::PlannedEvent> planned;
  ASSIGN_OR_RETURN(std::vector<booo::v1::SignedEvent> all,
                   SignedWorkload(setup, 4 * events, planned));
  const size_t part = all.size() / 4;
  auto events_of_part = [&](size_t p) {
    return std::vector<booo::v1::SignedEvent>(all.begin() + p * part,
                                              all.begin() + (p + 1) * part);
  };
  auto planned_of_part = [&](size_t p) {
    return std::vector<loadgen::PlannedEvent>(planned.begin() + p * part,
                                              planned.begin() + (p + 1) * part);
  };
  std::vector<booo::v1::SignedEvent> singles = events_of_part(0);
  std::vector<booo::v1::SignedEvent> daily = events_of_part(1);
  std::vector<booo::v1::SignedEvent> weekly = events_of_part(2);
  std::vector<booo::v1::SignedEvent> direct = events_of_part(3);
  std::vector<Request> single_requests;
  for (size_t i = 0; i < singles.size(); ++i) single_requests.push_back({i, 1});
  const size_t max_batch = ledger::LedgerOptions{}.max_batch_events;
  std::vector<Request> daily_requests;
  GroupByMunicipalityPeriod(planned_of_part(1), 1, max_batch, daily, daily_requests);
  std::vector<Request> weekly_requests;
  GroupByMunicipalityPeriod(planned_of_part(2), 7, max_batch, weekly, weekly_requests);

  // The three ways over gRPC against the real ledgerd binary, a process of its own as in
  // production: its CPU time is read apart from the clients', which share its two cores here
  // but would run on the municipalities' machines.
  ClientRun single_run, daily_run, weekly_run, retried_run;
  {
    const int port = FreePort();
    int metrics_port = FreePort();
    while (metrics_port == port) metrics_port = FreePort();
    const std::string metrics_address = absl::StrCat("127.0.0.1:", metrics_port);
    std::vector<std::string> ledgerd_args = {"--metrics-listen", metrics_address};
    if (!witness_policy_file.empty()) {
      ledgerd_args.insert(ledgerd_args.end(), {"--witness-policy", witness_policy_file});
    }
    Ledgerd served(ledgerd, work_dir, port, "append-bench.log", ledgerd_args);
    RETURN_IF_ERROR(served.Start().status());
    auto run = [&](const std::vector<booo::v1::SignedEvent>& workload,
                   const std::vector<Request>& requests) -> absl::StatusOr<ClientRun> {
      // What ledgerd does after the previous way's last answer (catching its projection up,
      // signing a checkpoint) is not this way's: wait until its CPU time stands still (less
      // than 5 ms in 200 ms), at most 10 s.
      for (int i = 0; i < 50; ++i) {
        const double before = served.CpuSeconds();
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        if (served.CpuSeconds() - before < 0.005) break;
      }
      const double ceiling_before = VerifyCeiling(2, ceiling_n);
      const GroupCommits groups_before = ReadGroupCommits(metrics_address);
      ASSIGN_OR_RETURN(ClientRun done, RunClients(served.address(), clients, workload, requests,
                                                  [&] { return served.CpuSeconds(); }));
      const GroupCommits groups_after = ReadGroupCommits(metrics_address);
      if (groups_after.groups > groups_before.groups) {
        done.events_per_group = (groups_after.events - groups_before.events) /
                                (groups_after.groups - groups_before.groups);
      }
      done.ceiling_per_second = (ceiling_before + VerifyCeiling(2, ceiling_n)) / 2;
      return done;
    };
    ASSIGN_OR_RETURN(single_run, run(singles, single_requests));
    ASSIGN_OR_RETURN(daily_run, run(daily, daily_requests));
    ASSIGN_OR_RETURN(weekly_run, run(weekly, weekly_requests));
    ASSIGN_OR_RETURN(retried_run, run(singles, single_requests));
    RETURN_IF_ERROR(served.Stop().status());
  }

  services::ServerOptions options;
  options.data_dir = work_dir;
  options.listen_address = "127.0.0.1:0";
  options.plaintext_for_development = true;
  options.limits.requests_per_second = 0;  // the benchmark measures the ledger, not the limit
  options.ledger.sync_writes = true;
  options.witness_policy_file = witness_policy_file;
  ASSIGN_OR_RETURN(std::unique_ptr<services::LedgerServer> server,
                   services::LedgerServer::Start(options, &clock));

  const double direct_ceiling_before = VerifyCeiling(2, ceiling_n);
  std::atomic<size_t> next{0};
  std::vector<absl::Status> failures(clients);
  const double direct_cpu_start = ProcessCpuSeconds();
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
  const double direct_cores_busy = (ProcessCpuSeconds() - direct_cpu_start) / direct_seconds;
  const double direct_ceiling =
      (direct_ceiling_before + VerifyCeiling(2, ceiling_n)) / 2;
  const uint64_t appended = server->ledger().Head().size - size_before;
  server->Shutdown();
  for (const absl::Status& s : failures) RETURN_IF_ERROR(s);
  // Every event sent was a new one, and every retry was answered as one: the figures count
  // only what the ledger now holds.
  if (appended != all.size() - all.size() % 4) {
    return absl::InternalError(absl::StrCat("the ledger grew by ", appended, " events, not ",
                                            all.size() - all.size() % 4));
  }

  AppendFigures figures;
  figures.clients = clients;
  figures.single = Figures(single_run, singles.size(), single_requests.size());
  figures.daily = Figures(daily_run, daily.size(), daily_requests.size());
  figures.weekly = Figures(weekly_run, weekly.size(), weekly_requests.size());
  figures.retried = Figures(retried_run, singles.size(), single_requests.size());
  figures.in_process_per_second = direct.size() / direct_seconds;
  figures.in_process_cores_busy = direct_cores_busy;
  figures.in_process_ceiling_per_second = direct_ceiling;
  std::filesystem::remove_all(work_dir);
  return figures;
}

}  // namespace booo::bench
