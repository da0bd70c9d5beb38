// The Grants gRPC service: decodes a request, asks the Grants query facade (services/wire/),
// converts the status once. The calculation and its rules live in replay/.
#ifndef BOOO_SERVICES_GRANTS_SERVICE_H_
#define BOOO_SERVICES_GRANTS_SERVICE_H_

#include <algorithm>
#include <thread>

#include "booo/v1/grants_service.grpc.pb.h"
#include "services/wire/grants_queries.h"
#include "services/call_gate.h"
#include "services/query_pool.h"

namespace booo::services {

// GetGrant is served raw: its answer goes out as bytes the projection serialized once
// (wire::GrantsQueries::GetGrantSerialized), handed to gRPC without a copy.
class GrantsService final
    : public booo::v1::Grants::WithRawCallbackMethod_GetGrant<booo::v1::Grants::Service> {
 public:
  // Neither is owned. Every call passes `gate` first.
  GrantsService(wire::GrantsQueries* queries, CallGate* gate)
      : projection_(queries),
        gate_(gate),
        queries_(std::max(4, 2 * static_cast<int>(std::thread::hardware_concurrency()))) {}

  grpc::ServerUnaryReactor* GetGrant(grpc::CallbackServerContext* context,
                                     const grpc::ByteBuffer* request,
                                     grpc::ByteBuffer* response) override;
  grpc::Status StreamGrantTrace(grpc::ServerContext* context,
                                const booo::v1::GetGrantRequest* request,
                                grpc::ServerWriter<booo::v1::GrantTraceChunk>* writer) override;
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
  wire::GrantsQueries* const projection_;
  CallGate* const gate_;
  QueryPool queries_;  // last: its threads stop before the rest goes
};

}  // namespace booo::services

#endif  // BOOO_SERVICES_GRANTS_SERVICE_H_
