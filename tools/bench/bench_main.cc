// booo_bench: the benchmark command (first part). On a generated national ledger it measures,
// in one run on one machine, each figure beside its limit or target, prints a table and, with
// --out, writes it as Markdown:
//   Ed25519 verification ceiling (both cores), replay (rebuilding the grant projection from the
//   log), GetGrant with trace p50/p99 (warm), ListBalances for every municipality, inclusion and
//   consistency proofs p99, offline verify, disk bytes per event and peak memory.
//   booo_bench --generate --days-per-declaration 30 --out tools/bench/RESULTS.md
//   booo_bench --smoke            (seconds; the test suite runs it so it cannot rot)
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <random>
#include <thread>

#include "CLI/CLI.hpp"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "ledger/core/crypto.h"
#include "ledger/core/export_file.h"
#include "ledger/storage/store_export.h"
#include "ledger/storage/ledger.h"
#include "ledger/core/status_macros.h"
#include "ledger/storage/store.h"
#include "ledger/core/verifier.h"
#include "services/wire/queries.h"
#include "replay/calc/grant_payload_rules.h"
#include "replay/calc/rule_guard.h"
#include "services/ledger_event_log.h"
#include "tools/bench/append_bench.h"
#include "tools/bench/grant_bench.h"
#include "tools/bench/restart_bench.h"
#include "replay/kept/projection_store.h"
#include "tools/bench/percentile.h"
#include "tools/loadgen/national_ledger.h"

namespace booo::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

struct Row {
  std::string figure;
  std::string value;
  std::string target;
};

// The municipality-years the GetGrant figures ask for, in a fixed random order.
std::vector<std::pair<std::string, int32_t>> GrantPairs(bool smoke) {
  std::vector<std::pair<std::string, int32_t>> pairs;
  for (int m = 1; m <= (smoke ? 5 : 20); ++m) {
    for (int32_t year = 2022; year <= 2024; ++year)
      pairs.emplace_back(absl::StrFormat("GM%04d", m), year);
  }
  std::mt19937_64 rng(1);
  std::shuffle(pairs.begin(), pairs.end(), rng);
  return pairs;
}

// GetGrant over gRPC (tools/bench/grant_bench.h) as table rows.
absl::Status AddGrpcGrantRows(const std::string& data_dir, bool smoke, int grant_calls,
                              std::vector<Row>& rows, std::string& machine_figures) {
  absl::StatusOr<GrpcGrantFigures> grpc =
      MeasureGrpcGrants(data_dir, GrantPairs(smoke), smoke ? 20 : grant_calls);
  if (!grpc.ok()) return grpc.status();
  rows.push_back({"ledgerd start (open the ledger, rebuild the projection)",
                  absl::StrFormat("%.1f s", grpc->server_start_s), ""});
  rows.push_back({absl::StrFormat("GetGrant over gRPC, whole trace, warm, p50 / p99 (answers up "
                                  "to %.1f MB, transport and parsing included)",
                                  grpc->largest_answer_bytes / 1e6),
                  absl::StrFormat("%.2f / %.2f ms", grpc->warm_p50_ms, grpc->warm_p99_ms),
                  "p99 < 10 ms"});
  rows.push_back({"GetGrant over gRPC, trace_depth 2, warm, p50 / p99",
                  absl::StrFormat("%.2f / %.2f ms", grpc->top_p50_ms, grpc->top_p99_ms),
                  "p99 < 10 ms"});
  rows.push_back({"StreamGrantTrace, whole trace streamed, warm: first chunk (the answer and the "
                  "root node) p50 / p99; the whole stream p50 / p99",
                  absl::StrFormat("%.2f / %.2f ms; %.2f / %.2f ms", grpc->stream_first_p50_ms,
                                  grpc->stream_first_p99_ms, grpc->stream_whole_p50_ms,
                                  grpc->stream_whole_p99_ms),
                  "first node <= 10 ms"});
  rows.push_back({"StreamGrantTrace: the three slowest first chunks", grpc->stream_first_slowest, ""});
  rows.push_back({"GetGrant whole trace at a past ledger point (always computed): the process's CPU "
                  "per call, p50 / max; the same with a 100 ms deadline the client gives up at: "
                  "the CPU spent after the deadline, p50 / max",
                  absl::StrFormat("%.0f / %.0f ms; %.0f / %.0f ms", grpc->past_full_cpu_p50_ms,
                                  grpc->past_full_cpu_max_ms, grpc->past_abandoned_cpu_p50_ms,
                                  grpc->past_abandoned_cpu_max_ms),
                  ""});
  rows.push_back({"GetGrant over gRPC, whole trace, cold, p50 / p99",
                  absl::StrFormat("%.2f / %.2f ms", grpc->cold_p50_ms, grpc->cold_p99_ms), ""});
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  rows.push_back({"peak memory of this process after it (ledgerd's start and these queries)",
                  absl::StrFormat("%d MiB", usage.ru_maxrss / 1024), ""});
  // What the PostgreSQL baseline's query latency is compared with: both over a connection.
  machine_figures += absl::StrFormat("grant_warm_p50_ms=%.3f\ngrant_warm_p99_ms=%.3f\n",
                                     grpc->warm_p50_ms, grpc->warm_p99_ms);
  return absl::OkStatus();
}

