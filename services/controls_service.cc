#include "services/controls_service.h"

#include "ledger/civil_date.h"
#include "services/answer.h"

namespace booo::services {
namespace {}  // namespace

grpc::Status ControlsService::ListSignals(grpc::ServerContext* context,
                                          const booo::v1::ListSignalsRequest* request,
                                          booo::v1::ListSignalsResponse* response) {
  const int64_t today = clock_->NowMicros() / ledger::kMicrosPerDay;
  return Answer("ListSignals", projection_->ListSignals(*request, today), response);
}

grpc::Status ControlsService::GetSisaFigures(grpc::ServerContext* context,
                                             const booo::v1::GetSisaFiguresRequest* request,
                                             booo::v1::SisaFigures* response) {
  return Answer("GetSisaFigures", projection_->GetSisaFigures(*request), response);
}

grpc::Status ControlsService::GetBudgetExecution(grpc::ServerContext* context,
                                                 const booo::v1::GetBudgetExecutionRequest* request,
                                                 booo::v1::BudgetExecution* response) {
  return Answer("GetBudgetExecution", projection_->GetBudgetExecution(*request), response);
}

grpc::Status ControlsService::GetAccommodationMix(
    grpc::ServerContext* context, const booo::v1::GetAccommodationMixRequest* request,
    booo::v1::AccommodationMix* response) {
  return Answer("GetAccommodationMix", projection_->GetAccommodationMix(*request), response);
}

}  // namespace booo::services
