// The tail of every thin gRPC handler: move the core's answer into the response, or convert its
// status once (ToGrpcStatus), logging the failures that mean damage or a bug.
#ifndef BOOO_SERVICES_ANSWER_H_
#define BOOO_SERVICES_ANSWER_H_

#include "absl/status/statusor.h"
#include "services/grpc_status.h"
#include "services/log.h"

namespace booo::services {

// A failed answer's gRPC status.
inline grpc::Status Refusal(const char* method, const absl::Status& status) {
  if (absl::IsDataLoss(status) || absl::IsInternal(status)) {
    Log("error", method, {{"status", status.ToString()}});
  }
  return ToGrpcStatus(status);
}

template <typename Response>
grpc::Status Answer(const char* method, absl::StatusOr<Response> result, Response* response) {
  if (!result.ok()) return Refusal(method, result.status());
  *response = *std::move(result);
  return grpc::Status::OK;
}

}  // namespace booo::services

#endif  // BOOO_SERVICES_ANSWER_H_
