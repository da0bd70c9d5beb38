// LedgerEventLog: the live Ledger as the projections' EventLog (replay/projection/event_log.h).
#ifndef BOOO_SERVICES_LEDGER_EVENT_LOG_H_
#define BOOO_SERVICES_LEDGER_EVENT_LOG_H_

#include <vector>

#include "absl/strings/str_cat.h"
#include "ledger/storage/ledger.h"
#include "ledger/core/status_macros.h"
#include "ledger/core/string_views.h"
#include "replay/projection/event_log.h"

namespace booo::services {

class LedgerEventLog : public replay::EventLog {
 public:
  // The 32 raw bytes of a hash, as the EventLog interface hands them over.
  static absl::string_view HashBytes(const ledger::Hash& hash) {
    return absl::string_view(reinterpret_cast<const char*>(hash.data()), hash.size());
  }
  explicit LedgerEventLog(const ledger::Ledger* ledger) : ledger_(ledger) {}
  uint64_t Size() const override { return ledger_->Head().size; }
  std::optional<int64_t> SettledBeforeMicros() const override {
    return ledger_->SettledBeforeMicros();
  }
  absl::Status Scan(uint64_t start, uint64_t end,
                    absl::FunctionRef<absl::Status(const replay::LoggedEvent&)> fn,
                    replay::ScanChecks checks) const override {
    if (checks == replay::ScanChecks::kEveryEvent) {
      return ledger_->ScanEvents(
          start, end, [&](const ledger::LeafView& leaf, const ledger::Hash& leaf_hash) {
            return fn({leaf.sequence, leaf.recorded_at_micros, leaf.body, HashBytes(leaf_hash),
                       true, absl::string_view()});
          });
    }
    return ledger_->ScanEventsUnchecked(start, end, [&](const ledger::LeafView& leaf) {
      return fn({leaf.sequence, leaf.recorded_at_micros, leaf.body, absl::string_view(), false,
                 leaf.encoded});
    });
  }
  absl::StatusOr<std::string> CheckEvent(const replay::LoggedEvent& event) const override {
    if (event.checked) return std::string(event.leaf_hash);
    absl::StatusOr<ledger::LeafView> leaf = ledger::DecodeLeafView(event.leaf);
    if (!leaf.ok()) {
      return absl::DataLossError(
          absl::StrCat("sequence ", event.sequence, ": ", leaf.status().message()));
    }
    ASSIGN_OR_RETURN(ledger::Hash hash, ledger_->CheckLeaf(*leaf));
    return std::string(HashBytes(hash));
  }
  absl::Status ReadBodies(
      absl::Span<const uint64_t> sequences,
      absl::FunctionRef<absl::Status(size_t, absl::string_view, absl::string_view)> fn)
      const override {
    return ledger_->ReadLeaves(
        sequences, [&](size_t i, const ledger::LeafView& leaf, const ledger::Hash& hash) {
          return fn(i, leaf.body, HashBytes(hash));
        });
  }
  absl::StatusOr<std::optional<uint64_t>> FindEventId(const std::string& event_id) const override {
    absl::StatusOr<booo::v1::StoredEvent> event = ledger_->GetEventById(event_id);
    if (absl::IsNotFound(event.status())) return std::optional<uint64_t>();
    if (!event.ok()) return event.status();
    return std::optional<uint64_t>(event->sequence());
  }
  absl::StatusOr<std::string> TreeRootAt(uint64_t size) const override {
    ASSIGN_OR_RETURN(ledger::Hash root, ledger_->RootAt(size));
    return std::string(HashBytes(root));
  }

 private:
  const ledger::Ledger* const ledger_;
};

}  // namespace booo::services

#endif  // BOOO_SERVICES_LEDGER_EVENT_LOG_H_
