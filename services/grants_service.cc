#include "services/grants_service.h"

#include "services/answer.h"

namespace booo::services {
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
