#include "services/wire/head_grant_cache.h"

namespace booo::wire {

const HeadGrantCache::Entry* HeadGrantCache::Current(const Key& key,
                                                     const HeadVersions& versions) const {
  auto it = entries_.find(key);
  if (it == entries_.end() || !(it->second.versions == versions)) return nullptr;
  return &it->second;
}

std::optional<HeadAnswer> HeadGrantCache::Whole(const Key& key,
                                                const HeadVersions& versions) const {
  absl::MutexLock lock(&mutex_);
  const Entry* entry = Current(key, versions);
  if (entry == nullptr || !entry->traces) return std::nullopt;
  return HeadAnswer{entry->answer, entry->traces};
}

std::optional<HeadAnswer> HeadGrantCache::Top(const Key& key,
                                              const HeadVersions& versions) const {
  absl::MutexLock lock(&mutex_);
  const Entry* entry = Current(key, versions);
  if (entry == nullptr || !entry->top) return std::nullopt;
  return HeadAnswer{entry->answer, entry->top};
}

std::shared_ptr<const std::string> HeadGrantCache::Bytes(const Key& key,
                                                         const HeadVersions& versions) const {
  absl::MutexLock lock(&mutex_);
  const Entry* entry = Current(key, versions);
  return entry == nullptr ? nullptr : entry->bytes;
}

std::optional<booo::v1::BalanceRow> HeadGrantCache::Row(const Key& key,
                                                        const HeadVersions& versions) const {
  absl::MutexLock lock(&mutex_);
  const Entry* entry = Current(key, versions);
  if (entry == nullptr) return std::nullopt;
  return entry->row;
}

std::shared_ptr<const GrantTraces> HeadGrantCache::TopOf(
    const Key& key, const std::shared_ptr<const GrantTraces>& traces) const {
  absl::MutexLock lock(&mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.traces != traces) return nullptr;
  return it->second.top;
}

void HeadGrantCache::Put(const Key& key, const HeadVersions& versions, const HeadAnswer& whole,
                         std::shared_ptr<const GrantTraces> top, size_t weight) {
  absl::MutexLock lock(&mutex_);
  const uint64_t generation = ++generation_;
  Entry& entry = entries_[key];
  if (entry.traces) weight_ -= entry.weight;  // replaced
  entry = Entry{versions, whole.answer, whole.traces, std::move(top),
                ToBalanceRow(whole.answer), generation, nullptr, weight};
  weight_ += weight;
  with_traces_.emplace_back(key, generation);
  EvictLocked();
}

void HeadGrantCache::PutTop(const Key& key, const HeadVersions& versions, const HeadAnswer& top) {
  absl::MutexLock lock(&mutex_);
  const uint64_t generation = ++generation_;
  Entry& entry = entries_[key];
  if (entry.traces) weight_ -= entry.weight;  // replaced
  entry = Entry{versions, top.answer, nullptr, top.traces, ToBalanceRow(top.answer), generation,
                nullptr, 0};
}

void HeadGrantCache::PutBytes(const Key& key, const HeadVersions& versions,
                              const std::shared_ptr<const GrantTraces>& made_from,
                              std::shared_ptr<const std::string> bytes) {
  absl::MutexLock lock(&mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end() || !(it->second.versions == versions) ||
      it->second.traces != made_from || !made_from || it->second.bytes) {
    return;
  }
  it->second.weight += bytes->size();
  weight_ += bytes->size();
  it->second.bytes = std::move(bytes);
  EvictLocked();
}

void HeadGrantCache::EvictLocked() {
  while (with_traces_.size() > 1 &&
         (with_traces_.size() > max_traces_ || weight_ > max_trace_bytes_)) {
    const auto& [key, inserted] = with_traces_.front();
    auto oldest = entries_.find(key);
    if (oldest != entries_.end() && oldest->second.generation == inserted &&
        oldest->second.traces) {
      weight_ -= oldest->second.weight;
      oldest->second.traces.reset();
      oldest->second.bytes.reset();
      oldest->second.weight = 0;
    }
    with_traces_.pop_front();
  }
}

size_t HeadGrantCache::weight() const {
  absl::MutexLock lock(&mutex_);
  return weight_;
}

size_t HeadGrantCache::entries_with_traces() const {
  absl::MutexLock lock(&mutex_);
  size_t n = 0;
  for (const auto& [key, entry] : entries_) n += entry.traces ? 1 : 0;
  return n;
}

}  // namespace booo::wire
