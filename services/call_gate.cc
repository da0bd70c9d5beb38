#include "services/call_gate.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "ledger/core/status_macros.h"

namespace booo::services {
absl::StatusOr<Caller> CallGate::Admit(const grpc::ServerContextBase& context) {
  ASSIGN_OR_RETURN(Caller caller, identifier_.Identify(context));
  if (std::optional<double> wait_ms = rates_.Take(caller.limit_key, clock_->NowMicros())) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "request rate: ", caller.Describe(), " is over its limit of ",
        limits_.requests_per_second, " requests per second (bursts of ", limits_.request_burst,
        "); retry in ", *wait_ms, " ms"));
  }
  return caller;
}

absl::StatusOr<CallGate::StreamSlot> CallGate::OpenStream(const Caller& caller) {
  absl::MutexLock lock(&mutex_);
  int& open = open_streams_[caller.limit_key];
  if (open >= limits_.max_subscriptions) {
    if (open == 0) open_streams_.erase(caller.limit_key);
    return absl::ResourceExhaustedError(absl::StrCat(
        "subscriptions: ", caller.Describe(), " already holds ", limits_.max_subscriptions,
        " open Subscribe streams, the most one identity may hold"));
  }
  ++open;
  return StreamSlot(this, caller.limit_key);
}

CallGate::StreamSlot::~StreamSlot() {
  if (gate_ == nullptr) return;
  absl::MutexLock lock(&gate_->mutex_);
  auto it = gate_->open_streams_.find(key_);
  if (it != gate_->open_streams_.end() && --it->second <= 0) gate_->open_streams_.erase(it);
}

}  // namespace booo::services
