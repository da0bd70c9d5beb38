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
  absl::StatusOr<std::vector<booo::v1::StoredEvent>> Read(uint64_t start,
                                                          uint32_t max_events) const override {
    absl::StatusOr<booo::v1::ReadEventsResponse> page = ledger_->ReadEvents(start, max_events, "");
    if (!page.ok()) return page.status();
    return std::vector<booo::v1::StoredEvent>(page->events().begin(), page->events().end());
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
