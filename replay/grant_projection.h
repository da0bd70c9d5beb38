// GrantProjection: the materialised state behind the Grants service. It keeps every rule
// amendment and budget line parsed, and every municipality's events as their ledger positions
// and business days; it catches up with the log incrementally (only events it has not seen
// are read). A query at any known-at point, earlier ones included, selects from this state
// (facts.h) and runs the pure calculation; nothing is re-read from the log.
//
// Municipality streams are parsed when a query needs them, and the most recently used parsed
// streams are kept up to a bound (ProjectionOptions): a parsed body takes about ten times its
// serialized bytes, which at national scale would not fit in memory for every event.
//
// Thread safety: all methods may be called from any thread. Queries share a lock; catching up
// takes it exclusively, briefly, and only when the log has grown.
#ifndef BOOO_REPLAY_GRANT_PROJECTION_H_
#define BOOO_REPLAY_GRANT_PROJECTION_H_

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "booo/v1/controls_service.pb.h"
#include "booo/v1/grants_service.pb.h"
#include "google/protobuf/arena.h"
#include "replay/event_log.h"
#include "replay/facts.h"
#include "replay/grant_calculation.h"
#include "replay/grant_response.h"

namespace booo::replay {

struct ProjectionOptions {
  // Parsed municipality events kept between queries, in all (about 2 KiB each).
  size_t max_parsed_events = size_t{1} << 20;
  // Memory for the whole-year traces kept in the head cache: the parsed traces (their
  // SpaceUsedLong) and, once asked for, the answer's bytes. A large municipality's year with
  // daily declarations runs to tens of megabytes serialized and several times that parsed, so
  // a bound by count alone is no bound. The most recent entry keeps its traces whatever their
  // size.
  size_t max_cached_trace_bytes = size_t{4} << 30;
};

class GrantProjection {
 public:
  explicit GrantProjection(const EventLog* log, ProjectionOptions options = {})
      : log_(log), options_(options) {}

  // Reads the events appended since the last call. DATA_LOSS for an event that fails to parse.
  absl::Status CatchUp();
  uint64_t position() const;
  // Parsed municipality events held between queries now (at most
  // ProjectionOptions::max_parsed_events, beyond the streams queries still hold).
  size_t parsed_events_held() const;
  // What the head cache's traces weigh now (see ProjectionOptions::max_cached_trace_bytes).
  size_t cached_trace_weight() const;

  // The Grants service's methods (proto/booo/v1/grants_service.proto documents the codes).
  // Each catches up first.
  absl::StatusOr<booo::v1::GetGrantResponse> GetGrant(const booo::v1::GetGrantRequest& request);
  // The same answer in wire form, for the gRPC service: a whole-year grant at the head with its
  // whole trace is served from bytes serialized once per change of the municipality's facts or
  // the rules (a national-scale trace is megabytes; copying and serializing it per request
  // took most of a warm query's time).
  absl::StatusOr<SerializedGrant> GetGrantSerialized(const booo::v1::GetGrantRequest& request);
  absl::StatusOr<booo::v1::ListBalancesResponse> ListBalances(
      const booo::v1::ListBalancesRequest& request);
  absl::StatusOr<booo::v1::ReplaySettlementResponse> ReplaySettlement(
      const booo::v1::ReplaySettlementRequest& request);
  absl::StatusOr<booo::v1::SimulateAmendmentResponse> SimulateAmendment(
      const booo::v1::SimulateAmendmentRequest& request);

  // The Controls service's methods (proto/booo/v1/controls_service.proto). `today_day` (days
  // since 1970-01-01) is the default day deadlines are judged on; the caller owns the clock.
  absl::StatusOr<booo::v1::ListSignalsResponse> ListSignals(
      const booo::v1::ListSignalsRequest& request, int64_t today_day);
  absl::StatusOr<booo::v1::SisaFigures> GetSisaFigures(
      const booo::v1::GetSisaFiguresRequest& request);
  absl::StatusOr<booo::v1::BudgetExecution> GetBudgetExecution(
      const booo::v1::GetBudgetExecutionRequest& request);
  absl::StatusOr<booo::v1::AccommodationMix> GetAccommodationMix(
      const booo::v1::GetAccommodationMixRequest& request);

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
  // Requires catch_up_mutex_ (it parses onto arena_ and numbers new municipalities).
  absl::StatusOr<ReadEvent> Read(const LoggedEvent& event);
  // Adds the next event in log order (requires the exclusive lock).
  absl::Status Ingest(ReadEvent event);
  absl::StatusOr<KnownAt> Resolve(const booo::v1::KnownAt& at) const;
  // The parsed records of a municipality's stream (which must exist) up to the head, from the
  // bounded cache or parsed now; the pointer keeps them alive. DATA_LOSS, naming the sequence,
  // for a stored body that does not parse. Requires the shared lock.
  absl::StatusOr<std::shared_ptr<const StreamRecords>> Facts(const std::string& code) const;
  // The calculation's input for one municipality (which must exist) at `at` with `rules`.
  absl::StatusOr<GrantInput> InputFor(const std::string& code, const Scope& scope,
                                      const KnownAt& at, const RuleTimeline& rules) const;
  // The grant of one municipality (which must exist) at `at` with `rules`.
  absl::StatusOr<GrantComputation> Compute(const std::string& code, const Scope& scope,
                                           const KnownAt& at, const RuleTimeline& rules) const;
  // The whole-year grant at the head, from the cache when neither the municipality's facts nor
  // the rules changed since it was computed (the figures and trace cannot differ then; only the
  // head's tree size moves on). Requires the shared lock.
  struct HeadAnswer {
    booo::v1::GetGrantResponse answer;          // without its traces
    std::shared_ptr<const GrantTraces> traces;  // shared with the cache, never copied whole
  };
  absl::StatusOr<HeadAnswer> HeadGrant(const std::string& code, int32_t year,
                                       const RuleTimeline& rules) const;
  // The same answer serialized whole, traces included, without tree_size and known_at.
  absl::StatusOr<std::shared_ptr<const std::string>> HeadGrantBytes(
      const std::string& code, int32_t year, const RuleTimeline& rules) const;
  // GetGrant's request checks; the scope the request asks for.
  static absl::StatusOr<Scope> CheckGrantRequest(const booo::v1::GetGrantRequest& request);
  // The same grant's balance row, without copying its trace.
  absl::StatusOr<booo::v1::BalanceRow> HeadRow(const std::string& code, int32_t year,
                                               const RuleTimeline& rules) const;
  // Spending years the municipality's current facts at `at` concern.
  absl::StatusOr<std::vector<int32_t>> YearsWithFacts(const std::string& code,
                                                      const KnownAt& at) const;
  absl::StatusOr<std::vector<int32_t>> ComputeYearsWithFacts(const std::string& code,
                                                             const KnownAt& at) const;

