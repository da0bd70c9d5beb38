#include "tools/bench/grant_bench.h"

#include <algorithm>
#include <chrono>
#include <random>
#include <thread>

#include <sys/resource.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "booo/v1/grants_service.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "ledger/core/clock.h"
#include "ledger/core/status_macros.h"
#include "services/server.h"
#include "tools/bench/percentile.h"

namespace booo::bench {
namespace {

using Clock = std::chrono::steady_clock;

double MillisSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double ProcessCpuMillis() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e3 +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e3;
}

// The process's CPU time from now until it stands still (under 5 ms in 200 ms), at most 30 s.
double CpuUntilIdleMillis() {
  const double start = ProcessCpuMillis();
  for (int i = 0; i < 150; ++i) {
    const double before = ProcessCpuMillis();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    if (ProcessCpuMillis() - before < 5) break;
  }
  return ProcessCpuMillis() - start;
}

}  // namespace

absl::StatusOr<GrpcGrantFigures> MeasureGrpcGrants(
    const std::string& data_dir, const std::vector<std::pair<std::string, int32_t>>& pairs,
    int warm_calls) {
  GrpcGrantFigures figures;
  services::ServerOptions options;
  options.data_dir = data_dir;
  options.listen_address = "127.0.0.1:0";
  options.plaintext_for_development = true;
  options.limits.requests_per_second = 0;  // the benchmark measures the ledger, not the limit
  ledger::SystemClock clock;
  const auto start = Clock::now();
  ASSIGN_OR_RETURN(std::unique_ptr<services::LedgerServer> server,
                   services::LedgerServer::Start(options, &clock));
  figures.server_start_s = MillisSince(start) / 1000;
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(256 << 20);  // whole national-scale traces run to megabytes
  auto stub = booo::v1::Grants::NewStub(grpc::CreateCustomChannel(
      absl::StrCat("127.0.0.1:", server->port()), grpc::InsecureChannelCredentials(), args));
  absl::Status failure;
  uint64_t head_size = 0;
  auto call = [&](const std::pair<std::string, int32_t>& pair, uint32_t trace_depth,
                  std::vector<double>& ms) {
    booo::v1::GetGrantRequest request;
    request.set_municipality_code(pair.first);
    request.set_spending_year(pair.second);
    request.set_trace_depth(trace_depth);
    booo::v1::GetGrantResponse response;
    grpc::ClientContext context;
    const auto t0 = Clock::now();
    const grpc::Status status = stub->GetGrant(&context, request, &response);
    ms.push_back(MillisSince(t0));
    if (status.ok()) head_size = std::max<uint64_t>(head_size, response.tree_size());
    if (status.ok() && trace_depth == 0) {
      figures.largest_answer_bytes =
          std::max<uint64_t>(figures.largest_answer_bytes, response.ByteSizeLong());
    }
    if (!status.ok() && status.error_code() != grpc::StatusCode::NOT_FOUND && failure.ok()) {
      failure = absl::InternalError(
          absl::StrCat("GetGrant ", pair.first, " ", pair.second, ": ", status.error_message()));
    }
  };
  std::vector<double> cold, warm, top, first_chunk, whole_stream;
  for (const auto& pair : pairs) call(pair, 0, cold);
  std::mt19937_64 rng(2);
  for (int i = 0; i < warm_calls; ++i) call(pairs[rng() % pairs.size()], 0, warm);
  for (int i = 0; i < warm_calls; ++i) call(pairs[rng() % pairs.size()], 2, top);
  // The whole trace streamed, warm: when the first node arrives, and when the last.
  // At least one per municipality-year asked for, so that the p99 is not the largest alone.
  const int streams = std::max<int>(warm_calls / 5, static_cast<int>(pairs.size()));
  struct FirstChunkSample {
    double ms;
    std::string grant;
    std::string before;
  };
  std::vector<FirstChunkSample> samples;
  std::string previous = "none";
  for (int i = 0; i < streams; ++i) {
    const auto& pair = pairs[rng() % pairs.size()];
    booo::v1::GetGrantRequest request;
    request.set_municipality_code(pair.first);
    request.set_spending_year(pair.second);
    grpc::ClientContext context;
    const auto t0 = Clock::now();
    auto reader = stub->StreamGrantTrace(&context, request);
    booo::v1::GrantTraceChunk chunk;
    bool first = true;
    uint64_t chunks = 0;
    while (reader->Read(&chunk)) {
      if (first) {
        first_chunk.push_back(MillisSince(t0));
        samples.push_back(
            {first_chunk.back(), absl::StrCat(pair.first, " ", pair.second), previous});
      }
      first = false;
      ++chunks;
    }
    const grpc::Status status = reader->Finish();
    whole_stream.push_back(MillisSince(t0));
    previous = absl::StrCat(pair.first, " ", pair.second, ", ", chunks, " chunks in ",
                            static_cast<int64_t>(whole_stream.back()), " ms");
    if (!status.ok() && status.error_code() != grpc::StatusCode::NOT_FOUND && failure.ok()) {
      failure = absl::InternalError(absl::StrCat("StreamGrantTrace ", pair.first, " ",
                                                 pair.second, ": ", status.error_message()));
    }
  }
  // A client that gives up: whole traces at a past ledger point, which are always computed,
  // asked once in full and once with a deadline of 100 ms.
  std::vector<double> full_cpu, abandoned_cpu;
  for (size_t i = 0; i < pairs.size() && i < 5 && head_size > 1; ++i) {
    for (const bool give_up : {false, true}) {
      booo::v1::GetGrantRequest request;
      request.set_municipality_code(pairs[i].first);
      request.set_spending_year(pairs[i].second);
      request.mutable_known_at()->set_tree_size(head_size - 1);
      booo::v1::GetGrantResponse response;
      grpc::ClientContext context;
      if (give_up) {
        context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(100));
      }
      CpuUntilIdleMillis();
      const double cpu = ProcessCpuMillis();
      const grpc::Status status = stub->GetGrant(&context, request, &response);
      const double after = CpuUntilIdleMillis();
      if (give_up && status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
        abandoned_cpu.push_back(after);
      } else if (!give_up && status.ok()) {
        full_cpu.push_back(ProcessCpuMillis() - cpu);
      } else if (!status.ok() && status.error_code() != grpc::StatusCode::NOT_FOUND &&
                 failure.ok()) {
        // (A call given up that answered within its deadline is simply not counted.)
        failure = absl::InternalError(absl::StrCat("GetGrant at tree size ", head_size - 1, " ",
                                                   pairs[i].first, " ", pairs[i].second, ": ",
                                                   status.error_message()));
      }
    }
  }
  if (!full_cpu.empty()) {
    figures.past_full_cpu_p50_ms = Percentile(full_cpu, 0.5);
    figures.past_full_cpu_max_ms = *std::max_element(full_cpu.begin(), full_cpu.end());
  }
  if (!abandoned_cpu.empty()) {
    figures.past_abandoned_cpu_p50_ms = Percentile(abandoned_cpu, 0.5);
    figures.past_abandoned_cpu_max_ms =
        *std::max_element(abandoned_cpu.begin(), abandoned_cpu.end());
  }
  server->Shutdown();
  RETURN_IF_ERROR(failure);
  figures.cold_p50_ms = Percentile(cold, 0.5);
  figures.cold_p99_ms = Percentile(cold, 0.99);
  figures.warm_p50_ms = Percentile(warm, 0.5);
  figures.warm_p99_ms = Percentile(warm, 0.99);
  figures.top_p50_ms = Percentile(top, 0.5);
  figures.top_p99_ms = Percentile(top, 0.99);
  if (!first_chunk.empty()) {
    figures.stream_first_p50_ms = Percentile(first_chunk, 0.5);
    figures.stream_first_p99_ms = Percentile(first_chunk, 0.99);
  }
  std::sort(samples.begin(), samples.end(),
            [](const FirstChunkSample& a, const FirstChunkSample& b) { return a.ms > b.ms; });
  for (size_t i = 0; i < samples.size() && i < 3; ++i) {
    absl::StrAppend(&figures.stream_first_slowest, i == 0 ? "" : "; ",
                    absl::StrFormat("%.2f ms (%s; the stream before: %s)", samples[i].ms,
                                    samples[i].grant, samples[i].before));
  }
  figures.stream_whole_p50_ms = Percentile(whole_stream, 0.5);
  figures.stream_whole_p99_ms = Percentile(whole_stream, 0.99);
  return figures;
}

}  // namespace booo::bench
