#include "tools/bench/ledgerd_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "booo/v1/ledger_service.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

extern char** environ;

namespace booo::bench {
namespace {

using Clock = std::chrono::steady_clock;

double MillisSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
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

}  // namespace

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

Ledgerd::Ledgerd(const std::string& binary, const std::string& data_dir, int port,
                 const std::string& log_name, const std::vector<std::string>& extra_args)
    : address_(absl::StrCat("127.0.0.1:", port)) {
  args_ = {binary, "--data-dir", data_dir, "--listen", address_, "--checkpoint-key",
           data_dir + "/checkpoint.key", "--plaintext-for-development",
           "--max-requests-per-second", "0", "--no-idle-refresh"};
  args_.insert(args_.end(), extra_args.begin(), extra_args.end());
  log_ = data_dir + "/" + log_name;
}

Ledgerd::~Ledgerd() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  StopSampling();
}

absl::StatusOr<double> Ledgerd::Start() {
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

absl::StatusOr<double> Ledgerd::Stop() {
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

double Ledgerd::CpuSeconds() const {
  if (pid_ <= 0) return 0;
  std::ifstream in(absl::StrCat("/proc/", pid_, "/stat"));
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Fields after the command name (which may hold spaces, so read from its closing ')'):
  // state is field 3, utime field 14 and stime field 15, in clock ticks.
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  uint64_t utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) (void)absl::SimpleAtoi(field, &utime);
    if (i == 15) (void)absl::SimpleAtoi(field, &stime);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

void Ledgerd::StopSampling() {
  stop_sampling_ = true;
  if (sampler_.joinable()) sampler_.join();
}

}  // namespace booo::bench
