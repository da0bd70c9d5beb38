#include "services/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace booo::services {
namespace {

constexpr size_t kPruneAbove = 4096;

}  // namespace

std::optional<double> RateLimiter::Take(const std::string& key, int64_t now_micros) {
  if (rate_ <= 0) return std::nullopt;
  absl::MutexLock lock(&mutex_);
  auto [it, inserted] = buckets_.try_emplace(key);
  Bucket& bucket = it->second;
  if (inserted) {
    bucket.tokens = burst_;
    bucket.refilled_at_micros = now_micros;
  } else if (now_micros > bucket.refilled_at_micros) {
    bucket.tokens = std::min(
        burst_, bucket.tokens + static_cast<double>(now_micros - bucket.refilled_at_micros) * rate_ / 1e6);
    bucket.refilled_at_micros = now_micros;
  }
  if (bucket.tokens < 1) return std::ceil((1 - bucket.tokens) / rate_ * 1e3);
  bucket.tokens -= 1;
  // A scan of every bucket, at most once a second: many clients (addresses) cannot make every
  // request pay for it.
  if (buckets_.size() > kPruneAbove && now_micros - pruned_at_micros_ >= 1'000'000) {
    pruned_at_micros_ = now_micros;
    PruneLocked(now_micros);
  }
  return std::nullopt;
}

void RateLimiter::PruneLocked(int64_t now_micros) {
  absl::erase_if(buckets_, [&](const auto& entry) {
    const Bucket& b = entry.second;
    return b.tokens + static_cast<double>(now_micros - b.refilled_at_micros) * rate_ / 1e6 >= burst_;
  });
}

}  // namespace booo::services