// The restart (tools/bench/restart_bench.h) as table rows, each beside its target.
absl::Status AddRestartRows(const std::string& ledgerd, const std::string& data_dir, bool smoke,
                            std::vector<Row>& rows) {
  absl::StatusOr<RestartFigures> r = MeasureRestart(ledgerd, data_dir, GrantPairs(smoke));
  if (!r.ok()) return r.status();
  rows.push_back({"restart: ledgerd stopped (SIGTERM until exit) / started again until it serves",
                  absl::StrFormat("%.1f s / %.1f s (the run before: %.1f s)", r->stop_s,
                                  r->start_s, r->first_start_s),
                  "start <= 5 s"});
  rows.push_back({absl::StrFormat("restart: the first ListBalances (%d rows) / warm median",
                                  r->balance_rows),
                  absl::StrFormat("%.2f s / %.0f ms", r->first_balances_s, r->balances_warm_ms),
                  "<= 2 s"});
  rows.push_back({"restart: first GetGrant of each municipality-year, trace_depth 2, p50 / p99",
                  absl::StrFormat("%.2f / %.2f ms", r->top_p50_ms, r->top_p99_ms), ""});
  rows.push_back({"restart: then its whole trace (cold), p50 / p99",
                  absl::StrFormat("%.2f / %.2f ms", r->whole_p50_ms, r->whole_p99_ms),
                  "p99 <= 100 ms"});
  rows.push_back({"restart: then each whole trace streamed (StreamGrantTrace) from ledgerd: first "
                  "chunk (the answer and the root node) p50 / p99 / slowest; the whole stream "
                  "p50 / p99",
                  absl::StrFormat("%.2f / %.2f / %.2f ms; %.0f / %.0f ms", r->stream_first_p50_ms,
                                  r->stream_first_p99_ms, r->stream_first_max_ms,
                                  r->stream_whole_p50_ms, r->stream_whole_p99_ms),
                  "first node <= 10 ms"});
  rows.push_back({"restart: peak memory of ledgerd (kernel high-water mark / largest sample of "
                  "both runs)",
                  absl::StrFormat("%d / %d MiB", r->peak_rss_bytes >> 20,
                                  r->sampled_rss_bytes >> 20),
                  "<= 4 GiB"});
  return absl::OkStatus();
}

