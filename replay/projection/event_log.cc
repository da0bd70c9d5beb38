#include "replay/projection/event_log.h"

#include "absl/strings/str_cat.h"
#include "ledger/core/status_macros.h"

namespace booo::replay {

absl::Status InMemoryEventLog::Scan(uint64_t start, uint64_t end,
                                    absl::FunctionRef<absl::Status(const LoggedEvent&)> fn,
                                    ScanChecks) const {
  if (end > Size()) {
    return absl::OutOfRangeError(
        absl::StrCat("scan end ", end, " is past the log's size (", Size(), ")"));
  }
  for (uint64_t i = start; i < end; ++i) {
    const EventParts e = EventAt(i);
    RETURN_IF_ERROR(fn({i, e.recorded_at_micros, e.body, e.leaf_hash, true, {}}));
  }
  return absl::OkStatus();
}

absl::Status InMemoryEventLog::ReadBodies(
    absl::Span<const uint64_t> sequences,
    absl::FunctionRef<absl::Status(size_t, absl::string_view, absl::string_view)> fn) const {
  for (size_t i = 0; i < sequences.size(); ++i) {
    const uint64_t sequence = sequences[i];
    if (sequence >= Size() || (i > 0 && sequence <= sequences[i - 1])) {
      return absl::OutOfRangeError(absl::StrCat(
          "sequences: ", sequence, " is not ascending below the log's size (", Size(), ")"));
    }
    const EventParts e = EventAt(sequence);
    RETURN_IF_ERROR(fn(i, e.body, e.leaf_hash));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<uint64_t>> MemoryEventLog::FindEventId(
    const std::string& event_id) const {
  for (const auto& e : events_) {
    if (e.event_id() == event_id) return std::optional<uint64_t>(e.sequence());
  }
  return std::optional<uint64_t>();
}

}  // namespace booo::replay
