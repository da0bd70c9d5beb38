// What every gRPC call passes on its way in and out, as a server interceptor: its trace
// (services/trace_context.h: the caller's `traceparent` continued, or a new trace, sent back
// in the response's initial metadata), its metrics (grpc_server_* by method and code,
// services/metrics.h), and a log line for every refusal with the trace and span ids. The
// handlers decide; this only watches.
#ifndef BOOO_SERVICES_CALL_OBSERVER_H_
#define BOOO_SERVICES_CALL_OBSERVER_H_

#include "grpcpp/support/server_interceptor.h"
#include "services/metrics.h"

namespace booo::services {

class CallObserverFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  // `metrics` (may be null: traces and refusal logs only) must outlive the server.
  explicit CallObserverFactory(Metrics* metrics) : metrics_(metrics) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  Metrics* const metrics_;
};

}  // namespace booo::services

#endif  // BOOO_SERVICES_CALL_OBSERVER_H_