// The append figures as table rows: each way of calling beside the target, with its latency and
// how busy it kept the cores, then the in-process appends that show what the transport costs.
void AddAppendRows(const AppendFigures& appends, double ceiling, std::vector<Row>& rows) {
  const struct {
    const char* how;
    const CallFigures& figures;
    const char* target;
  } ways[] = {{"one event per call (Append)", appends.single, ">= 60% of the ceiling"},
              {"a municipality's day per call (AppendBatch)", appends.daily,
               ">= 75% of the ceiling"},
              {"a municipality's week per call (AppendBatch)", appends.weekly,
               ">= 75% of the ceiling"}};
  for (const auto& way : ways) {
    const CallFigures& f = way.figures;
    // Each way against the ceiling measured around it: this machine's speed moves by a
    // quarter within minutes, so a ceiling taken once at the start misstated the shares.
    const double ceiling_here = f.ceiling_per_second > 0 ? f.ceiling_per_second : ceiling;
    rows.push_back(
        {absl::StrFormat("signed appends over gRPC to ledgerd, fsync'd, %d clients, %s, %.1f "
                         "events per call",
                         appends.clients, way.how, static_cast<double>(f.events) / f.requests),
         absl::StrFormat("%.0f events/s (%.0f%% of the ceiling; cores busy: ledgerd %.2f, "
                         "clients %.2f)",
                         f.per_second, 100 * f.per_second / ceiling_here, f.server_cores_busy,
                         f.cores_busy),
         way.target});
    // What ledgerd alone would sustain on the two cores, its clients on other machines: the
    // cores over its CPU time per event (fsync waits aside, which take no CPU).
    const double alone = f.server_cpu_us_per_event > 0 ? 2e6 / f.server_cpu_us_per_event : 0;
    rows.push_back(
        {absl::StrFormat("ledgerd's CPU per event, %s; the rate it sustains alone on 2 cores",
                         way.how),
         alone > 0 ? absl::StrFormat("%.0f us; %.0f events/s (%.0f%% of the ceiling)",
                                     f.server_cpu_us_per_event, alone, 100 * alone / ceiling_here)
                   : std::string("not measured: ledgerd's CPU time could not be read"),
         ""});
    rows.push_back({absl::StrFormat("Ed25519 verification ceiling around it, %s", way.how),
                    absl::StrFormat("%.0f /s", ceiling_here), ""});
    rows.push_back({absl::StrFormat("append latency p50 / p99 per call, %s", way.how),
                    absl::StrFormat("%.1f / %.1f ms", f.p50_ms, f.p99_ms), ""});
    rows.push_back({absl::StrFormat("events per group commit (one fsync each), %s", way.how),
                    f.events_per_group > 0 ? absl::StrFormat("%.1f", f.events_per_group)
                                           : std::string("not measured: no metrics"),
                    ""});
  }
  // The floor under the one-event way: an Append call that neither checks a signature nor
  // writes, beside the room the 60% target leaves per event once the signature is checked
  // (2 cores / (0.6 x ceiling) - 2 cores / ceiling).
  const CallFigures& retried = appends.retried;
  if (retried.server_cpu_us_per_event > 0) {
    const double ceiling_here =
        retried.ceiling_per_second > 0 ? retried.ceiling_per_second : ceiling;
    const double verification_us = 2e6 / ceiling_here;
    rows.push_back(
        {"ledgerd's CPU per call, the one-event way's events sent again (each a retry: answered "
         "with its receipt, no signature check, nothing written)",
         absl::StrFormat("%.0f us; the 60%% target leaves %.0f us per event beside the signature "
                         "check (%.0f us at the ceiling around it, %.0f /s)",
                         retried.server_cpu_us_per_event, verification_us * (1 / 0.6 - 1),
                         verification_us, ceiling_here),
         ""});
  }
  rows.push_back(
      {absl::StrFormat("the same appends in-process (no gRPC), fsync'd, %d threads",
                       appends.clients),
       absl::StrFormat("%.0f events/s (%.0f%% of the ceiling around it, %.0f /s; %.2f cores busy)",
                       appends.in_process_per_second,
                       100 * appends.in_process_per_second /
                           (appends.in_process_ceiling_per_second > 0
                                ? appends.in_process_ceiling_per_second
                                : ceiling),
                       appends.in_process_ceiling_per_second, appends.in_process_cores_busy),
       ""});
}

uint64_t DirectoryBytes(const std::string& dir) {
  uint64_t total = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) total += entry.file_size();
  }
  return total;
}

// Empties the kernel's page cache (root only): what a proof costs when nothing of the tree's
// files is in memory, as after a reboot or once other work has pushed them out. False when this
// process may not.
bool DropPageCache() {
  ::sync();
  std::ofstream drop("/proc/sys/vm/drop_caches");
  drop << "3\n";
  drop.flush();
  return drop.good();
}

