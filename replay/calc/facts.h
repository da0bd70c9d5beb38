// Facts: ledger events as the projections keep them, and which of them a query sees.
//
// A query sees an event when it lies inside its known-at point (KnownAt). Among the events it
// sees, a correction (supersedes_event_id) replaces what it corrects, directly or through a
// chain of corrections; an earlier known-at point, which does not see the correction, still
// sees the original.
#ifndef BOOO_REPLAY_CALC_FACTS_H_
#define BOOO_REPLAY_CALC_FACTS_H_

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "booo/v1/events.pb.h"
#include "google/protobuf/arena.h"

namespace booo::replay {

// An event's leaf hash, 32 raw bytes held inline: a projection keeps one per event, and a
// heap string each would cost an allocation per replayed event. Empty where no log position
// exists (a rule check's own records, a simulated proposal).
class LeafHash {
 public:
  LeafHash() = default;
  LeafHash(absl::string_view bytes) {  // NOLINT: implicit, from the bytes a log hands over
    size_ = static_cast<uint8_t>(std::min(bytes.size(), bytes_.size()));
    std::copy_n(bytes.data(), size_, bytes_.begin());
  }
  LeafHash(const std::string& bytes) : LeafHash(absl::string_view(bytes)) {}  // NOLINT
  LeafHash(const char* bytes) : LeafHash(absl::string_view(bytes)) {}         // NOLINT
  std::string bytes() const { return std::string(bytes_.data(), size_); }
  absl::string_view view() const { return absl::string_view(bytes_.data(), size_); }

 private:
  std::array<char, 32> bytes_{};
  uint8_t size_ = 0;
};

// Where an event sits in the log; what a trace cites so an auditor can ask for its proof.
struct EventRef {
  uint64_t sequence = 0;
  int64_t recorded_at_micros = 0;
  LeafHash leaf_hash;
  std::string event_id;
  // Business date in days since 1970-01-01 (see ledger::BusinessDate); the recording day
  // (UTC) for events without one.
  int64_t business_day = 0;
};

struct FactRecord {
  EventRef ref;
  // The event's body. It lives on an arena that outlives the record: the projection's (events
  // parsed from the log) or the stream's own (bodies added by value).
  const booo::v1::EventBody* body = nullptr;
  // Index, in the same stream's record list, of the event this one corrects; -1 when none.
  int32_t supersedes = -1;
  // The event ids this one replaces, directly or through earlier corrections: a decision that
  // names the original still concerns its correction.
  std::vector<std::string> corrects;
  // The earliest business day along the correction chain: when the original arrived. A report
  // corrected after its deadline was still on time if the original was.
  int64_t first_business_day = 0;
};

// The point a query is answered at.
struct KnownAt {
  // As recorded: the events with sequence < tree_size.
  uint64_t tree_size = 0;
  // As known on a business day: additionally only events whose business day is <= this.
  std::optional<int64_t> business_day;
};

bool IsVisible(const EventRef& ref, const KnownAt& at);
// True when `record` is the event `event_id` names, or a correction of it.
bool Answers(const FactRecord& record, const std::string& event_id);

// The records of one stream in log order, with corrections linked to what they correct.
class StreamRecords {
 public:
  // Appends a record (the next in log order) and links its supersedes_event_id, which the
  // ledger guarantees names an earlier event of the same stream.
  void Add(EventRef ref, booo::v1::EventBody body);
  // The same for a body on an arena that outlives this stream and every copy of it: no copy.
  void AddBorrowed(EventRef ref, const booo::v1::EventBody* body);
  // The same for a serialized body, parsed onto the stream's own arena; `ref.event_id` is
  // taken from the body. INVALID_ARGUMENT, and nothing added, when the bytes do not parse.
  absl::Status AddSerialized(EventRef ref, absl::string_view body_bytes);
  const std::vector<FactRecord>& records() const { return records_; }
  // Index of the record with this event id, or -1.
  int32_t Find(const std::string& event_id) const;
  // What the stream holds in memory: its own arena (shared with copies) and its tables.
  size_t MemoryBytes() const;

 private:
  std::vector<FactRecord> records_;
  // Keys are views of the bodies' own event ids (the bodies outlive the stream).
  absl::flat_hash_map<absl::string_view, int32_t> by_id_;
  // Storage for bodies added by value, shared with copies of this stream (a copy's records
  // point into it too).
  std::shared_ptr<google::protobuf::Arena> owned_;
};

// The current records of one stream (given in log order) at `at`: the visible ones minus every
// record a visible correction replaces. In log order.
std::vector<const FactRecord*> SelectCurrent(const std::vector<FactRecord>& stream,
                                             const KnownAt& at);
// The same with any visibility rule: `visible(i)` says whether record i is seen.
std::vector<const FactRecord*> SelectCurrentIf(const std::vector<FactRecord>& stream,
                                               const std::function<bool(size_t)>& visible);

}  // namespace booo::replay

#endif  // BOOO_REPLAY_CALC_FACTS_H_
