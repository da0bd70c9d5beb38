// The AccessLog gRPC service: the read-access log (services/access_log.h) for the ministry and
// the auditors. Reading it is itself a recorded read.
#ifndef BOOO_SERVICES_ACCESS_LOG_SERVICE_H_
#define BOOO_SERVICES_ACCESS_LOG_SERVICE_H_

#include "booo/v1/access_log_service.grpc.pb.h"
#include "services/access_log.h"
#include "services/call_gate.h"

namespace booo::services {

class AccessLogService final : public booo::v1::AccessLog::Service {
 public:
  // Neither is owned; both must outlive the service.
  AccessLogService(AccessLog* log, CallGate* gate) : log_(log), gate_(gate) {}

  grpc::Status ListAccessRecords(grpc::ServerContext* context,
                                 const booo::v1::ListAccessRecordsRequest* request,
                                 booo::v1::ListAccessRecordsResponse* response) override;

 private:
  AccessLog* const log_;
  CallGate* const gate_;
};

}  // namespace booo::services

#endif  // BOOO_SERVICES_ACCESS_LOG_SERVICE_H_
