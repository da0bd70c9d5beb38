// W3C Trace Context for every call: the `traceparent` a client sends in its gRPC metadata is
// taken (its trace id kept, its span id becoming the parent), or a new trace begins; the
// server's own span id is new per call. The call observer (services/call_observer.h) makes
// one per call and keeps it where the handlers (the access log) and the log lines (Log) find
// it. https://www.w3.org/TR/trace-context/
#ifndef BOOO_SERVICES_TRACE_CONTEXT_H_
#define BOOO_SERVICES_TRACE_CONTEXT_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "grpcpp/server_context.h"

namespace booo::services {

struct TraceContext {
  std::string trace_id;        // 32 lowercase hex digits, not all zero
  std::string span_id;         // 16 lowercase hex digits: this server's span of the call
  std::string parent_span_id;  // the caller's span, when it sent a traceparent
  bool sampled = false;        // the caller's sampled flag, passed on
  // "00-<trace_id>-<span_id>-<flags>": what the server sends back, and what a next hop takes.
  std::string Traceparent() const;
};

// A traceparent header's trace id, parent id and flags; nullopt for a malformed one, or one
// whose trace id or parent id is all zeros (the specification says to start a new trace then).
// Versions other than 00 are read as 00 when their first four fields are well formed.
struct ParsedTraceparent {
  std::string trace_id;
  std::string parent_id;
  bool sampled = false;
};
std::optional<ParsedTraceparent> ParseTraceparent(absl::string_view header);

// A context continuing `parent` (if any) with a new span id, or beginning a new trace.
TraceContext StartSpan(const std::optional<ParsedTraceparent>& parent);

// The calls in progress, by their server context: registered by the call observer when a
// call's metadata arrives, removed when it ends. Thread-safe.
void RegisterCallTrace(const grpc::ServerContextBase* context, TraceContext trace);
void UnregisterCallTrace(const grpc::ServerContextBase* context);
// The call's context; a new trace when the call has none (a server built without the
// observer, as some tests do).
TraceContext CallTrace(const grpc::ServerContextBase& context);

// The trace of the call this thread works on, for log lines (services/log.h); nullptr when
// none. The thread keeps a copy, so a call that ends elsewhere leaves nothing dangling.
const TraceContext* CurrentTrace();
void SetCurrentTrace(const TraceContext& trace);
// Forgets the thread's trace if it is `span_id`'s (another call may have set its own since).
void ClearCurrentTrace(absl::string_view span_id);

}  // namespace booo::services

#endif  // BOOO_SERVICES_TRACE_CONTEXT_H_
