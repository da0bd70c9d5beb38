// The one conversion from absl::Status to grpc::Status, used at the service edge only.
#ifndef BOOO_SERVICES_GRPC_STATUS_H_
#define BOOO_SERVICES_GRPC_STATUS_H_

#include <string>

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace booo::services {

// absl and gRPC share their code numbers, so the code maps 1:1; the message is kept as is.
inline grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

}  // namespace booo::services

#endif  // BOOO_SERVICES_GRPC_STATUS_H_
