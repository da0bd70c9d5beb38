// The whole-year grant of a municipality at the head, kept per (municipality, year) while
// neither its facts nor the rules change (the figures and trace cannot differ then; only the
// head's tree size moves on). A national-scale trace is megabytes parsed and tens of megabytes
// serialized, so the traces are bounded twice: by the number of entries holding one and by the
// memory they weigh (the most recent entry keeps its traces whatever their size). An entry
// whose traces were evicted keeps the rest of its answer, its balance row and the traces cut
// to the top levels (kilobytes), so the levels a client reads first never wait for the whole
// trace to be computed again.
//
// Thread safety: every method may be called from any thread.
#ifndef BOOO_SERVICES_WIRE_HEAD_GRANT_CACHE_H_
#define BOOO_SERVICES_WIRE_HEAD_GRANT_CACHE_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "booo/v1/grants_service.pb.h"
#include "services/wire/grant_response.h"

namespace booo::wire {

// What an entry was computed from: the number of rule records and of the municipality's
// records at the time. An entry answers only for the same versions.
struct HeadVersions {
  size_t rules = 0;
  size_t stream = 0;
  bool operator==(const HeadVersions&) const = default;
};

// An answer without its traces, and traces shared with the cache (never copied whole).
struct HeadAnswer {
  booo::v1::GetGrantResponse answer;
  std::shared_ptr<const GrantTraces> traces;
};

class HeadGrantCache {
 public:
  using Key = std::pair<std::string, int32_t>;  // municipality code, spending year

  explicit HeadGrantCache(size_t max_trace_bytes, size_t max_traces = 256)
      : max_trace_bytes_(max_trace_bytes), max_traces_(max_traces) {}

  // The answer with its whole traces, while the entry is current and still holds them.
  std::optional<HeadAnswer> Whole(const Key& key, const HeadVersions& versions) const
      ABSL_LOCKS_EXCLUDED(mutex_);
  // The answer with its traces cut to the top levels, while the entry is current.
  std::optional<HeadAnswer> Top(const Key& key, const HeadVersions& versions) const
      ABSL_LOCKS_EXCLUDED(mutex_);
  // The whole answer serialized, once PutBytes gave it, while it holds its traces.
  std::shared_ptr<const std::string> Bytes(const Key& key, const HeadVersions& versions) const
      ABSL_LOCKS_EXCLUDED(mutex_);
  // The balance row, while the entry is current (kept after its traces go).
  std::optional<booo::v1::BalanceRow> Row(const Key& key, const HeadVersions& versions) const
      ABSL_LOCKS_EXCLUDED(mutex_);
  // The top cut made from exactly these traces, if the entry still holds it.
  std::shared_ptr<const GrantTraces> TopOf(const Key& key,
                                           const std::shared_ptr<const GrantTraces>& traces) const
      ABSL_LOCKS_EXCLUDED(mutex_);

  // Stores a computed answer as the newest entry: `whole` with its traces, their top cut, and
  // what the traces weigh in memory. Older entries' traces are evicted beyond the bounds.
  void Put(const Key& key, const HeadVersions& versions, const HeadAnswer& whole,
           std::shared_ptr<const GrantTraces> top, size_t weight) ABSL_LOCKS_EXCLUDED(mutex_);
  // Stores an answer with its top cut only (kept across a restart, its whole traces not
  // computed in this process): served for the top levels and the row, not for whole traces.
  void PutTop(const Key& key, const HeadVersions& versions, const HeadAnswer& top)
      ABSL_LOCKS_EXCLUDED(mutex_);
  // Keeps the serialized answer beside the traces it was made from; nothing when the entry
  // changed since (other versions or traces). The bytes weigh against the bound too.
  void PutBytes(const Key& key, const HeadVersions& versions,
                const std::shared_ptr<const GrantTraces>& made_from,
                std::shared_ptr<const std::string> bytes) ABSL_LOCKS_EXCLUDED(mutex_);

  // What the held traces and bytes weigh now, and how many entries hold traces.
  size_t weight() const ABSL_LOCKS_EXCLUDED(mutex_);
  size_t entries_with_traces() const ABSL_LOCKS_EXCLUDED(mutex_);

  // The hit ratio's counts: the query facade says which lookups count (one per query).
  void CountLookup(bool hit) const { (hit ? hits_ : misses_).fetch_add(1, std::memory_order_relaxed); }
  uint64_t hits() const { return hits_.load(std::memory_order_relaxed); }
  uint64_t misses() const { return misses_.load(std::memory_order_relaxed); }

 private:
  struct Entry {
    HeadVersions versions;
    booo::v1::GetGrantResponse answer;  // without its traces
    std::shared_ptr<const GrantTraces> traces;
    std::shared_ptr<const GrantTraces> top;
    booo::v1::BalanceRow row;
    uint64_t generation = 0;                   // which insertion this is, for eviction
    std::shared_ptr<const std::string> bytes;  // with `traces`, once given
    size_t weight = 0;                         // of `traces` and `bytes`
  };
  const Entry* Current(const Key& key, const HeadVersions& versions) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void EvictLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  const size_t max_trace_bytes_;
  const size_t max_traces_;
  mutable absl::Mutex mutex_;
  std::map<Key, Entry> entries_ ABSL_GUARDED_BY(mutex_);
  // (key, generation) of entries holding traces, oldest first.
  std::deque<std::pair<Key, uint64_t>> with_traces_ ABSL_GUARDED_BY(mutex_);
  uint64_t generation_ ABSL_GUARDED_BY(mutex_) = 0;
  size_t weight_ ABSL_GUARDED_BY(mutex_) = 0;
  mutable std::atomic<uint64_t> hits_{0};
  mutable std::atomic<uint64_t> misses_{0};
};

}  // namespace booo::wire

#endif  // BOOO_SERVICES_WIRE_HEAD_GRANT_CACHE_H_
