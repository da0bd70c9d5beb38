#include "services/access_log_service.h"

#include "services/access_policy.h"
#include "services/answer.h"

namespace booo::services {

grpc::Status AccessLogService::ListAccessRecords(
    grpc::ServerContext* context, const booo::v1::ListAccessRecordsRequest* request,
    booo::v1::ListAccessRecordsResponse* response) {
  absl::StatusOr<Caller> caller = gate_->Admit(*context);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  RecordedRead read(log_, *context, *caller, "booo.v1.AccessLog/ListAccessRecords");
  read.set_municipality(request->municipality_code().empty() ? "*"
                                                             : request->municipality_code());
  // Ministry and auditors only: not even a mirror, which reads everything else.
  if (!caller->development && caller->role != booo::v1::ROLE_MINISTRY &&
      caller->role != booo::v1::ROLE_AUDITOR) {
    return read.Close(grpc::Status(
        grpc::StatusCode::PERMISSION_DENIED,
        "ListAccessRecords: only ministry and auditor keys may read the access log; the caller "
        "is " + caller->Describe()));
  }
  return read.Close(Answer("ListAccessRecords", log_->List(*request), response));
}

}  // namespace booo::services
