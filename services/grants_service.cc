#include "services/grants_service.h"

#include <memory>
#include <string>
#include <vector>

#include "grpc/slice.h"
#include "services/answer.h"

namespace booo::services {
namespace {

// A slice over bytes the projection shares, released with them when gRPC is done.
grpc::Slice SharedSlice(std::shared_ptr<const std::string> bytes) {
  auto* owner = new std::shared_ptr<const std::string>(std::move(bytes));
  grpc_slice slice = grpc_slice_new_with_user_data(
      const_cast<char*>((*owner)->data()), (*owner)->size(),
      [](void* p) { delete static_cast<std::shared_ptr<const std::string>*>(p); }, owner);
  return grpc::Slice(slice, grpc::Slice::STEAL_REF);
}

}  // namespace

grpc::ServerUnaryReactor* GrantsService::GetGrant(grpc::CallbackServerContext* context,
                                                  const grpc::ByteBuffer* request,
                                                  grpc::ByteBuffer* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  std::vector<grpc::Slice> slices;
  booo::v1::GetGrantRequest parsed;
  std::string bytes;
  if (request->Dump(&slices).ok()) {
    for (const grpc::Slice& s : slices)
      bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  if (!parsed.ParseFromString(bytes)) {
    reactor->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                 "request: is not a serialized booo.v1.GetGrantRequest"));
    return reactor;
  }
  queries_.Submit([this, reactor, response, request = std::move(parsed)] {
    absl::StatusOr<replay::SerializedGrant> answer = projection_->GetGrantSerialized(request);
    if (!answer.ok()) {
      reactor->Finish(Refusal("GetGrant", answer.status()));
      return;
    }
    std::vector<grpc::Slice> out;
    out.push_back(SharedSlice(std::move(answer->bytes)));
    if (!answer->tail.empty()) out.emplace_back(answer->tail);
    *response = grpc::ByteBuffer(out.data(), out.size());
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
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
