// ProjectionState: the materialised state over the log that every grant and controls query
// reads. It keeps every rule amendment and budget line parsed, and every municipality's events
// as their ledger positions and business days; it catches up with the log incrementally (only
// events it has not seen are read). A query at any known-at point, earlier ones included,
// selects from this state (replay/calc/facts.h) and runs the pure calculation; nothing is
// re-read from the log except a municipality's bodies, parsed when a query needs them and kept
// in a bounded cache (ParsedStreamCache).
//
// The queries themselves (what each service asks, and the answers in wire form) live in the
// wire adapter, services/wire/, one facade per service.
//
// Thread safety: CatchUp and Read may be called from any thread. A Reader holds the state's
// lock shared for its lifetime, so every answer it gives is of one consistent state; catching
// up takes the lock exclusively, briefly, and only when the log has grown.
#ifndef BOOO_REPLAY_PROJECTION_PROJECTION_STATE_H_
#define BOOO_REPLAY_PROJECTION_PROJECTION_STATE_H_

#include <atomic>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "booo/v1/grants_service.pb.h"
#include "google/protobuf/arena.h"
#include "replay/calc/facts.h"
#include "replay/calc/grant_calculation.h"
#include "replay/projection/event_log.h"
#include "replay/projection/kept_answers.h"
#include "replay/projection/parsed_stream_cache.h"

namespace booo::replay {

// One event as the projection indexes it: everything the state keeps of it, and what the
// persisted projection stores per event (replay/kept/PROJECTION_FORMAT.md).
struct IndexEntry {
  static constexpr int32_t kOther = -1;   // kept by nothing (keys, genesis, checkpoint keys)
  static constexpr int32_t kRule = -2;    // a rule amendment
  static constexpr int32_t kBudget = -3;  // a budget line
  int64_t recorded_at_micros = 0;
  // The business day a rule, budget line or municipality event was placed with; 0 for kOther.
  int32_t business_day = 0;
  // kOther, kRule, kBudget, or the municipality's number: its place in the order the
  // municipalities' first events appear in the log.
  int32_t stream = kOther;
  bool operator==(const IndexEntry&) const = default;
};

// The index of the events [first_sequence, first_sequence + entries.size()), and every
// municipality's code by number.
struct ProjectionIndex {
  uint64_t first_sequence = 0;
  std::vector<std::string> codes;
  std::vector<IndexEntry> entries;
};

struct ProjectionOptions {
  // Parsed municipality events kept between queries, in all (about 2 KiB each), and the memory
  // they may weigh (their arenas and tables); whichever bound is reached first evicts.
  size_t max_parsed_events = size_t{1} << 20;
  size_t max_parsed_bytes = std::numeric_limits<size_t>::max();
};

class ProjectionState {
 public:
  explicit ProjectionState(const EventLog* log, ProjectionOptions options = {})
      : log_(log), parsed_(options.max_parsed_events, options.max_parsed_bytes) {}

  // Reads the events appended since the last call. DATA_LOSS for an event that fails to parse.
  absl::Status CatchUp() ABSL_LOCKS_EXCLUDED(catch_up_mutex_, mutex_);
  // Takes the state of events [0, index.entries.size()) from a persisted index instead of
  // scanning them (replay/kept/projection_store.h checked it against the log); the rule
  // amendments and budget lines it names are read back, checked against their leaf hashes, and
  // parsed. Only into an empty state: FAILED_PRECONDITION otherwise. DATA_LOSS for an index
  // that does not fit the log (a rule or budget entry whose body is something else).
  absl::Status Restore(const ProjectionIndex& index) ABSL_LOCKS_EXCLUDED(catch_up_mutex_, mutex_);
  // Where answers computed at the head are kept across restarts (may be null: none are); must
  // outlive the state. Set before the first query.
  void SetKeptAnswers(KeptAnswers* kept) { kept_ = kept; }
  uint64_t position() const ABSL_LOCKS_EXCLUDED(mutex_);
  size_t parsed_events_held() const { return parsed_.events_held(); }
  // What the index weighs in memory: every event's recorded time and every municipality
  // event's position (what grows with the log and is never evicted).
  size_t IndexBytes() const ABSL_LOCKS_EXCLUDED(mutex_);
  const ParsedStreamCache& parsed_cache() const { return parsed_; }
  const EventLog& log() const { return *log_; }

  // A consistent view of the state; holds the lock shared until it is destroyed. Each accessor
  // asserts that it is held (AssertReaderHeld), which is also how the thread-safety analysis
  // learns it.
  class ABSL_SCOPED_LOCKABLE Reader {
   public:
    explicit Reader(const ProjectionState& state) ABSL_SHARED_LOCK_FUNCTION(state.mutex_)
        : state_(state) {
      state.mutex_.ReaderLock();
    }
    ~Reader() ABSL_UNLOCK_FUNCTION() { state_.mutex_.ReaderUnlock(); }
    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;

    // The number of events the state holds (the head's tree size).
    uint64_t position() const;
    // A request's known-at point resolved against this state: INVALID_ARGUMENT for a malformed
    // one, OUT_OF_RANGE for a tree size past the head or a recorded time the log has not
    // settled (EventLog::SettledBeforeMicros), each naming the field.
    absl::StatusOr<KnownAt> Resolve(const booo::v1::KnownAt& at) const;
    bool AtHead(const KnownAt& at) const { return at.tree_size == position() && !at.business_day; }
    // The recorded-at time of the event at `sequence` (< position()).
    int64_t RecordedAtMicros(uint64_t sequence) const;

