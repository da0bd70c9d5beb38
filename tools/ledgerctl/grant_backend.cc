#include "tools/ledgerctl/grant_backend.h"

#include <iostream>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "booo/v1/controls_service.grpc.pb.h"
#include "booo/v1/grants_service.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "ledger/core/event_validation.h"
#include "ledger/core/export_file.h"
#include "ledger/core/leaf_format.h"
#include "ledger/core/merkle.h"
#include "ledger/core/status_macros.h"
#include "ledger/core/verifier.h"
#include "replay/calc/grant_payload_rules.h"
#include "replay/calc/rule_guard.h"
#include "replay/projection/event_log.h"
#include "services/wire/queries.h"
#include "tools/ledgerctl/client.h"
#include "tools/ledgerctl/verified_export.h"

namespace booo::ledgerctl {
namespace {

template <typename Request, typename Response, typename Stub, typename Method>
absl::StatusOr<Response> Remote(Stub& stub, Method method, const Request& request) {
  grpc::ClientContext context;
  Response response;
  RETURN_IF_ERROR(FromGrpc((stub.*method)(&context, request, &response)));
  return response;
}


// The Grants and Controls services of a ledgerd.
class RemoteGrantBackend final : public GrantBackend {
 public:
  explicit RemoteGrantBackend(const std::string& address) {
    auto channel = OpenChannel(address);
    grants_ = booo::v1::Grants::NewStub(channel);
    controls_ = booo::v1::Controls::NewStub(channel);
  }
  absl::StatusOr<booo::v1::GetGrantResponse> GetGrant(const booo::v1::GetGrantRequest& r) override {
    return Remote<booo::v1::GetGrantRequest, booo::v1::GetGrantResponse>(
        *grants_, &booo::v1::Grants::Stub::GetGrant, r);
  }
  absl::StatusOr<booo::v1::ListBalancesResponse> ListBalances(
      const booo::v1::ListBalancesRequest& r) override {
    return Remote<booo::v1::ListBalancesRequest, booo::v1::ListBalancesResponse>(
        *grants_, &booo::v1::Grants::Stub::ListBalances, r);
  }
  absl::StatusOr<booo::v1::ReplaySettlementResponse> ReplaySettlement(
      const booo::v1::ReplaySettlementRequest& r) override {
    return Remote<booo::v1::ReplaySettlementRequest, booo::v1::ReplaySettlementResponse>(
        *grants_, &booo::v1::Grants::Stub::ReplaySettlement, r);
  }
  absl::StatusOr<booo::v1::SimulateAmendmentResponse> SimulateAmendment(
      const booo::v1::SimulateAmendmentRequest& r) override {
    return Remote<booo::v1::SimulateAmendmentRequest, booo::v1::SimulateAmendmentResponse>(
        *grants_, &booo::v1::Grants::Stub::SimulateAmendment, r);
  }
  absl::StatusOr<booo::v1::ListSignalsResponse> ListSignals(
      const booo::v1::ListSignalsRequest& r) override {
    return Remote<booo::v1::ListSignalsRequest, booo::v1::ListSignalsResponse>(
        *controls_, &booo::v1::Controls::Stub::ListSignals, r);
  }
  absl::StatusOr<booo::v1::SisaFigures> GetSisaFigures(
      const booo::v1::GetSisaFiguresRequest& r) override {
    return Remote<booo::v1::GetSisaFiguresRequest, booo::v1::SisaFigures>(
        *controls_, &booo::v1::Controls::Stub::GetSisaFigures, r);
  }
  absl::StatusOr<booo::v1::BudgetExecution> GetBudgetExecution(
      const booo::v1::GetBudgetExecutionRequest& r) override {
    return Remote<booo::v1::GetBudgetExecutionRequest, booo::v1::BudgetExecution>(
        *controls_, &booo::v1::Controls::Stub::GetBudgetExecution, r);
  }
  absl::StatusOr<booo::v1::AccommodationMix> GetAccommodationMix(
      const booo::v1::GetAccommodationMixRequest& r) override {
    return Remote<booo::v1::GetAccommodationMixRequest, booo::v1::AccommodationMix>(
        *controls_, &booo::v1::Controls::Stub::GetAccommodationMix, r);
  }

 private:
  std::unique_ptr<booo::v1::Grants::Stub> grants_;
  std::unique_ptr<booo::v1::Controls::Stub> controls_;
};

// A verified export, answered by the server's own query facades.
class LocalGrantBackend final : public GrantBackend {
 public:
  explicit LocalGrantBackend(std::unique_ptr<replay::EventLog> log)
      : log_(std::move(log)), queries_(log_.get()) {}
  absl::StatusOr<booo::v1::GetGrantResponse> GetGrant(const booo::v1::GetGrantRequest& r) override {
    return queries_.grants.GetGrant(r);
  }
  absl::StatusOr<booo::v1::ListBalancesResponse> ListBalances(
      const booo::v1::ListBalancesRequest& r) override {
    return queries_.grants.ListBalances(r);
  }
  absl::StatusOr<booo::v1::ReplaySettlementResponse> ReplaySettlement(
      const booo::v1::ReplaySettlementRequest& r) override {
    return queries_.grants.ReplaySettlement(r);
  }
  absl::StatusOr<booo::v1::SimulateAmendmentResponse> SimulateAmendment(
      const booo::v1::SimulateAmendmentRequest& r) override {
    return queries_.grants.SimulateAmendment(r);
  }
  absl::StatusOr<booo::v1::ListSignalsResponse> ListSignals(
      const booo::v1::ListSignalsRequest& r) override {
    // Offline, deadlines are judged on this machine's day unless the request names one.
    const absl::CivilDay today = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
    return queries_.controls.ListSignals(r, today - absl::CivilDay(1970, 1, 1));
  }
  absl::StatusOr<booo::v1::SisaFigures> GetSisaFigures(
      const booo::v1::GetSisaFiguresRequest& r) override {
    return queries_.controls.GetSisaFigures(r);
  }
  absl::StatusOr<booo::v1::BudgetExecution> GetBudgetExecution(
      const booo::v1::GetBudgetExecutionRequest& r) override {
    return queries_.controls.GetBudgetExecution(r);
  }
  absl::StatusOr<booo::v1::AccommodationMix> GetAccommodationMix(
      const booo::v1::GetAccommodationMixRequest& r) override {
    return queries_.controls.GetAccommodationMix(r);
  }

 private:
  std::unique_ptr<replay::EventLog> log_;
  wire::Queries queries_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<GrantBackend>> GrantBackend::Open(const std::string& address,
                                                                 const OfflineSource& offline) {
  if (offline.export_file.empty()) return std::make_unique<RemoteGrantBackend>(address);
  ASSIGN_OR_RETURN(VerifiedExport opened, OpenVerifiedExport(offline));
  std::cerr << "export " << offline.export_file << ": " << opened.index_note << "\n";
  return std::make_unique<LocalGrantBackend>(std::move(opened.log));
}

void AddOfflineOptions(CLI::App& command, OfflineSource& offline) {
  command.add_option("--export", offline.export_file,
                     "answer offline from an export file, verified on first use (its index "
                     "EXPORT.verified keeps later queries fast)");
  command.add_option("--checkpoint", offline.checkpoint_file,
                     "with --export: verify it against this checkpoint you kept");
  command.add_flag("--reverify", offline.reverify,
                   "with --export: verify again even when its verified index matches");
}

}  // namespace booo::ledgerctl
