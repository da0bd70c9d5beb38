// The door every call passes: who is calling (CallerIdentifier), then whether that identity
// is within its limits. A token bucket per identity bounds its request rate, a counter its
// concurrent Subscribe streams; both refuse with RESOURCE_EXHAUSTED naming the limit, so one
// runaway client slows only itself. Thread-safe.
#ifndef BOOO_SERVICES_CALL_GATE_H_
#define BOOO_SERVICES_CALL_GATE_H_

#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/status/statusor.h"
#include "grpcpp/server_context.h"
#include "ledger/core/clock.h"
#include "services/caller.h"
#include "services/rate_limiter.h"

namespace booo::services {

class AccessLog;

struct CallLimits {
  double requests_per_second = 1000;  // per identity, sustained; 0: no rate limit
  double request_burst = 2000;        // per identity, at once
  int max_subscriptions = 8;          // concurrent Subscribe streams per identity; 0: none
};

class CallGate {
 public:
  // Neither pointer is owned; both must outlive the gate.
  CallGate(const ledger::Ledger* ledger, bool plaintext_development, CallLimits limits,
           ledger::Clock* clock)
      : identifier_(ledger, plaintext_development),
        limits_(limits),
        clock_(clock),
        rates_(limits.requests_per_second, limits.request_burst) {}

  // Where reads are recorded (services/access_log.h); null: nowhere. Set before serving.
  void SetAccessLog(AccessLog* log) { access_log_ = log; }
  AccessLog* access_log() const { return access_log_; }

  // The caller, once identified and counted against its rate.
  absl::StatusOr<Caller> Admit(const grpc::ServerContextBase& context);

  // Held for as long as one Subscribe stream runs.
  class StreamSlot {
   public:
    StreamSlot(StreamSlot&& other) noexcept : gate_(other.gate_), key_(std::move(other.key_)) {
      other.gate_ = nullptr;
    }
    StreamSlot(const StreamSlot&) = delete;
    StreamSlot& operator=(const StreamSlot&) = delete;
    StreamSlot& operator=(StreamSlot&&) = delete;
    ~StreamSlot();

   private:
    friend class CallGate;
    StreamSlot(CallGate* gate, std::string key) : gate_(gate), key_(std::move(key)) {}
    CallGate* gate_;
    std::string key_;
  };
  // RESOURCE_EXHAUSTED when `caller` already runs CallLimits::max_subscriptions streams.
  absl::StatusOr<StreamSlot> OpenStream(const Caller& caller);

 private:
  AccessLog* access_log_ = nullptr;
  const CallerIdentifier identifier_;
  const CallLimits limits_;
  ledger::Clock* const clock_;
  RateLimiter rates_;
  absl::Mutex mutex_;
  absl::flat_hash_map<std::string, int> open_streams_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace booo::services

#endif  // BOOO_SERVICES_CALL_GATE_H_