// One proof's p99 over `rounds` random (leaf, size) pairs, an inclusion and a consistency proof
// each, as the server checks them before handing them out.
absl::StatusOr<double> ProofsP99Micros(const ledger::Ledger& ledger, int rounds,
                                       std::mt19937_64& rng) {
  const uint64_t events = ledger.Head().size;
  std::vector<double> proof_us;
  for (int i = 0; i < rounds && events > 1; ++i) {
    const uint64_t size = 1 + rng() % events;
    const uint64_t leaf = rng() % size;
    const auto t0 = Clock::now();
    RETURN_IF_ERROR(ledger.InclusionProof(leaf, size).status());
    RETURN_IF_ERROR(ledger.ConsistencyProof(1 + leaf, size).status());
    proof_us.push_back(Seconds(t0, Clock::now()) * 1e6 / 2);
  }
  return Percentile(proof_us, 0.99);
}

// The proofs with every cache dropped: the ledger opened afresh (an empty block cache; the
// upper tree is loaded at open, as in a starting ledgerd), then the page cache emptied, then one
// pass. nullopt when the page cache cannot be dropped (not root), and in the smoke run, which
// runs in the test command and must not empty the machine's caches.
absl::StatusOr<std::optional<double>> ColdProofsP99Micros(const std::string& data_dir,
                                                          int rounds, bool smoke) {
  if (smoke) return std::optional<double>();
  ledger::SystemClock clock;
  ASSIGN_OR_RETURN(std::unique_ptr<ledger::Ledger> ledger, ledger::Ledger::Open(data_dir, &clock));
  if (!DropPageCache()) return std::optional<double>();
  std::mt19937_64 rng(7);
  ASSIGN_OR_RETURN(double p99, ProofsP99Micros(*ledger, rounds, rng));
  ledger->Shutdown();
  // The ledger's files read back into the page cache, so that the figures measured after this
  // one (the scripts tools/bench.sh runs next) do not start from an empty cache.
  for (const auto& entry : std::filesystem::recursive_directory_iterator(data_dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream file(entry.path(), std::ios::binary);
    std::vector<char> chunk(1 << 20);
    while (file.read(chunk.data(), static_cast<std::streamsize>(chunk.size())) || file.gcount() > 0) {
    }
  }
  return std::optional<double>(p99);
}

int Run(const std::string& ledgerd, const std::string& data_dir, const std::string& rulebook_dir, int append_clients,
        bool smoke, bool replay_only, bool appends_only, bool proofs_only, bool compact,
        bool grants_only, const std::string& out, const std::string& witness_policy,
        int grant_calls) {
  if (grants_only) {
    std::vector<Row> rows;
    std::string unused;
    if (absl::Status s = AddGrpcGrantRows(data_dir, smoke, grant_calls, rows, unused); !s.ok()) {
      std::cerr << "booo_bench: GetGrant over gRPC " << s << "\n";
      return 1;
    }
    for (const Row& r : rows) std::cout << r.figure << ": " << r.value << "\n";
    return 0;
  }
  std::vector<Row> rows;
  std::string machine_figures;  // key=value lines for tools/bench.sh (the baseline's ratios)
  const int verify_n = smoke ? 200 : 5000;
  const double ceiling = replay_only || proofs_only ? 0 : VerifyCeiling(2, verify_n);
  rows.push_back({"Ed25519 verification ceiling (2 threads)", absl::StrFormat("%.0f /s", ceiling),
                  "the limit"});
  if (!replay_only && !proofs_only && append_clients > 0) {
    absl::StatusOr<AppendFigures> appends = MeasureGrpcAppends(ledgerd, data_dir + ".appends", rulebook_dir,
                                                               append_clients, smoke ? 300 : 20000,
                                                               witness_policy);
    if (!appends.ok()) {
      std::cerr << "booo_bench: appends " << appends.status() << "\n";
      return 1;
    }
    AddAppendRows(*appends, ceiling, rows);
    machine_figures += absl::StrFormat("appends_per_s=%.0f\n", appends->single.per_second);
    if (appends_only) {
      for (const Row& r : rows) std::cout << r.figure << ": " << r.value << "\n";
      return 0;
    }
  }

  ledger::SystemClock clock;
  auto opened = ledger::Ledger::Open(data_dir, &clock);
  if (!opened.ok()) {
    std::cerr << "booo_bench: " << opened.status() << "\n";
    return 1;
  }
  std::unique_ptr<ledger::Ledger> ledger = *std::move(opened);
  if (compact) {
    // A ledger just written in bulk (or under older storage options) is measured as a running
    // one would be once RocksDB's background compaction has caught up.
    const auto compact_start = Clock::now();
    if (absl::Status s = ledger->CompactStorage(); !s.ok()) {
      std::cerr << "booo_bench: " << s << "\n";
      return 1;
    }
    std::cout << absl::StrFormat("compacted the storage in %.1f s\n",
                                 Seconds(compact_start, Clock::now()));
  }
  const uint64_t events = ledger->Head().size;
  rows.push_back({"events in the ledger", absl::StrFormat("%d", events), ""});

  const int proof_rounds = smoke ? 50 : 2000;
  auto proofs_p99_us = [&](std::mt19937_64& rng) {
    return ProofsP99Micros(*ledger, proof_rounds, rng);
  };
  if (proofs_only) {
    std::mt19937_64 rng(1);
    absl::StatusOr<double> first = proofs_p99_us(rng);
    absl::StatusOr<double> again = proofs_p99_us(rng);
    if (!first.ok() || !again.ok()) {
      std::cerr << "booo_bench: proofs " << (first.ok() ? again : first).status() << "\n";
      return 1;
    }
    std::cout << absl::StrFormat("proofs: p99 %.0f us first after opening, %.0f us after\n",
                                 *first, *again);
    ledger->Shutdown();
    ledger.reset();
    absl::StatusOr<std::optional<double>> cold = ColdProofsP99Micros(data_dir, proof_rounds, smoke);
    if (!cold.ok()) {
      std::cerr << "booo_bench: proofs " << cold.status() << "\n";
      return 1;
    }
    if (cold->has_value()) {
      std::cout << absl::StrFormat("proofs: p99 %.0f us with every cache dropped\n", **cold);
    }
    return 0;
  }
  services::LedgerEventLog log(ledger.get());
  // The replay's floor: reading the log, each event checked against its leaf hash, and nothing
  // else.
  auto start = Clock::now();
  uint64_t body_bytes = 0;
  if (absl::Status s = log.Scan(0, events,
                                [&](const replay::LoggedEvent& event) {
                                  body_bytes += event.body.size();
                                  return absl::OkStatus();
                                },
                                replay::ScanChecks::kEveryEvent);
      !s.ok()) {
    std::cerr << "booo_bench: " << s << "\n";
    return 1;
  }
  const double scan_rate = events / Seconds(start, Clock::now());
  wire::Queries queries(&log);
  // The answers computed below are kept, as a first ledgerd would keep them, for the restart
  // measured last; emptied first, so that nothing below is read from an earlier run.
  auto kept = replay::ProjectionStore::Open(data_dir + "/projection");
  if (!kept.ok() || !(*kept)->Clear().ok()) {
    std::cerr << "booo_bench: the kept projection cannot be opened\n";
    return 1;
  }
  queries.state.SetKeptAnswers(kept->get());
  queries.grants.SetKeptAnswers(kept->get());
  start = Clock::now();
  if (absl::Status s = queries.state.CatchUp(); !s.ok()) {
    std::cerr << "booo_bench: " << s << "\n";
    return 1;
  }
  const double replay_rate = events / Seconds(start, Clock::now());
  if (replay_only) {
    std::cout << absl::StrFormat(
        "replay: %d events, %.0f events/s (the log scan alone: %.0f events/s, %.0f body bytes "
        "per event)\n",
        events, replay_rate, scan_rate, static_cast<double>(body_bytes) / events);
    return 0;
  }
  rows.push_back({"replay (projection rebuilt from the log, 1 core)",
                  absl::StrFormat("%.0f events/s", replay_rate), ">= 1,000,000 events/s"});
  rows.push_back({"the log scan alone (replay's floor: read, leaf hash checked)",
                  absl::StrFormat("%.0f events/s", scan_rate), ""});

  std::mt19937_64 rng(1);
  // Cold: the first query of each municipality and year after the replay computes the grant;
  // warm: repeated queries of the same ones are served from the head cache.
  const std::vector<std::pair<std::string, int32_t>> pairs = GrantPairs(smoke);
  size_t largest_answer = 0;
  auto get_grant = [&](const std::pair<std::string, int32_t>& pair, std::vector<double>& ms,
                       uint32_t trace_depth = 0) {
    booo::v1::GetGrantRequest request;
    request.set_municipality_code(pair.first);
    request.set_spending_year(pair.second);
    request.set_trace_depth(trace_depth);
    // As the Grants service answers: in wire form, the whole trace from the cached bytes.
    const auto t0 = Clock::now();
    auto response = queries.grants.GetGrantSerialized(request);
    ms.push_back(Seconds(t0, Clock::now()) * 1000);
    if (response.ok() && trace_depth == 0) {
      largest_answer = std::max(largest_answer, response->bytes->size() + response->tail.size());
    }
    if (!response.ok() && !absl::IsNotFound(response.status())) {
      std::cerr << "booo_bench: GetGrant " << response.status() << "\n";
      return false;
    }
    return true;
  };
  std::vector<double> cold_ms, warm_ms;
  for (const auto& pair : pairs) {
    if (!get_grant(pair, cold_ms)) return 1;
  }
  for (int i = 0; i < (smoke ? 20 : grant_calls); ++i) {
    if (!get_grant(pairs[rng() % pairs.size()], warm_ms)) return 1;
  }
  rows.push_back(
      {absl::StrFormat("GetGrant in-process (the projection alone, to the bytes handed to gRPC), "
                       "whole trace, warm, p50 / p99 (answers up to %.1f MB)",
                       largest_answer / 1e6),
       absl::StrFormat("%.2f / %.2f ms", Percentile(warm_ms, 0.5), Percentile(warm_ms, 0.99)),
       "p99 < 10 ms"});
  // The levels a determination records in its trace_summary (depth 0 to 2): what a client shows
  // first of a large trace before it asks for one node (trace_depth 2).
  std::vector<double> top_ms;
  for (int i = 0; i < (smoke ? 20 : grant_calls); ++i) {
    if (!get_grant(pairs[rng() % pairs.size()], top_ms, 2)) return 1;
  }
  rows.push_back(
      {"GetGrant in-process, the trace's top levels (trace_depth 2), warm, p50 / p99",
       absl::StrFormat("%.2f / %.2f ms", Percentile(top_ms, 0.5), Percentile(top_ms, 0.99)),
       "p99 < 10 ms"});
  rows.push_back(
      {"GetGrant in-process, whole trace, cold (first query of a grant after start), p50 / p99",
       absl::StrFormat("%.2f / %.2f ms", Percentile(cold_ms, 0.5), Percentile(cold_ms, 0.99)), ""});

  std::vector<double> balances_ms;
  double balances_cold_ms = 0;
  for (int i = 0; i < (smoke ? 2 : 4); ++i) {
    const auto t0 = Clock::now();
    auto response = queries.grants.ListBalances({});
    const double ms = Seconds(t0, Clock::now()) * 1000;
    if (i == 0) {
      balances_cold_ms = ms;
    } else {
      balances_ms.push_back(ms);
    }
    if (!response.ok()) {
      std::cerr << "booo_bench: ListBalances " << response.status() << "\n";
      return 1;
    }
  }
  rows.push_back({"ListBalances, every municipality and year, warm (median)",
                  absl::StrFormat("%.0f ms", Percentile(balances_ms, 0.5)), "< 100 ms"});
  rows.push_back({"ListBalances, first after start (computes every grant)",
                  absl::StrFormat("%.0f ms", balances_cold_ms), ""});
  {
    rusage serving{};
    getrusage(RUSAGE_SELF, &serving);
    rows.push_back({"peak memory, ledger and projections (what ledgerd holds)",
                    absl::StrFormat("%d MiB", serving.ru_maxrss / 1024), ""});
  }

  // Two passes of random proofs: the first after the queries above churned the caches (cold
  // tree blocks are disk reads), the second as a serving ledger sees them.
  const absl::StatusOr<double> proof_p99 = proofs_p99_us(rng);
  const absl::StatusOr<double> proof_p99_again = proofs_p99_us(rng);
  if (!proof_p99.ok() || !proof_p99_again.ok()) {
    std::cerr << "booo_bench: proofs " << (proof_p99.ok() ? proof_p99_again : proof_p99).status()
              << "\n";
    return 1;
  }
  rows.push_back({"inclusion / consistency proof p99, first pass (cold blocks) / second pass",
                  absl::StrFormat("%.0f / %.0f us", *proof_p99, *proof_p99_again), "< 1 ms"});
  {
    // The index too: the restart reads the log only beyond it.
    absl::StatusOr<replay::ProjectionIndex> index =
        replay::ProjectionState::Reader(queries.state).ExportIndex(0);
    if (!index.ok() || !(*kept)->AppendIndex(*index, log).ok()) {
      std::cerr << "booo_bench: the projection's index cannot be kept\n";
      return 1;
    }
    queries.state.SetKeptAnswers(nullptr);
    queries.grants.SetKeptAnswers(nullptr);
    kept->reset();
  }
  ledger->Shutdown();
  ledger.reset();


  auto store = ledger::LedgerStore::Open(data_dir, {.read_only = true});
  if (!store.ok()) return 1;
  ledger::StoreLeafSource leaves(**store, events);
  replay::RuleGuard guard;
  ledger::VerifyOptions options;
  options.policy = &guard;
  replay::GrantPayloadRules payload_rules;
  options.payload_rules = &payload_rules;
  // Against the ceiling measured right around it, as the appends are (append_bench.h): the
  // verification runs for many minutes at national scale, long after the ceiling at the start.
  const double ceiling_before_verify = VerifyCeiling(2, verify_n);
  start = Clock::now();
  auto verified = ledger::VerifyLedger(leaves, options);
  const double verify_rate = events / Seconds(start, Clock::now());
  const double verify_ceiling = (ceiling_before_verify + VerifyCeiling(2, verify_n)) / 2;
  if (!verified.ok()) {
    std::cerr << "booo_bench: verify " << verified.status() << "\n";
    return 1;
  }
  rows.push_back({"offline verify",
                  absl::StrFormat("%.0f events/s (%.0f%% of the ceiling around it, %.0f /s)",
                                  verify_rate, 100 * verify_rate / verify_ceiling, verify_ceiling),
                  ">= 80% of the ceiling"});
  store->reset();
  if (absl::Status s = AddGrpcGrantRows(data_dir, smoke, grant_calls, rows, machine_figures); !s.ok()) {
    std::cerr << "booo_bench: GetGrant over gRPC " << s << "\n";
    return 1;
  }
  if (absl::Status s = AddRestartRows(ledgerd, data_dir, smoke, rows); !s.ok()) {
    std::cerr << "booo_bench: restart " << s << "\n";
    return 1;
  }
  {
    // Last: it empties the page cache, which would make every figure after it cold.
    absl::StatusOr<std::optional<double>> cold = ColdProofsP99Micros(data_dir, proof_rounds, smoke);
    if (!cold.ok()) {
      std::cerr << "booo_bench: proofs " << cold.status() << "\n";
      return 1;
    }
    rows.push_back({"inclusion / consistency proof p99, every cache dropped (the ledger opened "
                    "afresh, the page cache emptied)",
                    cold->has_value() ? absl::StrFormat("%.0f us", **cold)
                                      : std::string(smoke ? "not measured in the smoke run"
                                                          : "not measured: only root may drop "
                                                            "the page cache"),
                    "<= 1 ms"});
  }  rows.push_back({"disk bytes per event",
                  absl::StrFormat("%.0f", static_cast<double>(DirectoryBytes(data_dir)) / events),
                  ""});
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  rows.push_back({"peak memory of this process (verify included)",
                  absl::StrFormat("%d MiB", usage.ru_maxrss / 1024), ""});

  std::string table = "| figure | measured | target or limit |\n|---|---|---|\n";
  for (const Row& r : rows)
    table += absl::StrFormat("| %s | %s | %s |\n", r.figure, r.value, r.target);
  std::cout << table;
  if (!out.empty()) {
    std::ofstream(out) << table;
    std::ofstream(out + ".figures") << machine_figures;
  }
  return 0;
}

}  // namespace
}  // namespace booo::bench

