// The Grants gRPC service: decodes a request, asks the grant projection (replay/), converts the
// status once. The calculation and its rules live in replay/.
#ifndef BOOO_SERVICES_GRANTS_SERVICE_H_
#define BOOO_SERVICES_GRANTS_SERVICE_H_

#include "booo/v1/grants_service.grpc.pb.h"
#include "replay/grant_projection.h"

namespace booo::services {

class GrantsService final : public booo::v1::Grants::Service {
 public:
  explicit GrantsService(replay::GrantProjection* projection) : projection_(projection) {}

  grpc::Status GetGrant(grpc::ServerContext* context, const booo::v1::GetGrantRequest* request,
                        booo::v1::GetGrantResponse* response) override;
  grpc::Status ListBalances(grpc::ServerContext* context,
                            const booo::v1::ListBalancesRequest* request,
                            booo::v1::ListBalancesResponse* response) override;
  grpc::Status ReplaySettlement(grpc::ServerContext* context,
                                const booo::v1::ReplaySettlementRequest* request,
                                booo::v1::ReplaySettlementResponse* response) override;
  grpc::Status SimulateAmendment(grpc::ServerContext* context,
                                 const booo::v1::SimulateAmendmentRequest* request,
                                 booo::v1::SimulateAmendmentResponse* response) override;

 private:
  replay::GrantProjection* const projection_;
};

}  // namespace booo::services

#endif  // BOOO_SERVICES_GRANTS_SERVICE_H_
