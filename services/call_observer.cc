#include "services/call_observer.h"

#include <string>

#include "absl/time/clock.h"
#include "services/log.h"
#include "services/trace_context.h"

namespace booo::services {
namespace {

using grpc::experimental::InterceptionHookPoints;

const char* TypeName(grpc::experimental::ServerRpcInfo::Type type) {
  switch (type) {
    case grpc::experimental::ServerRpcInfo::Type::UNARY:
      return "unary";
    case grpc::experimental::ServerRpcInfo::Type::CLIENT_STREAMING:
      return "client_stream";
    case grpc::experimental::ServerRpcInfo::Type::SERVER_STREAMING:
      return "server_stream";
    case grpc::experimental::ServerRpcInfo::Type::BIDI_STREAMING:
      return "bidi_stream";
  }
  return "unknown";
}

// How loud a refusal is: the caller's mistakes are routine, the server's trouble is not.
const char* RefusalLevel(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::DATA_LOSS:
    case grpc::StatusCode::UNKNOWN:
      return "error";
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "warning";
    default:
      return "info";
  }
}

class CallObserver final : public grpc::experimental::Interceptor {
 public:
  CallObserver(grpc::experimental::ServerRpcInfo* info, Metrics* metrics)
      : context_(info->server_context()),
        method_(info->method()),
        type_(TypeName(info->type())),
        metrics_(metrics),
        started_(absl::Now()) {}

  ~CallObserver() override {
    // A call that ended without a status sent (the client went away) still ends.
    if (started_call_ && !finished_) Finish(grpc::StatusCode::CANCELLED, "");
    if (registered_) UnregisterCallTrace(context_);
    ClearCurrentTrace(trace_.span_id);
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      std::optional<ParsedTraceparent> parent;
      if (auto* metadata = methods->GetRecvInitialMetadata(); metadata != nullptr) {
        if (auto it = metadata->find("traceparent"); it != metadata->end()) {
          parent = ParseTraceparent(absl::string_view(it->second.data(), it->second.size()));
        }
      }
      trace_ = StartSpan(parent);
      RegisterCallTrace(context_, trace_);
      registered_ = true;
      SetCurrentTrace(trace_);
      started_call_ = true;
      if (metrics_ != nullptr) metrics_->CallStarted(method_, type_);
    }
    // The handler runs after the request arrives, on the thread that received it.
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_MESSAGE) &&
        registered_) {
      SetCurrentTrace(trace_);
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_INITIAL_METADATA) &&
        registered_) {
      if (auto* metadata = methods->GetSendInitialMetadata(); metadata != nullptr) {
        metadata->emplace("traceparent", trace_.Traceparent());
      }
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS) &&
        started_call_ && !finished_) {
      const grpc::Status status = methods->GetSendStatus();
      Finish(status.error_code(), status.error_message());
    }
    methods->Proceed();
  }

 private:
  void Finish(grpc::StatusCode code, const std::string& message) {
    finished_ = true;
    if (metrics_ != nullptr) {
      metrics_->CallHandled(method_, type_, code, absl::ToDoubleSeconds(absl::Now() - started_));
    }
    if (code != grpc::StatusCode::OK) {
      Log(RefusalLevel(code), "call refused",
          {{"method", method_},
           {"code", GrpcCodeName(code)},
           {"reason", message},
           {"peer", context_ != nullptr ? context_->peer() : ""},
           {"trace_id", trace_.trace_id},
           {"span_id", trace_.span_id}});
    }
    ClearCurrentTrace(trace_.span_id);
  }

  grpc::ServerContextBase* const context_;
  const std::string method_;
  const char* const type_;
  Metrics* const metrics_;
  const absl::Time started_;
  TraceContext trace_;
  bool registered_ = false;
  bool started_call_ = false;
  bool finished_ = false;
};

}  // namespace

grpc::experimental::Interceptor* CallObserverFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new CallObserver(info, metrics_);
}

}  // namespace booo::services
