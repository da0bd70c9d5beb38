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
#include "CLI/CLI.hpp"
#include "tools/ledgerctl/verified_export.h"

namespace booo::ledgerctl {

class GrantBackend {
 public:
  // `offline.export_file` empty: the server at `address`; else the export, verified (or found
  // verified by its index, verified_export.h) and answered locally.
  static absl::StatusOr<std::unique_ptr<GrantBackend>> Open(const std::string& address,
                                                            const OfflineSource& offline);
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

// --export, --checkpoint and --reverify on an offline-capable query command.
void AddOfflineOptions(CLI::App& command, OfflineSource& offline);

}  // namespace booo::ledgerctl

#endif  // BOOO_TOOLS_LEDGERCTL_GRANT_BACKEND_H_
