// A token bucket per key (an identity on the gRPC port, a client address on the tiles
// listener): `rate` requests per second sustained, `burst` at once. Buckets that have refilled
// completely are as good as new and are dropped (at most once a second) once there are many,
// so anonymous clients cannot grow the map without bound. Thread-safe.
#ifndef BOOO_SERVICES_RATE_LIMITER_H_
#define BOOO_SERVICES_RATE_LIMITER_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"

namespace booo::services {

class RateLimiter {
 public:
  // `rate` <= 0: no limit.
  RateLimiter(double rate, double burst) : rate_(rate), burst_(burst) {}

  // Takes a token for `key` at `now_micros`: nullopt when it had one, otherwise the
  // milliseconds until it will.
  std::optional<double> Take(const std::string& key, int64_t now_micros)
      ABSL_LOCKS_EXCLUDED(mutex_);
  double rate() const { return rate_; }
  double burst() const { return burst_; }

 private:
  struct Bucket {
    double tokens = 0;
    int64_t refilled_at_micros = 0;
  };
  void PruneLocked(int64_t now_micros) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  const double rate_;
  const double burst_;
  absl::Mutex mutex_;
  absl::flat_hash_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mutex_);
  int64_t pruned_at_micros_ ABSL_GUARDED_BY(mutex_) = 0;
};

}  // namespace booo::services

#endif  // BOOO_SERVICES_RATE_LIMITER_H_
