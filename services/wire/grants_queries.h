// GrantsQueries: the Grants service's queries over the projection, in wire form. Shared by the
// gRPC service and by `ledgerctl --export` (offline, over a verified export), so both answer
// alike. Each query catches the projection up first, checks the request (INVALID_ARGUMENT
// naming the field), resolves its known-at point and answers from one consistent state;
// proto/booo/v1/grants_service.proto documents the codes.
//
// A whole-year grant at the head is served from HeadGrantCache; its whole answer is serialized
// once per change of the municipality's facts or the rules (a national-scale trace is
// megabytes; copying and serializing it per request took most of a warm query's time).
//
// Thread safety: every method may be called from any thread.
#ifndef BOOO_SERVICES_WIRE_GRANTS_QUERIES_H_
#define BOOO_SERVICES_WIRE_GRANTS_QUERIES_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "booo/v1/grants_service.pb.h"
#include "replay/projection/projection_state.h"
#include "services/wire/grant_response.h"
#include "services/wire/head_grant_cache.h"

namespace booo::wire {

struct GrantsQueryOptions {
  // Memory for the whole-year traces kept in the head cache: the parsed traces (their
  // SpaceUsedLong) and, once asked for, the answer's bytes. A large municipality's year with
  // daily declarations runs to tens of megabytes serialized and several times that parsed, so
  // a bound by count alone is no bound.
  size_t max_cached_trace_bytes = size_t{4} << 30;
};

class GrantsQueries {
 public:
  // `state` must outlive the queries.
  explicit GrantsQueries(replay::ProjectionState* state, GrantsQueryOptions options = {})
      : state_(state), cache_(options.max_cached_trace_bytes) {}

  absl::StatusOr<booo::v1::GetGrantResponse> GetGrant(const booo::v1::GetGrantRequest& request);
  // The same answer in wire form, for the gRPC service: a whole-year grant at the head with its
  // whole trace comes from bytes serialized once.
  absl::StatusOr<SerializedGrant> GetGrantSerialized(const booo::v1::GetGrantRequest& request);
  // GetGrant's answer with its traces node by node (services/wire/trace_stream.h), each chunk
  // handed to `send` (false: the receiver went away, CANCELLED). The refusals are GetGrant's,
  // each before the first chunk. The state's lock is not held while sending.
  absl::Status StreamGrantTrace(const booo::v1::GetGrantRequest& request,
                                absl::FunctionRef<bool(const booo::v1::GrantTraceChunk&)> send);
  absl::StatusOr<booo::v1::ListBalancesResponse> ListBalances(
      const booo::v1::ListBalancesRequest& request);
  absl::StatusOr<booo::v1::ReplaySettlementResponse> ReplaySettlement(
      const booo::v1::ReplaySettlementRequest& request);
  absl::StatusOr<booo::v1::SimulateAmendmentResponse> SimulateAmendment(
      const booo::v1::SimulateAmendmentRequest& request);

  // Where answers computed at the head are kept across restarts (may be null); must outlive
  // the queries. Set before the first query. A kept answer serves the balance row and the
  // trace's top levels; a whole trace is computed when asked for.
  void SetKeptAnswers(replay::KeptAnswers* kept) { kept_ = kept; }
  // Computes, and keeps, every whole-year answer at the head that is neither cached nor kept
  // for the current facts and rules, one municipality at a time, while `keep_going` says so
  // (asked before each). A municipality whose answer cannot be computed (an amount that
  // overflows, a damaged body) is passed over, and not tried again until its facts or the rules
  // change; the others are still refreshed.
  struct RefreshReport {
    size_t computed = 0;  // answers computed (and kept)
    size_t failed = 0;    // municipalities passed over
    absl::Status first_failure;
  };
  absl::StatusOr<RefreshReport> RefreshHeads(absl::FunctionRef<bool()> keep_going);

  // What the head cache's traces weigh now (see GrantsQueryOptions::max_cached_trace_bytes).
  size_t cached_trace_weight() const { return cache_.weight(); }
  // The head cache's lookups that found a current answer, and those that did not.
  uint64_t cache_hits() const { return cache_.hits(); }
  uint64_t cache_misses() const { return cache_.misses(); }
  // Answers a lookup the cache missed found kept across a restart (not computed again).
  uint64_t kept_hits() const { return kept_hits_.load(std::memory_order_relaxed); }

 private:
  using Reader = replay::ProjectionState::Reader;
  static constexpr uint32_t kTopDepth = 2;  // the levels a determination records

  // GetGrant's request checks; the scope the request asks for.
  static absl::StatusOr<replay::Scope> CheckGrantRequest(const booo::v1::GetGrantRequest& request);
  static HeadVersions VersionsOf(const Reader& reader, const std::string& code);
  // A grant request's known-at point in `reader`'s state: NOT_FOUND naming municipality_code
  // for a municipality without events, else Reader::Resolve's answer.
  static absl::StatusOr<replay::KnownAt> ResolveGrant(const Reader& reader,
                                                      const booo::v1::GetGrantRequest& request);
  // The whole-year grant at the head, from the cache when current, else computed and kept.
  // `count_lookup`: whether this lookup counts in the cache's hit ratio (not when another
  // lookup already missed and falls back to this one).
  absl::StatusOr<HeadAnswer> HeadGrant(const Reader& reader, const std::string& code,
                                       int32_t year, const replay::RuleTimeline& rules,
                                       bool count_lookup = true);
  // HeadGrant with the traces cut to kTopDepth levels.
  absl::StatusOr<HeadAnswer> HeadTop(const Reader& reader, const std::string& code, int32_t year,
                                     const replay::RuleTimeline& rules);
  // The same answer serialized whole, traces included, without tree_size and known_at.
  absl::StatusOr<std::shared_ptr<const std::string>> HeadGrantBytes(
      const Reader& reader, const std::string& code, int32_t year,
      const replay::RuleTimeline& rules);
  // GetGrant's answer with its whole traces, shared with the head cache where it comes from
  // there (never copied whole).
  absl::StatusOr<HeadAnswer> WholeAnswer(const booo::v1::GetGrantRequest& request);
  // The answer kept across a restart for these versions (with its top cut), now also in the
  // cache; nullopt when none is kept.
  std::optional<HeadAnswer> KeptTop(const HeadGrantCache::Key& key, const HeadVersions& versions,
                                    uint64_t position);
  // The same grant's balance row, without copying its trace.
  absl::StatusOr<booo::v1::BalanceRow> HeadRow(const Reader& reader, const std::string& code,
                                               int32_t year, const replay::RuleTimeline& rules);

  replay::ProjectionState* const state_;
  replay::KeptAnswers* kept_ = nullptr;
  std::atomic<uint64_t> kept_hits_{0};
  // Municipalities RefreshHeads could not compute, with the versions it tried.
  absl::Mutex refresh_mutex_;
  std::map<std::string, HeadVersions> refresh_failed_ ABSL_GUARDED_BY(refresh_mutex_);
  HeadGrantCache cache_;
};

}  // namespace booo::wire

#endif  // BOOO_SERVICES_WIRE_GRANTS_QUERIES_H_
