// The tail of every thin gRPC handler: move the core's answer into the response, or convert its
// status once (ToGrpcStatus), logging the failures that mean damage or a bug.
#ifndef BOOO_SERVICES_ANSWER_H_
#define BOOO_SERVICES_ANSWER_H_

#include "absl/status/statusor.h"
#include "services/grpc_status.h"
#include "services/log.h"

namespace booo::services {

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

}  // namespace booo::services

#endif  // BOOO_SERVICES_ANSWER_H_
