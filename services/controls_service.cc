#include "services/controls_service.h"

#include "services/grpc_status.h"
#include "services/log.h"

namespace booo::services {
namespace {

template <typename Response>
grpc::Status Answer(const char* method, absl::StatusOr<Response> result, Response* response) {
  if (!result.ok()) {
    if (absl::IsDataLoss(result.status()) || absl::IsInternal(result.status())) {
      Log("error", method, {{"status", result.status().ToString()}});
    }
    return ToGrpcStatus(result.status());
  }
  *response = *std::move(result);
  return grpc::Status::OK;
}

constexpr int64_t kMicrosPerDay = int64_t{86'400} * 1'000'000;

}  // namespace

grpc::Status ControlsService::ListSignals(grpc::ServerContext* context,
                                          const booo::v1::ListSignalsRequest* request,
                                          booo::v1::ListSignalsResponse* response) {
  const int64_t today = clock_->NowMicros() / kMicrosPerDay;
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
