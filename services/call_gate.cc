#include "services/call_gate.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "ledger/core/status_macros.h"

namespace booo::services {
namespace {

constexpr size_t kPruneAbove = 4096;

}  // namespace

absl::StatusOr<Caller> CallGate::Admit(const grpc::ServerContextBase& context) {
  ASSIGN_OR_RETURN(Caller caller, identifier_.Identify(context));
  if (limits_.requests_per_second <= 0) return caller;
  const int64_t now = clock_->NowMicros();
  absl::MutexLock lock(&mutex_);
  auto [it, inserted] = buckets_.try_emplace(caller.limit_key);
  Bucket& bucket = it->second;
  if (inserted) {
    bucket.tokens = limits_.request_burst;
    bucket.refilled_at_micros = now;
  } else if (now > bucket.refilled_at_micros) {
    bucket.tokens = std::min(limits_.request_burst,
                             bucket.tokens + (now - bucket.refilled_at_micros) * 1e-6 *
                                                 limits_.requests_per_second);
    bucket.refilled_at_micros = now;
  }
  if (bucket.tokens < 1) {
    const double wait_ms = std::ceil((1 - bucket.tokens) / limits_.requests_per_second * 1e3);
    return absl::ResourceExhaustedError(absl::StrCat(
        "request rate: ", caller.Describe(), " is over its limit of ",
        limits_.requests_per_second, " requests per second (bursts of ", limits_.request_burst,
        "); retry in ", wait_ms, " ms"));
  }
  bucket.tokens -= 1;
  if (buckets_.size() > kPruneAbove) PruneLocked(now);
  return caller;
}

void CallGate::PruneLocked(int64_t now_micros) {
  absl::erase_if(buckets_, [&](const auto& entry) {
    const Bucket& b = entry.second;
    return b.tokens + (now_micros - b.refilled_at_micros) * 1e-6 * limits_.requests_per_second >=
           limits_.request_burst;
  });
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
