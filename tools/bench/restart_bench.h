// What a user meets after a restart: the real ledgerd binary stopped and started again on the
// ledger (as for an upgrade), timed until it serves; then the first ListBalances, and the first
// GetGrant of 60 municipality-years, with the trace's top levels and whole, and each whole trace
// streamed. The process's
// memory is sampled throughout (/proc/<pid>/status, every 50 ms) and its peak read at the end.
#ifndef BOOO_TOOLS_BENCH_RESTART_BENCH_H_
#define BOOO_TOOLS_BENCH_RESTART_BENCH_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace booo::bench {

struct RestartFigures {
  double first_start_s = 0;    // the start before the restart (its own kept projection, if any)
  double stop_s = 0;           // SIGTERM until the process has exited
  double start_s = 0;          // the restart: exec until the server answers
  double first_balances_s = 0;  // the first ListBalances after the restart
  double balances_warm_ms = 0;  // the median of the next three
  int balance_rows = 0;
  double top_p50_ms = 0, top_p99_ms = 0;      // first GetGrant of each, trace_depth 2
  double whole_p50_ms = 0, whole_p99_ms = 0;  // then the whole trace of each
  // Then each streamed (StreamGrantTrace) from the real ledgerd process, as a client that shows
  // the first node at once: the time to the first chunk (the answer and the root node), and to
  // the end of the stream.
  double stream_first_p50_ms = 0, stream_first_p99_ms = 0, stream_first_max_ms = 0;
  double stream_whole_p50_ms = 0, stream_whole_p99_ms = 0;
  uint64_t peak_rss_bytes = 0;     // the kernel's high-water mark of the restarted process
  uint64_t sampled_rss_bytes = 0;  // the largest of the samples over both runs
};

// `ledgerd`: the binary. The ledger at `data_dir` must hold checkpoint.key and not be open
// elsewhere. The first run asks ListBalances once (computing and keeping what is missing) and
// stops; the second is the restart measured.
absl::StatusOr<RestartFigures> MeasureRestart(
    const std::string& ledgerd, const std::string& data_dir,
    const std::vector<std::pair<std::string, int32_t>>& pairs);

}  // namespace booo::bench

#endif  // BOOO_TOOLS_BENCH_RESTART_BENCH_H_
