#include "services/grants_service.h"

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

}  // namespace

grpc::Status GrantsService::GetGrant(grpc::ServerContext* context,
                                     const booo::v1::GetGrantRequest* request,
                                     booo::v1::GetGrantResponse* response) {
  return Answer("GetGrant", projection_->GetGrant(*request), response);
}

grpc::Status GrantsService::ListBalances(grpc::ServerContext* context,
                                         const booo::v1::ListBalancesRequest* request,
                                         booo::v1::ListBalancesResponse* response) {
  return Answer("ListBalances", projection_->ListBalances(*request), response);
}

grpc::Status GrantsService::ReplaySettlement(grpc::ServerContext* context,
                                             const booo::v1::ReplaySettlementRequest* request,
                                             booo::v1::ReplaySettlementResponse* response) {
  return Answer("ReplaySettlement", projection_->ReplaySettlement(*request), response);
}

grpc::Status GrantsService::SimulateAmendment(grpc::ServerContext* context,
                                              const booo::v1::SimulateAmendmentRequest* request,
                                              booo::v1::SimulateAmendmentResponse* response) {
  return Answer("SimulateAmendment", projection_->SimulateAmendment(*request), response);
}

}  // namespace booo::services
