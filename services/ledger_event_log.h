// LedgerEventLog: the live Ledger as the projections' EventLog (replay/event_log.h).
#ifndef BOOO_SERVICES_LEDGER_EVENT_LOG_H_
#define BOOO_SERVICES_LEDGER_EVENT_LOG_H_

#include "ledger/ledger.h"
#include "replay/event_log.h"

namespace booo::services {

class LedgerEventLog : public replay::EventLog {
 public:
  explicit LedgerEventLog(const ledger::Ledger* ledger) : ledger_(ledger) {}
  uint64_t Size() const override { return ledger_->Head().size; }
  absl::Status Scan(
      uint64_t start, uint64_t end,
      absl::FunctionRef<absl::Status(const replay::LoggedEvent&)> fn) const override {
    return ledger_->ScanEvents(
        start, end, [&](const ledger::LeafView& leaf, const ledger::Hash& leaf_hash) {
          return fn({leaf.sequence, leaf.recorded_at_micros, leaf.body,
                     absl::string_view(reinterpret_cast<const char*>(leaf_hash.data()),
                                       leaf_hash.size())});
        });
  }
  absl::StatusOr<std::optional<uint64_t>> FindEventId(const std::string& event_id) const override {
    absl::StatusOr<booo::v1::StoredEvent> event = ledger_->GetEventById(event_id);
    if (absl::IsNotFound(event.status())) return std::optional<uint64_t>();
    if (!event.ok()) return event.status();
    return std::optional<uint64_t>(event->sequence());
  }

 private:
  const ledger::Ledger* const ledger_;
};

}  // namespace booo::services

#endif  // BOOO_SERVICES_LEDGER_EVENT_LOG_H_
