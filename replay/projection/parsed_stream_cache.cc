#include "replay/projection/parsed_stream_cache.h"

namespace booo::replay {

absl::StatusOr<std::shared_ptr<const StreamRecords>> ParsedStreamCache::Get(
    const std::string& code, size_t size, Extend extend) {
  std::shared_ptr<const StreamRecords> base;
  {
    absl::MutexLock lock(&mutex_);
    if (auto it = entries_.find(code); it != entries_.end()) {
      it->second.last_used = ++clock_;
      if (it->second.records->records().size() == size) {
        hits_.fetch_add(1, std::memory_order_relaxed);
        return it->second.records;
      }
      if (it->second.records->records().size() < size) base = it->second.records;
    }
  }
  misses_.fetch_add(1, std::memory_order_relaxed);
  // Parsed outside the lock.
  auto records = base ? std::make_shared<StreamRecords>(*base) : std::make_shared<StreamRecords>();
  const size_t have = records->records().size();
  if (absl::Status s = extend(*records, have); !s.ok()) return s;
  absl::MutexLock lock(&mutex_);
  Entry& entry = entries_[code];
  if (entry.records && entry.records->records().size() >= records->records().size()) {
    // Another query kept as much or more meanwhile: keep that, answer with ours.
    entry.last_used = ++clock_;
    return std::shared_ptr<const StreamRecords>(std::move(records));
  }
  if (entry.records) {
    events_ -= entry.records->records().size();
    bytes_ -= entry.bytes;
  }
  entry.records = records;
  entry.last_used = ++clock_;
  entry.bytes = records->MemoryBytes();
  events_ += records->records().size();
  bytes_ += entry.bytes;
  EvictLocked(code);
  return std::shared_ptr<const StreamRecords>(std::move(records));
}

void ParsedStreamCache::EvictLocked(const std::string& keep) {
  while ((events_ > max_events_ || bytes_ > max_bytes_) && entries_.size() > 1) {
    auto oldest = entries_.end();
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->first != keep &&
          (oldest == entries_.end() || it->second.last_used < oldest->second.last_used)) {
        oldest = it;
      }
    }
    events_ -= oldest->second.records->records().size();
    bytes_ -= oldest->second.bytes;
    entries_.erase(oldest);  // queries still holding it keep it alive
  }
}

size_t ParsedStreamCache::bytes_held() const {
  absl::MutexLock lock(&mutex_);
  return bytes_;
}

size_t ParsedStreamCache::events_held() const {
  absl::MutexLock lock(&mutex_);
  return events_;
}

}  // namespace booo::replay
