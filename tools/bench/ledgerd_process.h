// One ledgerd process for the benchmarks: the real binary started on a ledger, timed until it
// answers, its memory sampled (/proc/<pid>/status, every 50 ms) and its CPU time read
// (/proc/<pid>/stat), then stopped with SIGTERM as an operator stops it.
#ifndef BOOO_TOOLS_BENCH_LEDGERD_PROCESS_H_
#define BOOO_TOOLS_BENCH_LEDGERD_PROCESS_H_

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"

namespace booo::bench {

// A loopback port free now (the kernel's choice, released for ledgerd to take).
int FreePort();

class Ledgerd {
 public:
  // ledgerd on `data_dir` (which must hold checkpoint.key), listening on 127.0.0.1:`port` in
  // plaintext, without a per-caller rate and without the idle refresh; its log goes to
  // `<data_dir>/<log_name>`. `extra_args` go on its command line after these.
  Ledgerd(const std::string& binary, const std::string& data_dir, int port,
          const std::string& log_name = "restart-bench.log",
          const std::vector<std::string>& extra_args = {});
  ~Ledgerd();  // SIGKILL if still running
  Ledgerd(const Ledgerd&) = delete;
  Ledgerd& operator=(const Ledgerd&) = delete;

  // Starts the process and waits until it answers a call; the seconds that took.
  absl::StatusOr<double> Start();
  // SIGTERM, and the seconds until it exited; the kernel's high-water mark read just before.
  absl::StatusOr<double> Stop();

  // The process's user and system CPU time so far, in seconds (0 when not running).
  double CpuSeconds() const;

  const std::string& address() const { return address_; }
  uint64_t high_water() const { return high_water_; }
  uint64_t peak_sampled() const { return peak_sampled_.load(); }

 private:
  void StopSampling();
  std::vector<std::string> args_;
  std::string address_;
  std::string log_;
  pid_t pid_ = 0;
  std::thread sampler_;
  std::atomic<bool> stop_sampling_{false};
  std::atomic<uint64_t> peak_sampled_{0};
  uint64_t high_water_ = 0;
};

}  // namespace booo::bench

#endif  // BOOO_TOOLS_BENCH_LEDGERD_PROCESS_H_
