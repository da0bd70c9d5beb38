// LedgerEventLog: the live Ledger as the projections' EventLog (replay/event_log.h).
#ifndef BOOO_SERVICES_LEDGER_EVENT_LOG_H_
#define BOOO_SERVICES_LEDGER_EVENT_LOG_H_

#include <vector>

#include "absl/strings/str_cat.h"
#include "ledger/ledger.h"
#include "ledger/string_views.h"
#include "replay/event_log.h"

namespace booo::services {

class LedgerEventLog : public replay::EventLog {
 public:
  explicit LedgerEventLog(const ledger::Ledger* ledger) : ledger_(ledger) {}
  uint64_t Size() const override { return ledger_->Head().size; }
  absl::Status Scan(uint64_t start, uint64_t end,
                    absl::FunctionRef<absl::Status(const replay::LoggedEvent&)> fn,
                    replay::ScanChecks checks) const override {
    const bool every = checks == replay::ScanChecks::kEveryEvent;
    return ledger_->ScanEvents(
        start, end,
        [&](const ledger::LeafView& leaf, const ledger::Hash& leaf_hash) {
          return fn({leaf.sequence, leaf.recorded_at_micros, leaf.body,
                     absl::string_view(reinterpret_cast<const char*>(leaf_hash.data()),
                                       leaf_hash.size()),
                     every, every ? absl::string_view() : leaf.encoded});
        },
        every ? ledger::Ledger::LeafCheck::kEvery : ledger::Ledger::LeafCheck::kOnUse);
  }
  absl::Status CheckEvent(const replay::LoggedEvent& event) const override {
    if (event.checked) return absl::OkStatus();
    absl::StatusOr<ledger::Hash> hash = ledger::HashFromBytes(ledger::ToStd(event.leaf_hash));
    if (!hash.ok()) return absl::DataLossError(absl::StrCat("sequence ", event.sequence, ": ", hash.status().message()));
    absl::StatusOr<ledger::LeafView> leaf = ledger::DecodeLeafView(event.leaf);
    if (!leaf.ok()) return absl::DataLossError(absl::StrCat("sequence ", event.sequence, ": ", leaf.status().message()));
    return ledger::Ledger::CheckScannedLeaf(*leaf, *hash);
  }
  absl::Status ReadBodies(
      absl::Span<const BodyRef> refs,
      absl::FunctionRef<absl::Status(size_t, absl::string_view)> fn) const override {
    std::vector<uint64_t> sequences;
    std::vector<ledger::Hash> hashes;
    sequences.reserve(refs.size());
    hashes.reserve(refs.size());
    for (const BodyRef& ref : refs) {
      absl::StatusOr<ledger::Hash> hash = ledger::HashFromBytes(ledger::ToStd(ref.leaf_hash));
      if (!hash.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("leaf_hash of sequence ", ref.sequence, ": ", hash.status().message()));
      }
      sequences.push_back(ref.sequence);
      hashes.push_back(*hash);
    }
    return ledger_->ReadLeaves(sequences, hashes, [&](size_t i, const ledger::LeafView& leaf) {
      return fn(i, leaf.body);
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