    const StreamRecords& rules() const;
    const StreamRecords& budget() const;
    // Every municipality with events, by code in ascending order.
    std::vector<std::string> Municipalities() const;
    bool HasMunicipality(const std::string& code) const;
    // How many events the municipality's stream holds (0 if none), and held below `tree_size`.
    size_t StreamSize(const std::string& code) const;
    uint64_t StreamSizeBefore(const std::string& code, uint64_t tree_size) const;

    // The parsed records of a municipality's stream (which must exist) up to the head; the
    // pointer keeps them alive. DATA_LOSS, naming the sequence, for a body that does not parse.
    absl::StatusOr<std::shared_ptr<const StreamRecords>> Facts(const std::string& code) const;
    // The calculation's input for one municipality (which must exist) at `at` with `rules`.
    absl::StatusOr<GrantInput> InputFor(const std::string& code, const Scope& scope,
                                        const KnownAt& at, const RuleTimeline& rules) const;
    absl::StatusOr<GrantComputation> Compute(const std::string& code, const Scope& scope,
                                             const KnownAt& at, const RuleTimeline& rules) const;
    // The spending years the municipality's current facts at `at` concern, ascending.
    absl::StatusOr<std::vector<int32_t>> YearsWithFacts(const std::string& code,
                                                        const KnownAt& at) const;
    // The index of events [from, position()) and every municipality's code by number, as
    // Restore takes it back. OUT_OF_RANGE for `from` past the position.
    absl::StatusOr<ProjectionIndex> ExportIndex(uint64_t from) const;

   private:
    const ProjectionState& state_;
  };

 private:
  // A municipality event as kept between queries: where it is and its business day (16 bytes),
  // not its body or leaf hash, which are read back from the log, checked, when a query needs
  // the stream (EventLog::ReadBodies). Keeping every body cost a third of replay's time in
  // first-touch page faults and 1.5 GB at 10 million events; keeping the leaf hash too meant
  // reading the tree beside the log on every rebuild, and 400 MB more at 10 million events.
  struct StoredFact {
    uint64_t sequence = 0;
    int64_t business_day = 0;
  };
  // One event read outside the lock, waiting to be ingested.
  struct ReadEvent {
    EventRef ref;                               // event_id only for rules and budget lines
    const booo::v1::EventBody* body = nullptr;  // rules and budget lines, parsed on arena_
    int32_t municipality = -1;                  // municipality events: index in stream_codes_
  };
  absl::StatusOr<ReadEvent> Read(const LoggedEvent& event)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(catch_up_mutex_);
  absl::Status Ingest(ReadEvent event) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_, catch_up_mutex_);
  absl::StatusOr<std::vector<int32_t>> ComputeYearsWithFacts(const Reader& reader,
                                                             const std::string& code,
                                                             const KnownAt& at) const;

  const EventLog* const log_;
  KeptAnswers* kept_ = nullptr;
  // Rule amendments' and budget lines' parsed bodies, for the state's lifetime (written by the
  // catch-up only).
  google::protobuf::Arena arena_;
  mutable absl::Mutex mutex_;
  absl::Mutex catch_up_mutex_ ABSL_ACQUIRED_BEFORE(mutex_);  // one reader of the log at a time
  uint64_t position_ ABSL_GUARDED_BY(mutex_) = 0;
  // The log's settled time (EventLog::SettledBeforeMicros) when the state last caught up: a
  // known-at recorded time at or after it is refused, since the answer could still change.
  // Only rises; kEverythingSettled for a log that does not grow.
  static constexpr int64_t kEverythingSettled = std::numeric_limits<int64_t>::max();
  std::atomic<int64_t> settled_before_micros_{0};
  std::vector<int64_t> recorded_at_micros_ ABSL_GUARDED_BY(mutex_);  // by sequence
  StreamRecords rules_ ABSL_GUARDED_BY(mutex_);
  StreamRecords budget_ ABSL_GUARDED_BY(mutex_);
  // By code; nodes never move, so the catch-up's index below may point into it.
  std::map<std::string, std::vector<StoredFact>, std::less<>> municipalities_
      ABSL_GUARDED_BY(mutex_);
  // The catch-up's own index of the same streams: a municipality's number by code, its code
  // and its facts by number, so that placing an event costs one hash lookup.
  absl::flat_hash_map<std::string, int32_t> stream_numbers_ ABSL_GUARDED_BY(catch_up_mutex_);
  std::vector<std::string> stream_codes_ ABSL_GUARDED_BY(catch_up_mutex_);
  std::vector<std::vector<StoredFact>*> stream_facts_ ABSL_GUARDED_BY(catch_up_mutex_);

  mutable ParsedStreamCache parsed_;
  // YearsWithFacts at the head per municipality, with the stream size it was computed at:
  // ListBalances asks for every municipality, and walking every fact each time cost it half a
  // second at 2 M events.
  mutable absl::Mutex head_years_mutex_;
  mutable std::map<std::string, std::pair<size_t, std::vector<int32_t>>> head_years_
      ABSL_GUARDED_BY(head_years_mutex_);
};

}  // namespace booo::replay

#endif  // BOOO_REPLAY_PROJECTION_PROJECTION_STATE_H_
