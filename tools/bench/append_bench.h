// The append benchmark: signed events appended over gRPC by many concurrent clients to a real
// in-process server on loopback, every append fsync'd before it is acknowledged (the server's
// default), on a fresh national ledger (keys, rule books, budget and one day of history).
#ifndef BOOO_TOOLS_BENCH_APPEND_BENCH_H_
#define BOOO_TOOLS_BENCH_APPEND_BENCH_H_

#include <string>

#include "absl/status/statusor.h"

namespace booo::bench {

struct AppendFigures {
  int clients = 0;
  // One event per call (Append).
  uint64_t events = 0;  // appended in the timed run, each a new event (no duplicates)
  double seconds = 0;
  double per_second = 0;
  double p50_ms = 0;  // per call
  double p99_ms = 0;
  // A municipality's declarations of one day per call (AppendBatch), as a municipal system
  // sends them.
  uint64_t batch_events = 0;
  uint64_t batch_requests = 0;
  double batch_per_second = 0;
  double batch_p50_ms = 0;  // per call
  double batch_p99_ms = 0;
  // The same appends made in-process (Ledger::Append from as many threads): no transport.
  double in_process_per_second = 0;
};

// `events` place declarations of 2022, signed beforehand (signing is the clients' cost, not
// the server's), appended by `clients` concurrent clients, each on its own gRPC channel: once
// one per call, then another `events` a municipality's day per call; then `events` more
// in-process.
absl::StatusOr<AppendFigures> MeasureGrpcAppends(const std::string& work_dir,
                                                 const std::string& rulebook_dir, int clients,
                                                 int events);

}  // namespace booo::bench

#endif  // BOOO_TOOLS_BENCH_APPEND_BENCH_H_
