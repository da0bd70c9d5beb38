// health, access-log: the operator's probe (an exec probe over mutual TLS, where the kubelet's
// own gRPC probe cannot speak TLS) and the read-access log for the ministry and the auditors
// (README "Operating ledgerd").
#include <chrono>
#include <future>
#include <iostream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "booo/v1/access_log_service.grpc.pb.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "ledger/core/status_macros.h"
#include "tools/ledgerctl/client.h"
#include "tools/ledgerctl/commands.h"

namespace booo::ledgerctl {
namespace {

// grpc.health.v1.Health/Check. Its two messages are one field each, encoded here by hand
// (HealthCheckRequest{string service = 1}, HealthCheckResponse{ServingStatus status = 1}):
// the standard service's stubs are not among the headers gRPC installs.
absl::StatusOr<int> CheckHealth(const std::string& address, const std::string& service,
                                absl::Duration timeout) {
  grpc::GenericStub stub(OpenChannel(address));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  std::string request_bytes;
  if (!service.empty()) {
    if (service.size() > 127) return absl::InvalidArgumentError("--service: too long");
    request_bytes = absl::StrCat(absl::string_view("\x0a", 1),
                                 std::string(1, static_cast<char>(service.size())), service);
  }
  grpc::Slice slice(request_bytes);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request,
                 &response, [&](grpc::Status status) { done.set_value(status); });
  RETURN_IF_ERROR(FromGrpc(done.get_future().get()));
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (response.Dump(&slices).ok()) {
    for (const grpc::Slice& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  if (bytes.empty()) return 0;  // UNKNOWN: the field at its default
  if (bytes.size() != 2 || bytes[0] != '\x08') {
    return absl::DataLossError("health: the answer is not a HealthCheckResponse");
  }
  return static_cast<int>(bytes[1]);
}

const char* HealthName(int status) {
  switch (status) {
    case 1:
      return "SERVING";
    case 2:
      return "NOT_SERVING";
    case 3:
      return "SERVICE_UNKNOWN";
    default:
      return "UNKNOWN";
  }
}

// "2026-12-06", "2026-12-06T14:00:00Z" or Unix milliseconds.
absl::StatusOr<int64_t> ParseMillis(const std::string& flag, const std::string& text) {
  int64_t millis = 0;
  if (absl::SimpleAtoi(text, &millis)) return millis;
  absl::Time time;
  std::string error;
  if (absl::ParseTime(absl::RFC3339_full, text, &time, &error) ||
      absl::ParseTime("%Y-%m-%d", text, absl::UTCTimeZone(), &time, &error)) {
    return absl::ToUnixMillis(time);
  }
  return absl::InvalidArgumentError(absl::StrCat(
      flag, ": \"", text, "\" is not a date (2026-12-06, UTC midnight), an RFC 3339 time or "
      "Unix milliseconds"));
}

struct AccessLogArgs {
  std::string municipality;
  std::string from = "0";
  std::string to;
  uint32_t page = 1000;
};

absl::Status PrintAccessLog(const Globals& globals, const AccessLogArgs& args) {
  booo::v1::ListAccessRecordsRequest request;
  request.set_municipality_code(args.municipality);
  ASSIGN_OR_RETURN(int64_t from, ParseMillis("--from", args.from));
  request.set_from_unix_millis(from);
  if (!args.to.empty()) {
    ASSIGN_OR_RETURN(int64_t to, ParseMillis("--to", args.to));
    request.set_to_unix_millis(to);
  }
  request.set_max_records(args.page);
  auto stub = booo::v1::AccessLog::NewStub(OpenChannel(globals.server));
  google::protobuf::util::JsonPrintOptions json;
  json.preserve_proto_field_names = true;
  json.always_print_primitive_fields = true;
  for (;;) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    booo::v1::ListAccessRecordsResponse page;
    RETURN_IF_ERROR(FromGrpc(stub->ListAccessRecords(&context, request, &page)));
    for (const booo::v1::AccessRecord& record : page.records()) {
      std::string line;
      if (!google::protobuf::util::MessageToJsonString(record, &line, json).ok()) {
        return absl::InternalError("access-log: a record cannot be printed");
      }
      std::cout << line << "\n";
    }
    if (page.next_page_token().empty()) return absl::OkStatus();
    request.set_page_token(page.next_page_token());
  }
}

}  // namespace

void AddOpsCommands(CLI::App& app, Globals& globals, int& exit_code) {
  CLI::App* health = app.add_subcommand(
      "health",
      "ask --server's grpc.health.v1 service (with the TLS flags: over mutual TLS); exit 0 "
      "only when SERVING");
  static std::string service;
  static double timeout_seconds = 3;
  health->add_option("--service", service,
                     "the service to ask about: \"\" (the server), booo.readiness, "
                     "booo.liveness, booo.v1.Ledger, ...")
      ->capture_default_str();
  health->add_option("--timeout", timeout_seconds, "seconds to wait for the answer")
      ->capture_default_str();
  health->callback([&globals, &exit_code] {
    absl::StatusOr<int> status =
        CheckHealth(globals.server, service, absl::Seconds(timeout_seconds));
    if (!status.ok()) {
      exit_code = Report(status.status());
      return;
    }
    std::cout << HealthName(*status) << "\n";
    exit_code = *status == 1 ? 0 : 1;
  });

  CLI::App* access = app.add_subcommand(
      "access-log",
      "the reads ledgerd recorded (Logboek Dataverwerkingen records, one JSON object per "
      "line, oldest first); ministry and auditor keys only");
  static AccessLogArgs args;
  access->add_option("--municipality", args.municipality,
                     "GM0363: its reads, and the reads of every municipality at once; default: "
                     "all records");
  access->add_option("--from", args.from,
                     "first start time, inclusive (2026-12-06, an RFC 3339 time or Unix ms)")
      ->capture_default_str();
  access->add_option("--to", args.to, "last start time, exclusive (default: now)");
  access->add_option("--page", args.page, "records per request")->capture_default_str();
  access->callback(
      [&globals, &exit_code] { exit_code = Report(PrintAccessLog(globals, args)); });
}

}  // namespace booo::ledgerctl
