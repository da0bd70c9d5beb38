// The append benchmark: signed events appended over gRPC by many concurrent clients to the real
// ledgerd binary on loopback, every append fsync'd before it is acknowledged (the server's
// default), on a fresh national ledger (keys, rule books, budget and one day of history); then
// the same appends in-process, without gRPC.
#ifndef BOOO_TOOLS_BENCH_APPEND_BENCH_H_
#define BOOO_TOOLS_BENCH_APPEND_BENCH_H_

#include <string>

#include "absl/status/statusor.h"

namespace booo::bench {

// One way of sending the workload over gRPC, measured from the first call to the last answer.
struct CallFigures {
  uint64_t events = 0;    // appended in the timed run, each a new event (no duplicates)
  uint64_t requests = 0;  // gRPC calls
  double per_second = 0;  // events
  double p50_ms = 0;      // per call
  double p99_ms = 0;
  // CPU time of the whole process (server and clients) over the run's wall time: how many of
  // the machine's cores the run kept busy. Below the core count, the run waited (on fsync, or
  // on too few requests in flight) rather than ran out of CPU.
  double cores_busy = 0;
  // The same for ledgerd alone (a process of its own), and its CPU time per event appended:
  // what the server costs, apart from the clients that share its cores in the benchmark.
  double server_cores_busy = 0;
  double server_cpu_us_per_event = 0;
  // The Ed25519 verification ceiling (VerifyCeiling(2, ...)) measured right before and right
  // after this way, averaged: what its share is taken of.
  double ceiling_per_second = 0;
  // Events per group commit (one WAL fsync each), from ledgerd's own metrics over the run: an
  // fsync's CPU is paid per group, so it falls per event as the groups grow. 0: not read.
  double events_per_group = 0;
};

struct AppendFigures {
  int clients = 0;
  CallFigures single;  // one event per call (Append)
  // A municipality's declarations of one day per call (AppendBatch), as a municipal system
  // sends them when it submits daily.
  CallFigures daily;
  // A municipality's declarations of one calendar week (Monday to Sunday) per call, as a
  // municipal system sends them when it submits weekly; split at the ledger's batch limit.
  CallFigures weekly;
  // The one-event way's events sent again, one per call: each a retry of a recorded event,
  // answered with its receipt without a signature check or a write. What ledgerd spends on an
  // Append call apart from those two: the floor under the one-event way's CPU per event.
  CallFigures retried;
  // The same appends made in-process (Ledger::Append from as many threads): no transport.
  double in_process_per_second = 0;
  double in_process_cores_busy = 0;
  double in_process_ceiling_per_second = 0;  // measured around the in-process run
};

// Ed25519 verifications per second on `threads` threads, `per_thread` each: the ceiling that
// signed appends are measured against (every event's signature is checked once).
double VerifyCeiling(int threads, int per_thread);

// `events` place declarations of 2022, signed beforehand (signing is the clients' cost, not
// the server's), appended by `clients` concurrent clients, each on its own gRPC channel: once
// one per call, then another `events` a municipality's day per call, another `events` a
// municipality's week per call; then `events` more in-process.
// With `witness_policy_file`, ledgerd asks the policy's witnesses to cosign each new
// checkpoint meanwhile (--witness-policy), as a production ledgerd would.
// `ledgerd`: the binary the gRPC ways are sent to.
absl::StatusOr<AppendFigures> MeasureGrpcAppends(const std::string& ledgerd,
                                                 const std::string& work_dir,
                                                 const std::string& rulebook_dir, int clients,
                                                 int events,
                                                 const std::string& witness_policy_file = "");

}  // namespace booo::bench

#endif  // BOOO_TOOLS_BENCH_APPEND_BENCH_H_
