#include "tools/bench/restart_bench.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/str_cat.h"
#include "booo/v1/grants_service.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "ledger/core/status_macros.h"
#include "tools/bench/ledgerd_process.h"
#include "tools/bench/percentile.h"

namespace booo::bench {
namespace {

using Clock = std::chrono::steady_clock;

double MillisSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

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
  std::vector<double> first_chunk, stream_whole;
  for (const auto& [code, year] : pairs) {
    booo::v1::GetGrantRequest request;
    request.set_municipality_code(code);
    request.set_spending_year(year);
    grpc::ClientContext context;
    t0 = Clock::now();
    std::unique_ptr<grpc::ClientReader<booo::v1::GrantTraceChunk>> reader =
        stub->StreamGrantTrace(&context, request);
    booo::v1::GrantTraceChunk chunk;
    bool first = true;
    while (reader->Read(&chunk)) {
      if (first) first_chunk.push_back(MillisSince(t0));
      first = false;
    }
    const grpc::Status s = reader->Finish();
    if (s.error_code() == grpc::StatusCode::NOT_FOUND) continue;  // no grant that year
    if (!s.ok() || first) {
      return absl::InternalError(
          absl::StrCat("StreamGrantTrace ", code, " ", year, ": ", s.ok() ? "no chunk" : s.error_message()));
    }
    stream_whole.push_back(MillisSince(t0));
  }
  figures.stream_first_p50_ms = Percentile(first_chunk, 0.5);
  figures.stream_first_p99_ms = Percentile(first_chunk, 0.99);
  figures.stream_first_max_ms =
      first_chunk.empty() ? 0 : *std::max_element(first_chunk.begin(), first_chunk.end());
  figures.stream_whole_p50_ms = Percentile(stream_whole, 0.5);
  figures.stream_whole_p99_ms = Percentile(stream_whole, 0.99);
  stub.reset();
  RETURN_IF_ERROR(restarted.Stop().status());
  figures.peak_rss_bytes = restarted.high_water();
  figures.sampled_rss_bytes = std::max(figures.sampled_rss_bytes, restarted.peak_sampled());
  return figures;
}

}  // namespace booo::bench
