// GetGrant as a client sees it: a real server (LedgerServer) on the ledger, on loopback, and
// one client timing whole calls (transport, serialization and parsing of the answer included),
// where booo_bench's in-process GetGrant figures time the projection alone.
#ifndef BOOO_TOOLS_BENCH_GRANT_BENCH_H_
#define BOOO_TOOLS_BENCH_GRANT_BENCH_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace booo::bench {

struct GrpcGrantFigures {
  double server_start_s = 0;  // opening the ledger and rebuilding the projection
  double cold_p50_ms = 0, cold_p99_ms = 0;  // the first call of each grant, whole trace
  double warm_p50_ms = 0, warm_p99_ms = 0;  // repeated calls, whole trace
  double top_p50_ms = 0, top_p99_ms = 0;    // repeated calls, trace_depth 2
  uint64_t largest_answer_bytes = 0;
  // StreamGrantTrace, warm: the first chunk (the answer and the root node), and the whole
  // stream read to its end.
  double stream_first_p50_ms = 0, stream_first_p99_ms = 0;
  double stream_whole_p50_ms = 0, stream_whole_p99_ms = 0;
  // The three slowest first chunks, each with its municipality-year and the stream before it,
  // so that an outlier can be told from a pattern.
  std::string stream_first_slowest;
  // Whole traces at a past ledger point (never cached: always computed), asked in full and
  // asked with a 100 ms deadline the client gives up at: the server's CPU per call in full,
  // and what it still spent after the deadline passed (p50 / max).
  double past_full_cpu_p50_ms = 0, past_full_cpu_max_ms = 0;
  double past_abandoned_cpu_p50_ms = 0, past_abandoned_cpu_max_ms = 0;
};

// `pairs` (municipality code, spending year) are asked once each (cold), then `warm_calls`
// times at random with the whole trace and as many with trace_depth 2. The ledger at `data_dir`
// must not be open elsewhere.
absl::StatusOr<GrpcGrantFigures> MeasureGrpcGrants(
    const std::string& data_dir, const std::vector<std::pair<std::string, int32_t>>& pairs,
    int warm_calls);

}  // namespace booo::bench

#endif  // BOOO_TOOLS_BENCH_GRANT_BENCH_H_
