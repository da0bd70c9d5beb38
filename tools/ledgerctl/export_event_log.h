// An EventLog over a verified export held in memory: every event is a view into the file's
// bytes, with its leaf hash computed once, so an offline query costs no allocation per event
// (a StoredEvent per event cost six). The export must have been verified (OpenVerifiedExport)
// before it is read as a log: scans hand every event over as checked.
#ifndef BOOO_TOOLS_LEDGERCTL_EXPORT_EVENT_LOG_H_
#define BOOO_TOOLS_LEDGERCTL_EXPORT_EVENT_LOG_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/core/merkle.h"
#include "replay/projection/event_log.h"

namespace booo::ledgerctl {

class ExportEventLog final : public replay::InMemoryEventLog {
 public:
  // Splits `bytes` (an export, verified) into its events. DATA_LOSS when a leaf does not
  // decode or its sequence is out of order.
  static absl::StatusOr<std::unique_ptr<ExportEventLog>> Open(std::string bytes,
                                                              const std::string& name);

  uint64_t Size() const override { return events_.size(); }
  absl::StatusOr<std::optional<uint64_t>> FindEventId(const std::string& event_id) const override;
  // The root of the tree of the first `size` events (size <= Size()), from their leaf hashes.
  ledger::Hash RootAt(uint64_t size) const;

 private:
  struct Event {
    int64_t recorded_at_micros;
    absl::string_view body;
    std::array<char, 32> leaf_hash;
  };
  ExportEventLog() = default;
  EventParts EventAt(uint64_t sequence) const override {
    const Event& e = events_[sequence];
    return {e.recorded_at_micros, e.body, absl::string_view(e.leaf_hash.data(), e.leaf_hash.size())};
  }
  std::string bytes_;  // the export; every view below points into it
  std::vector<Event> events_;
};

}  // namespace booo::ledgerctl

#endif  // BOOO_TOOLS_LEDGERCTL_EXPORT_EVENT_LOG_H_
