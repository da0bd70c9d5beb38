#include "replay/event_log.h"

#include <algorithm>

namespace booo::replay {

absl::StatusOr<std::vector<booo::v1::StoredEvent>> MemoryEventLog::Read(uint64_t start,
                                                                        uint32_t max_events) const {
  std::vector<booo::v1::StoredEvent> out;
  for (uint64_t i = start; i < events_.size() && out.size() < max_events; ++i) {
    out.push_back(events_[i]);
  }
  return out;
}

absl::StatusOr<std::optional<uint64_t>> MemoryEventLog::FindEventId(
    const std::string& event_id) const {
  for (const auto& e : events_) {
    if (e.event_id() == event_id) return std::optional<uint64_t>(e.sequence());
  }
  return std::optional<uint64_t>();
}

}  // namespace booo::replay
