// Parsed municipality streams kept between queries. A parsed body takes about ten times its
// serialized bytes, which at national scale would not fit in memory for every event, so the
// cache holds at most a bound of events in all, evicting the least recently used stream first
// (never the one just asked for). A stream that grew is extended from its parsed prefix: the
// copy shares the prefix's bodies.
//
// Thread safety: every method may be called from any thread; loading happens outside the lock,
// so two queries may parse the same stream at once (the later insertion wins, both answers are
// the same records).
#ifndef BOOO_REPLAY_PROJECTION_PARSED_STREAM_CACHE_H_
#define BOOO_REPLAY_PROJECTION_PARSED_STREAM_CACHE_H_

#include <atomic>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "replay/calc/facts.h"

namespace booo::replay {

class ParsedStreamCache {
 public:
  explicit ParsedStreamCache(size_t max_events, size_t max_bytes = std::numeric_limits<size_t>::max())
      : max_events_(max_events), max_bytes_(max_bytes) {}

  // Appends the records from index `from` on to `records` (which holds the first `from`).
  using Extend = absl::FunctionRef<absl::Status(StreamRecords& records, size_t from)>;

  // The records of stream `code` holding exactly `size` events: from the cache, or made by
  // `extend` from the cached prefix (or from nothing) and kept. An error from `extend` is
  // returned and nothing is kept. The pointer keeps the records alive after eviction.
  absl::StatusOr<std::shared_ptr<const StreamRecords>> Get(const std::string& code, size_t size,
                                                           Extend extend)
      ABSL_LOCKS_EXCLUDED(mutex_);

  // Events held in all now (at most the bound, beyond the most recent stream).
  size_t events_held() const ABSL_LOCKS_EXCLUDED(mutex_);
  // What the held streams weigh in memory: their parsed bodies' arenas and record tables.
  size_t bytes_held() const ABSL_LOCKS_EXCLUDED(mutex_);
  // Gets answered from the cache as they were, and those that parsed (some or all) events.
  uint64_t hits() const { return hits_.load(std::memory_order_relaxed); }
  uint64_t misses() const { return misses_.load(std::memory_order_relaxed); }

 private:
  struct Entry {
    std::shared_ptr<const StreamRecords> records;
    uint64_t last_used = 0;
    size_t bytes = 0;  // records->MemoryBytes() when kept
  };
  void EvictLocked(const std::string& keep) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  const size_t max_events_;
  const size_t max_bytes_;
  mutable absl::Mutex mutex_;
  std::map<std::string, Entry, std::less<>> entries_ ABSL_GUARDED_BY(mutex_);
  size_t events_ ABSL_GUARDED_BY(mutex_) = 0;
  size_t bytes_ ABSL_GUARDED_BY(mutex_) = 0;
  uint64_t clock_ ABSL_GUARDED_BY(mutex_) = 0;
  std::atomic<uint64_t> hits_{0};
  std::atomic<uint64_t> misses_{0};
};

}  // namespace booo::replay

#endif  // BOOO_REPLAY_PROJECTION_PARSED_STREAM_CACHE_H_