int main(int argc, char** argv) {
  // As in ledgerd (services/ledgerd_main.cc): the benchmark's in-process server measures what
  // the served process costs, without abseil's per-lock deadlock detection.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  CLI::App app{"booo_bench: the benchmark figures on a generated national ledger"};
  std::string data_dir;
  std::string out;
  std::string rulebook_dir = "replay/rulebook";
  bool generate = false;
  bool smoke = false;
  bool replay_only = false;
  bool appends_only = false;
  bool proofs_only = false;
  bool compact = false;
  bool grants_only = false;
  int append_clients = 64;
  booo::loadgen::HistoryOptions history;
  app.add_option("--data-dir", data_dir, "a generated ledger (ledger_loadgen)");
  app.add_flag("--generate", generate, "generate one first into a temporary directory");
  app.add_option("--append-clients", append_clients,
                 "concurrent gRPC clients appending (0: skip the appends)")
      ->capture_default_str();
  app.add_flag("--appends-only", appends_only, "measure the gRPC appends alone (for profiling)");
  app.add_flag("--proofs-only", proofs_only, "measure the proofs alone (for profiling)");
  app.add_flag("--replay-only", replay_only, "measure the replay alone (for profiling)");
  app.add_flag("--grants-over-grpc", grants_only,
               "measure GetGrant over gRPC alone (a real server on the ledger, one client)");
  app.add_flag("--compact", compact,
               "compact the ledger's storage first (after a bulk write, or older storage options)");
  app.add_flag("--smoke", smoke, "tiny sizes, seconds: for the test suite");
  app.add_option("--days-per-declaration", history.days_per_declaration)->capture_default_str();
  app.add_option("--rulebook-dir", rulebook_dir)->capture_default_str();
  app.add_option("--out", out, "also write the table here (Markdown)");
  std::string ledgerd;
  app.add_option("--ledgerd", ledgerd, "the ledgerd binary the restart runs (default: the build's)");
  bool restart_only = false;
  app.add_flag("--restart-only", restart_only,
               "measure the restart alone: ledgerd started, stopped, started again");
  int grant_calls = 1000;
  app.add_option("--grant-calls", grant_calls,
                 "warm GetGrant calls per kind (whole trace, top levels); a fifth of them, and at "
                 "least one per municipality-year, streamed. At 10 M events most whole traces no "
                 "longer fit the budget and compute again: 100 keeps that run under an hour")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  std::string witness_policy;
  app.add_option("--witness-policy", witness_policy,
                 "appends with witnessing on: the server asks these witnesses to cosign");
  CLI11_PARSE(app, argc, argv);
  std::filesystem::path temporary;
  if (smoke || generate) {
    temporary = std::filesystem::temp_directory_path() /
                absl::StrFormat("booo-bench-%d", static_cast<int>(::getpid()));
    std::filesystem::remove_all(temporary);
    if (smoke) {
      history.municipalities = 5;
      history.locations = 10;
      history.days_per_declaration = 14;
      history.last_day.set_year(2022);
      history.last_day.set_month(12);
      history.last_day.set_day(31);
    }
    booo::loadgen::LedgerWriteOptions write;
    write.data_dir = temporary.string();
    write.rulebook_dir = rulebook_dir;
    booo::ledger::SystemClock clock;
    const absl::CivilDay today = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
    history.end_day.set_year(static_cast<int>(today.year()));
    history.end_day.set_month(today.month());
    history.end_day.set_day(today.day());
    auto report = booo::loadgen::WriteNationalLedger(history, write, &clock);
    if (!report.ok()) {
      std::cerr << "booo_bench: " << report.status() << "\n";
      return 1;
    }
    std::cout << absl::StrFormat("generated %d events in %.1f s (%.0f events/s)\n", report->events,
                                 report->seconds, report->events / report->seconds);
    data_dir = temporary.string();
  }
  if (data_dir.empty()) {
    std::cerr << "booo_bench: give --data-dir, --generate or --smoke\n";
    return 2;
  }
  if (ledgerd.empty()) {
    // Beside this binary in the build tree: build/tools/booo_bench, build/services/ledgerd.
    ledgerd = (std::filesystem::read_symlink("/proc/self/exe").parent_path().parent_path() /
               "services" / "ledgerd")
                  .string();
  }
  if (restart_only) {
    std::vector<booo::bench::Row> rows;
    if (absl::Status s = booo::bench::AddRestartRows(ledgerd, data_dir, smoke, rows); !s.ok()) {
      std::cerr << "booo_bench: restart " << s << "\n";
      return 1;
    }
    for (const auto& r : rows) std::cout << r.figure << ": " << r.value << "\n";
    return 0;
  }
  const int rc = booo::bench::Run(ledgerd, data_dir, rulebook_dir, append_clients, smoke, replay_only,
                                  appends_only, proofs_only, compact, grants_only, out,
                                  witness_policy, grant_calls);
  if (!temporary.empty()) std::filesystem::remove_all(temporary);
  return rc;
}