  const EventLog* const log_;
  const ProjectionOptions options_;
  // Rule amendments' and budget lines' parsed bodies, for the projection's lifetime.
  google::protobuf::Arena arena_;
  mutable std::shared_mutex mutex_;
  std::mutex catch_up_mutex_;  // one reader of the log at a time
  uint64_t position_ = 0;
  // The log's settled time when it had position_ events (EventLog::SettledBeforeMicros): a
  // known-at recorded time at or after it is refused, since the answer could still change.
  std::optional<int64_t> settled_before_micros_;
  std::vector<int64_t> recorded_at_micros_;  // by sequence, never decreasing
  StreamRecords rules_;
  StreamRecords budget_;
  std::map<std::string, std::vector<StoredFact>, std::less<>> municipalities_;  // by code
  // The catch-up's own index of the same streams (requires catch_up_mutex_): a municipality's
  // number by code, its code and its facts (nodes of municipalities_, which never move) by
  // number, so that placing an event costs one hash lookup, not a walk of the map.
  absl::flat_hash_map<std::string, int32_t> stream_numbers_;
  std::vector<std::string> stream_codes_;
  std::vector<std::vector<StoredFact>*> stream_facts_;

  // Parsed municipality streams, least recently used evicted first beyond
  // options_.max_parsed_events events in all.
  struct ParsedStream {
    std::shared_ptr<const StreamRecords> records;
    uint64_t last_used = 0;
  };
  mutable std::mutex parsed_mutex_;
  mutable std::map<std::string, ParsedStream, std::less<>> parsed_;
  mutable size_t parsed_events_ = 0;
  mutable uint64_t parsed_clock_ = 0;

  struct HeadEntry {
    size_t rules_version = 0;           // rules_.records().size() when computed
    size_t stream_version = 0;          // the municipality's records().size() when computed
    booo::v1::GetGrantResponse answer;  // without its traces
    // The traces, and the whole answer serialized once asked for, for the most recently
    // computed entries only (they are large).
    std::shared_ptr<const GrantTraces> traces;
    booo::v1::BalanceRow row;
    uint64_t generation = 0;                   // which insertion this is, for trace eviction
    std::shared_ptr<const std::string> bytes;  // with `traces`, once asked for
    size_t trace_weight = 0;                   // memory `traces` and `bytes` count against the bound
    // The traces cut to kTopDepth levels: kilobytes, kept when `traces` are evicted, so the
    // levels a client reads first never wait for the whole trace to be computed again.
    std::shared_ptr<const GrantTraces> top;
  };
  static constexpr uint32_t kTopDepth = 2;  // the levels a determination records
  // HeadGrant with the traces cut to kTopDepth levels, from the cache when it holds them.
  // Requires the shared lock.
  absl::StatusOr<HeadAnswer> HeadTop(const std::string& code, int32_t year,
                                     const RuleTimeline& rules) const;
  // Drops the traces of the oldest entries while more than kMaxCachedTraces hold one or they
  // weigh more than options_.max_cached_trace_bytes. Requires head_cache_mutex_.
  void EvictTracesLocked() const;
  static constexpr size_t kMaxCachedTraces = 256;
  mutable std::mutex head_cache_mutex_;
  mutable std::map<std::pair<std::string, int32_t>, HeadEntry> head_cache_;
  // (key, generation) of entries holding a trace, oldest first.
  mutable std::deque<std::pair<std::pair<std::string, int32_t>, uint64_t>> cached_traces_;
  mutable uint64_t cache_generation_ = 0;
  mutable size_t cached_trace_weight_ = 0;  // of every entry that holds traces
  // YearsWithFacts at the head, per municipality, with the stream version it was computed at.
  mutable std::map<std::string, std::pair<size_t, std::vector<int32_t>>> head_years_;
};

}  // namespace booo::replay

#endif  // BOOO_REPLAY_GRANT_PROJECTION_H_
