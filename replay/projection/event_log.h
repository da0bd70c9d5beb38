// EventLog: the read interface the projections need from the ledger, so replay/ depends on an
// interface, not on the server (services/ adapts the live Ledger; ledgerctl adapts an export
// file for offline re-derivation).
#ifndef BOOO_REPLAY_PROJECTION_EVENT_LOG_H_
#define BOOO_REPLAY_PROJECTION_EVENT_LOG_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "booo/v1/ledger_service.pb.h"

namespace booo::replay {

// One event as a scan hands it over. The views live only during the callback.
struct LoggedEvent {
  uint64_t sequence = 0;
  int64_t recorded_at_micros = 0;
  absl::string_view body;       // the serialized booo.v1.EventBody, byte for byte as signed
  absl::string_view leaf_hash;  // 32 raw bytes; empty where `checked` is false
  // False when a scan with ScanChecks::kOnUse handed this event over unchecked: check it
  // (EventLog::CheckEvent, which also gives its leaf hash) before keeping anything read from
  // it, or read it back later with ReadBodies, which checks.
  bool checked = true;
  absl::string_view leaf;  // the encoded leaf, for CheckEvent (empty where checked is true)
};

// What a scan checks before it hands an event over.
enum class ScanChecks {
  kEveryEvent,  // every event against its leaf hash
  kOnUse,  // nothing the log need not, not even the leaf hash read: the caller checks what it
           // uses (see LoggedEvent)
};

class EventLog {
 public:
  virtual ~EventLog() = default;
  // The number of events now.
  virtual uint64_t Size() const = 0;
  // Calls `fn` for every event in [start, end) in order, each checked against its leaf hash by
  // the implementation (DATA_LOSS naming the sequence otherwise). OUT_OF_RANGE when `end`
  // exceeds Size(); an error from `fn` stops the scan and is returned.
  virtual absl::Status Scan(uint64_t start, uint64_t end,
                            absl::FunctionRef<absl::Status(const LoggedEvent&)> fn,
                            ScanChecks checks) const = 0;
  // The leaf hash of an event a Scan handed over, checked: for one handed over unchecked, read
  // and compared with the event (DATA_LOSS naming its sequence when they differ).
  virtual absl::StatusOr<std::string> CheckEvent(const LoggedEvent& event) const = 0;
  // Calls `fn(i, body, leaf_hash)` for the events at `sequences` (ascending, each below
  // Size()) in order, each checked against its leaf hash (DATA_LOSS naming the sequence
  // otherwise). The views live only during the call; an error from `fn` stops the read and is
  // returned.
  virtual absl::Status ReadBodies(
      absl::Span<const uint64_t> sequences,
      absl::FunctionRef<absl::Status(size_t, absl::string_view, absl::string_view)> fn) const = 0;
  // The sequence of the event with this id, or nullopt.
  virtual absl::StatusOr<std::optional<uint64_t>> FindEventId(
      const std::string& event_id) const = 0;
  // For a log that still grows: a recorded-at time before which every event it will ever hold
  // is already within Size() (read it before Size()). nullopt for a fixed log (an export),
  // where every recorded time is settled.
  virtual std::optional<int64_t> SettledBeforeMicros() const { return std::nullopt; }
  // The Merkle tree root (RFC 9162, 32 raw bytes) over the first `size` (1..Size()) events,
  // checked by the log: what a persisted projection cites to prove it was made from this log.
  // UNIMPLEMENTED for a log that keeps no tree.
  virtual absl::StatusOr<std::string> TreeRootAt(uint64_t size) const {
    (void)size;
    return absl::UnimplementedError("this event log keeps no tree");
  }
};

// The reads of an EventLog whose events are all in memory, each already checked (an export
// verified whole before it is read, or a test's events): Scan, CheckEvent and ReadBodies with
// their range checks, once. A subclass gives the size and each event's parts.
class InMemoryEventLog : public EventLog {
 public:
  absl::Status Scan(uint64_t start, uint64_t end,
                    absl::FunctionRef<absl::Status(const LoggedEvent&)> fn,
                    ScanChecks checks) const override;
  absl::StatusOr<std::string> CheckEvent(const LoggedEvent& event) const override {
    return std::string(event.leaf_hash);
  }
  absl::Status ReadBodies(
      absl::Span<const uint64_t> sequences,
      absl::FunctionRef<absl::Status(size_t, absl::string_view, absl::string_view)> fn)
      const override;

 protected:
  struct EventParts {
    int64_t recorded_at_micros = 0;
    absl::string_view body;
    absl::string_view leaf_hash;
  };
  // The event at `sequence` (< Size()); its views live as long as the log.
  virtual EventParts EventAt(uint64_t sequence) const = 0;
};

// An InMemoryEventLog over StoredEvents (a test's events, or any list of stored events).
class MemoryEventLog : public InMemoryEventLog {
 public:
  explicit MemoryEventLog(std::vector<booo::v1::StoredEvent> events) : events_(std::move(events)) {}
  uint64_t Size() const override { return events_.size(); }
  absl::StatusOr<std::optional<uint64_t>> FindEventId(const std::string& event_id) const override;
  void Append(booo::v1::StoredEvent event) { events_.push_back(std::move(event)); }

 private:
  EventParts EventAt(uint64_t sequence) const override {
    const booo::v1::StoredEvent& e = events_[sequence];
    return {e.recorded_at_micros(), e.body(), e.leaf_hash()};
  }
  std::vector<booo::v1::StoredEvent> events_;
};

}  // namespace booo::replay

#endif  // BOOO_REPLAY_PROJECTION_EVENT_LOG_H_
