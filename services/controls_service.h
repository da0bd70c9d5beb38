// The Controls gRPC service: decodes a request, asks the Controls query facade (services/wire/), converts the
// status once. The server's clock gives the default day deadlines are judged on.
#ifndef BOOO_SERVICES_CONTROLS_SERVICE_H_
#define BOOO_SERVICES_CONTROLS_SERVICE_H_

#include "booo/v1/controls_service.grpc.pb.h"
#include "ledger/core/clock.h"
#include "services/wire/controls_queries.h"
#include "services/call_gate.h"

namespace booo::services {

class ControlsService final : public booo::v1::Controls::Service {
 public:
  // None is owned; all must outlive the service. Every call passes `gate` first.
  ControlsService(wire::ControlsQueries* queries, CallGate* gate, ledger::Clock* clock)
      : projection_(queries), gate_(gate), clock_(clock) {}

  grpc::Status ListSignals(grpc::ServerContext* context,
                           const booo::v1::ListSignalsRequest* request,
                           booo::v1::ListSignalsResponse* response) override;
  grpc::Status GetSisaFigures(grpc::ServerContext* context,
                              const booo::v1::GetSisaFiguresRequest* request,
                              booo::v1::SisaFigures* response) override;
  grpc::Status GetBudgetExecution(grpc::ServerContext* context,
                                  const booo::v1::GetBudgetExecutionRequest* request,
                                  booo::v1::BudgetExecution* response) override;
  grpc::Status GetAccommodationMix(grpc::ServerContext* context,
                                   const booo::v1::GetAccommodationMixRequest* request,
                                   booo::v1::AccommodationMix* response) override;

 private:
  wire::ControlsQueries* const projection_;
  CallGate* const gate_;
  ledger::Clock* const clock_;
};

}  // namespace booo::services

#endif  // BOOO_SERVICES_CONTROLS_SERVICE_H_
