// Where ledgerctl's grant and controls queries are answered: one interface, two homes. A
// ledgerd (the Grants and Controls services, RemoteGrantBackend) or, offline, an export file
// that is verified first and replayed locally by the same query facades the server runs
// (services/wire/, LocalGrantBackend). The offline path is how an auditor re-derives every
// figure without trusting the server.
#ifndef BOOO_TOOLS_LEDGERCTL_GRANT_BACKEND_H_
#define BOOO_TOOLS_LEDGERCTL_GRANT_BACKEND_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "booo/v1/controls_service.pb.h"
#include "booo/v1/grants_service.pb.h"

namespace booo::ledgerctl {

class GrantBackend {
 public:
  // `export_file` empty: the server at `address`; else the verified export, answered locally.
  static absl::StatusOr<std::unique_ptr<GrantBackend>> Open(const std::string& address,
                                                            const std::string& export_file);
  virtual ~GrantBackend() = default;

  virtual absl::StatusOr<booo::v1::GetGrantResponse> GetGrant(
      const booo::v1::GetGrantRequest& r) = 0;
  virtual absl::StatusOr<booo::v1::ListBalancesResponse> ListBalances(
      const booo::v1::ListBalancesRequest& r) = 0;
  virtual absl::StatusOr<booo::v1::ReplaySettlementResponse> ReplaySettlement(
      const booo::v1::ReplaySettlementRequest& r) = 0;
  virtual absl::StatusOr<booo::v1::SimulateAmendmentResponse> SimulateAmendment(
      const booo::v1::SimulateAmendmentRequest& r) = 0;
  virtual absl::StatusOr<booo::v1::ListSignalsResponse> ListSignals(
      const booo::v1::ListSignalsRequest& r) = 0;
  virtual absl::StatusOr<booo::v1::SisaFigures> GetSisaFigures(
      const booo::v1::GetSisaFiguresRequest& r) = 0;
  virtual absl::StatusOr<booo::v1::BudgetExecution> GetBudgetExecution(
      const booo::v1::GetBudgetExecutionRequest& r) = 0;
  virtual absl::StatusOr<booo::v1::AccommodationMix> GetAccommodationMix(
      const booo::v1::GetAccommodationMixRequest& r) = 0;
};

}  // namespace booo::ledgerctl

#endif  // BOOO_TOOLS_LEDGERCTL_GRANT_BACKEND_H_
