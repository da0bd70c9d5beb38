#include "tools/bench/restart_bench.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>
#include <spawn.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "booo/v1/grants_service.grpc.pb.h"
#include "booo/v1/ledger_service.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "ledger/core/status_macros.h"
#include "tools/bench/percentile.h"

extern char** environ;

namespace booo::bench {
namespace {

using Clock = std::chrono::steady_clock;

double MillisSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

int FreePort() {
  // Bound to port 0, the kernel's choice read back, released for ledgerd to take.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// A value of /proc/<pid>/status in bytes ("VmRSS:   1234 kB"); 0 when unreadable.
uint64_t StatusBytes(pid_t pid, absl::string_view field) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (!absl::StartsWith(line, field)) continue;
    std::vector<absl::string_view> parts =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    uint64_t kib = 0;
    if (parts.size() >= 2 && absl::SimpleAtoi(parts[1], &kib)) return kib * 1024;
  }
  return 0;
}

// One ledgerd process: started, sampled, stopped.
class Ledgerd {
 public:
  Ledgerd(const std::string& binary, const std::string& data_dir, int port)
      : address_(absl::StrCat("127.0.0.1:", port)) {
    args_ = {binary, "--data-dir", data_dir, "--listen", address_, "--checkpoint-key",
             data_dir + "/checkpoint.key", "--plaintext-for-development",
             "--max-requests-per-second", "0", "--no-idle-refresh"};
    log_ = data_dir + "/restart-bench.log";
  }
  ~Ledgerd() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    StopSampling();
  }

  // Starts the process and waits until it answers a call; the seconds that took.
  absl::StatusOr<double> Start() {
    std::vector<char*> argv;
    for (std::string& a : args_) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t files;
    posix_spawn_file_actions_init(&files);
    posix_spawn_file_actions_addopen(&files, 2, log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    const auto start = Clock::now();
    const int spawned = posix_spawn(&pid_, args_[0].c_str(), &files, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&files);
    if (spawned != 0) return absl::InternalError(absl::StrCat("cannot start ", args_[0]));
    sampler_ = std::thread([this] {
      while (!stop_sampling_.load()) {
        peak_sampled_ = std::max(peak_sampled_.load(), StatusBytes(pid_, "VmRSS:"));
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    });
    for (;;) {
      // A new channel each time: a channel that failed to connect waits out its backoff
      // (a second and more) before it tries again, which would be timed as the start.
      auto stub = booo::v1::Ledger::NewStub(
          grpc::CreateChannel(address_, grpc::InsecureChannelCredentials()));
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(1));
      booo::v1::Checkpoint checkpoint;
      if (stub->GetCheckpoint(&context, {}, &checkpoint).ok()) break;
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = 0;
        return absl::InternalError(absl::StrCat("ledgerd exited at start; see ", log_));
      }
      if (MillisSince(start) > 1'800'000) return absl::DeadlineExceededError("ledgerd start");
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return MillisSince(start) / 1000;
  }

  // SIGTERM, and the seconds until it exited; the kernel's high-water mark read just before.
  absl::StatusOr<double> Stop() {
    high_water_ = StatusBytes(pid_, "VmHWM:");
    const auto start = Clock::now();
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = 0;
    StopSampling();
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      return absl::InternalError(absl::StrCat("ledgerd did not stop cleanly; see ", log_));
    }
    return MillisSince(start) / 1000;
  }

  const std::string& address() const { return address_; }
  uint64_t high_water() const { return high_water_; }
  uint64_t peak_sampled() const { return peak_sampled_.load(); }

 private:
  void StopSampling() {
    stop_sampling_ = true;
    if (sampler_.joinable()) sampler_.join();
  }
  std::vector<std::string> args_;
  std::string address_;
  std::string log_;
  pid_t pid_ = 0;
  std::thread sampler_;
  std::atomic<bool> stop_sampling_{false};
  std::atomic<uint64_t> peak_sampled_{0};
  uint64_t high_water_ = 0;
};

std::unique_ptr<booo::v1::Grants::Stub> GrantsStub(const std::string& address) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(256 << 20);  // whole national-scale traces run to megabytes
  return booo::v1::Grants::NewStub(
      grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args));
}

absl::StatusOr<int> ListBalances(booo::v1::Grants::Stub& stub) {
  grpc::ClientContext context;
  booo::v1::ListBalancesResponse response;
  const grpc::Status s = stub.ListBalances(&context, {}, &response);
  if (!s.ok()) return absl::InternalError(absl::StrCat("ListBalances: ", s.error_message()));
  return response.rows_size();
}

}  // namespace

absl::StatusOr<RestartFigures> MeasureRestart(
    const std::string& ledgerd, const std::string& data_dir,
    const std::vector<std::pair<std::string, int32_t>>& pairs) {
  RestartFigures figures;
  const int port = FreePort();
  {
    // The run before the restart: whatever it must compute for ListBalances, it keeps.
    Ledgerd first(ledgerd, data_dir, port);
    ASSIGN_OR_RETURN(figures.first_start_s, first.Start());
    auto stub = GrantsStub(first.address());
    RETURN_IF_ERROR(ListBalances(*stub).status());
    stub.reset();  // the client goes away first: an open connection holds the stop back 5 s
    ASSIGN_OR_RETURN(figures.stop_s, first.Stop());
    figures.sampled_rss_bytes = first.peak_sampled();
  }
  Ledgerd restarted(ledgerd, data_dir, port);
  ASSIGN_OR_RETURN(figures.start_s, restarted.Start());
  auto stub = GrantsStub(restarted.address());
  auto t0 = Clock::now();
  ASSIGN_OR_RETURN(figures.balance_rows, ListBalances(*stub));
  figures.first_balances_s = MillisSince(t0) / 1000;
  std::vector<double> warm;
  for (int i = 0; i < 3; ++i) {
    t0 = Clock::now();
    RETURN_IF_ERROR(ListBalances(*stub).status());
    warm.push_back(MillisSince(t0));
  }
  figures.balances_warm_ms = Percentile(warm, 0.5);
  auto grants = [&](uint32_t depth, std::vector<double>& ms) -> absl::Status {
    for (const auto& [code, year] : pairs) {
      booo::v1::GetGrantRequest request;
      request.set_municipality_code(code);
      request.set_spending_year(year);
      request.set_trace_depth(depth);
      booo::v1::GetGrantResponse response;
      grpc::ClientContext context;
      t0 = Clock::now();
      const grpc::Status s = stub->GetGrant(&context, request, &response);
      ms.push_back(MillisSince(t0));
      if (!s.ok() && s.error_code() != grpc::StatusCode::NOT_FOUND) {
        return absl::InternalError(absl::StrCat("GetGrant ", code, " ", year, ": ", s.error_message()));
      }
    }
    return absl::OkStatus();
  };
  std::vector<double> top, whole;
  RETURN_IF_ERROR(grants(2, top));
  RETURN_IF_ERROR(grants(0, whole));
  figures.top_p50_ms = Percentile(top, 0.5);
  figures.top_p99_ms = Percentile(top, 0.99);
  figures.whole_p50_ms = Percentile(whole, 0.5);
  figures.whole_p99_ms = Percentile(whole, 0.99);
  stub.reset();
  RETURN_IF_ERROR(restarted.Stop().status());
  figures.peak_rss_bytes = restarted.high_water();
  figures.sampled_rss_bytes = std::max(figures.sampled_rss_bytes, restarted.peak_sampled());
  return figures;
}

}  // namespace booo::bench
