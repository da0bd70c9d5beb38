// Where ledgerctl's grant queries are answered: a ledgerd (the Grants service) or, offline, an
// export file that is verified first and replayed locally with the same code the server runs.
// The offline path is how an auditor re-derives every figure without trusting the server.
#ifndef BOOO_TOOLS_LEDGERCTL_GRANT_BACKEND_H_
#define BOOO_TOOLS_LEDGERCTL_GRANT_BACKEND_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "booo/v1/controls_service.grpc.pb.h"
#include "booo/v1/grants_service.grpc.pb.h"
#include "replay/event_log.h"
#include "replay/grant_projection.h"

namespace booo::ledgerctl {

class GrantBackend {
 public:
  // `export_file` empty: the server at `address`.
  static absl::StatusOr<GrantBackend> Open(const std::string& address,
                                           const std::string& export_file);

  absl::StatusOr<booo::v1::GetGrantResponse> GetGrant(const booo::v1::GetGrantRequest& r);
  absl::StatusOr<booo::v1::ListBalancesResponse> ListBalances(
      const booo::v1::ListBalancesRequest& r);
  absl::StatusOr<booo::v1::ReplaySettlementResponse> ReplaySettlement(
      const booo::v1::ReplaySettlementRequest& r);
  absl::StatusOr<booo::v1::SimulateAmendmentResponse> SimulateAmendment(
      const booo::v1::SimulateAmendmentRequest& r);
  absl::StatusOr<booo::v1::ListSignalsResponse> ListSignals(const booo::v1::ListSignalsRequest& r);
  absl::StatusOr<booo::v1::SisaFigures> GetSisaFigures(const booo::v1::GetSisaFiguresRequest& r);
  absl::StatusOr<booo::v1::BudgetExecution> GetBudgetExecution(
      const booo::v1::GetBudgetExecutionRequest& r);
  absl::StatusOr<booo::v1::AccommodationMix> GetAccommodationMix(
      const booo::v1::GetAccommodationMixRequest& r);

 private:
  std::unique_ptr<booo::v1::Grants::Stub> stub_;
  std::unique_ptr<booo::v1::Controls::Stub> controls_;
  std::unique_ptr<replay::MemoryEventLog> log_;
  std::unique_ptr<replay::GrantProjection> projection_;
};

}  // namespace booo::ledgerctl

#endif  // BOOO_TOOLS_LEDGERCTL_GRANT_BACKEND_H_
