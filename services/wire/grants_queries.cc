#include "services/wire/grants_queries.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "ledger/core/civil_date.h"
#include "ledger/core/status_macros.h"
#include "services/wire/trace_stream.h"

namespace booo::wire {

using replay::GrantComputation;
using replay::KnownAt;
using replay::RuleTimeline;
using replay::Scope;
using replay::SelectCurrent;

HeadVersions GrantsQueries::VersionsOf(const Reader& reader, const std::string& code) {
  return HeadVersions{reader.rules().records().size(), reader.StreamSize(code)};
}

absl::StatusOr<HeadAnswer> GrantsQueries::HeadGrant(const Reader& reader, const std::string& code,
                                                    int32_t year, const RuleTimeline& rules,
                                                    bool count_lookup) {
  const HeadVersions versions = VersionsOf(reader, code);
  const HeadGrantCache::Key key{code, year};
  std::optional<HeadAnswer> cached = cache_.Whole(key, versions);
  if (count_lookup) cache_.CountLookup(cached.has_value());
  if (cached) {
    cached->answer.set_tree_size(reader.position());
    return *std::move(cached);
  }
  const KnownAt head{reader.position(), std::nullopt};
  ASSIGN_OR_RETURN(GrantComputation computation,
                   reader.Compute(code, Scope::Year(year), head, rules));
  HeadAnswer answer;
  answer.answer = ToGetGrantResponse(code, Scope::Year(year), std::move(computation));
  answer.answer.set_tree_size(reader.position());
  answer.answer.set_stream_version(versions.stream);
  answer.traces = std::make_shared<const GrantTraces>(TakeTraces(answer.answer));
  // The top levels, kept when the whole traces are evicted.
  booo::v1::GetGrantRequest cut;
  cut.set_trace_depth(kTopDepth);
  booo::v1::GetGrantResponse cut_answer;
  RETURN_IF_ERROR(SelectTraces(*answer.traces, cut, cut_answer));
  auto top = std::make_shared<const GrantTraces>(TakeTraces(cut_answer));
  // What the parsed traces hold in memory (several times their serialized size).
  const size_t weight = answer.traces->trace.SpaceUsedLong() +
                        answer.traces->settlement.SpaceUsedLong() +
                        answer.traces->vat_fund.SpaceUsedLong();
  if (kept_ != nullptr) {
    // Kept with its top levels only: what a restarted server answers first from.
    booo::v1::GetGrantResponse kept = answer.answer;
    kept.clear_tree_size();
    *kept.mutable_trace() = top->trace;
    *kept.mutable_settlement() = top->settlement;
    *kept.mutable_vat_fund() = top->vat_fund;
    kept_->Put(code, year, replay::KeptAnswer{versions.rules, versions.stream, reader.position(),
                                              kept.SerializeAsString()});
  }
  cache_.Put(key, versions, answer, std::move(top), weight);
  return answer;
}

std::optional<HeadAnswer> GrantsQueries::KeptTop(const HeadGrantCache::Key& key,
                                                 const HeadVersions& versions, uint64_t position) {
  if (kept_ == nullptr) return std::nullopt;
  std::optional<replay::KeptAnswer> kept = kept_->Get(key.first, key.second);
  if (!kept || kept->rules_version != versions.rules || kept->stream_version != versions.stream) {
    return std::nullopt;
  }
  HeadAnswer answer;
  if (!answer.answer.ParseFromString(kept->bytes)) return std::nullopt;
  answer.traces = std::make_shared<const GrantTraces>(TakeTraces(answer.answer));
  cache_.PutTop(key, versions, answer);
  kept_hits_.fetch_add(1, std::memory_order_relaxed);
  answer.answer.set_tree_size(position);
  return answer;
}

absl::StatusOr<HeadAnswer> GrantsQueries::HeadTop(const Reader& reader, const std::string& code,
                                                  int32_t year, const RuleTimeline& rules) {
  const HeadGrantCache::Key key{code, year};
  std::optional<HeadAnswer> cached = cache_.Top(key, VersionsOf(reader, code));
  cache_.CountLookup(cached.has_value());
  if (cached) {
    cached->answer.set_tree_size(reader.position());
    return *std::move(cached);
  }
  const HeadVersions versions = VersionsOf(reader, code);
  if (std::optional<HeadAnswer> kept = KeptTop(key, versions, reader.position())) return *kept;
  ASSIGN_OR_RETURN(HeadAnswer answer, HeadGrant(reader, code, year, rules, false));
  if (std::shared_ptr<const GrantTraces> top = cache_.TopOf(key, answer.traces)) {
    answer.traces = std::move(top);
  }
  return answer;
}

absl::StatusOr<std::shared_ptr<const std::string>> GrantsQueries::HeadGrantBytes(
    const Reader& reader, const std::string& code, int32_t year, const RuleTimeline& rules) {
  const HeadVersions versions = VersionsOf(reader, code);
  const HeadGrantCache::Key key{code, year};
  std::shared_ptr<const std::string> cached = cache_.Bytes(key, versions);
  cache_.CountLookup(cached != nullptr);
  if (cached) return cached;
  ASSIGN_OR_RETURN(HeadAnswer answer, HeadGrant(reader, code, year, rules, false));
  booo::v1::GetGrantResponse whole = std::move(answer.answer);
  whole.clear_tree_size();  // both go into each request's tail
  whole.clear_known_at();
  *whole.mutable_trace() = answer.traces->trace;
  *whole.mutable_settlement() = answer.traces->settlement;
  *whole.mutable_vat_fund() = answer.traces->vat_fund;
  auto bytes = std::make_shared<const std::string>(whole.SerializeAsString());
  // Kept only beside the traces it was made from (evicted with them).
  cache_.PutBytes(key, versions, answer.traces, bytes);
  return bytes;
}

absl::StatusOr<booo::v1::BalanceRow> GrantsQueries::HeadRow(const Reader& reader,
                                                            const std::string& code, int32_t year,
                                                            const RuleTimeline& rules) {
  const HeadVersions versions = VersionsOf(reader, code);
  std::optional<booo::v1::BalanceRow> row = cache_.Row({code, year}, versions);
  cache_.CountLookup(row.has_value());
  if (row) return *std::move(row);
  if (std::optional<HeadAnswer> kept = KeptTop({code, year}, versions, reader.position())) {
    return ToBalanceRow(kept->answer);
  }
  ASSIGN_OR_RETURN(HeadAnswer answer, HeadGrant(reader, code, year, rules, false));
  return ToBalanceRow(answer.answer);
}

absl::StatusOr<KnownAt> GrantsQueries::ResolveGrant(const Reader& reader,
                                                    const booo::v1::GetGrantRequest& request) {
  if (!reader.HasMunicipality(request.municipality_code())) {
    return absl::NotFoundError(absl::StrCat("municipality_code: ", request.municipality_code(),
                                            " has no events in the ledger"));
  }
  return reader.Resolve(request.known_at());
}

absl::StatusOr<Scope> GrantsQueries::CheckGrantRequest(const booo::v1::GetGrantRequest& request) {
  RETURN_IF_ERROR(CheckCode(request.municipality_code(), true));
  const int32_t year = request.spending_year();
  RETURN_IF_ERROR(CheckYear(year, true, "spending_year"));
  Scope scope = Scope::Year(year);
  if (request.has_scope()) {
    RETURN_IF_ERROR(ledger::ValidateDateRange(request.scope(), "scope"));
    scope.first_day = ledger::ToEpochDays(request.scope().first_day());
    scope.last_day = ledger::ToEpochDays(request.scope().last_day());
    if (request.scope().first_day().year() != year || request.scope().last_day().year() != year) {
      return absl::InvalidArgumentError(
          absl::StrCat("scope: must lie inside spending year ", year));
    }
  }
  return scope;
}

absl::StatusOr<SerializedGrant> GrantsQueries::GetGrantSerialized(
    const booo::v1::GetGrantRequest& request) {
  const bool whole_trace = request.trace_depth() == 0 && request.trace_path().empty();
  if (whole_trace && !request.has_scope()) {
    RETURN_IF_ERROR(state_->CatchUp());
    RETURN_IF_ERROR(CheckGrantRequest(request).status());
    const std::string& code = request.municipality_code();
    Reader reader(*state_);
    ASSIGN_OR_RETURN(KnownAt at, ResolveGrant(reader, request));
    if (reader.AtHead(at)) {
      const RuleTimeline rules(SelectCurrent(reader.rules().records(), at));
      ASSIGN_OR_RETURN(std::shared_ptr<const std::string> bytes,
                       HeadGrantBytes(reader, code, request.spending_year(), rules));
      booo::v1::GetGrantResponse tail;
      tail.set_tree_size(reader.position());
      *tail.mutable_known_at() = request.known_at();
      return SerializedGrant{std::move(bytes), tail.SerializeAsString()};
    }
  }
  ASSIGN_OR_RETURN(booo::v1::GetGrantResponse answer, GetGrant(request));
  return SerializedGrant{std::make_shared<const std::string>(answer.SerializeAsString()), ""};
}

absl::StatusOr<booo::v1::GetGrantResponse> GrantsQueries::GetGrant(
    const booo::v1::GetGrantRequest& request) {
  RETURN_IF_ERROR(state_->CatchUp());
  ASSIGN_OR_RETURN(const Scope scope, CheckGrantRequest(request));
  const std::string& code = request.municipality_code();
  const int32_t year = request.spending_year();
  Reader reader(*state_);
  ASSIGN_OR_RETURN(KnownAt at, ResolveGrant(reader, request));
  const RuleTimeline rules(SelectCurrent(reader.rules().records(), at));
  if (!request.has_scope() && reader.AtHead(at)) {
    // Served from the cache: only the trace the request selects is copied. The top levels come
    // from the entry's kept cut, which outlives an evicted whole trace.
    const uint32_t depth = request.trace_depth();
    const bool top_levels = request.trace_path().empty() && depth >= 1 && depth <= kTopDepth;
    ASSIGN_OR_RETURN(HeadAnswer answer,
                     top_levels ? HeadTop(reader, code, year, rules)
                                : HeadGrant(reader, code, year, rules));
    if (top_levels && depth == kTopDepth) {
      // The cut itself: its cut-off nodes already say how many children they left out.
      booo::v1::GetGrantRequest whole;
      RETURN_IF_ERROR(SelectTraces(*answer.traces, whole, answer.answer));
    } else {
      RETURN_IF_ERROR(SelectTraces(*answer.traces, request, answer.answer));
    }
    *answer.answer.mutable_known_at() = request.known_at();
    return std::move(answer.answer);
  }
  ASSIGN_OR_RETURN(GrantComputation computation, reader.Compute(code, scope, at, rules));
  booo::v1::GetGrantResponse response = ToGetGrantResponse(code, scope, std::move(computation));
  response.set_tree_size(at.tree_size);
  *response.mutable_known_at() = request.known_at();
  response.set_stream_version(reader.StreamSizeBefore(code, at.tree_size));
  if (request.trace_depth() != 0 || !request.trace_path().empty()) {
    const GrantTraces traces = TakeTraces(response);
    RETURN_IF_ERROR(SelectTraces(traces, request, response));
  }
  return response;
}

absl::StatusOr<HeadAnswer> GrantsQueries::WholeAnswer(const booo::v1::GetGrantRequest& request) {
  RETURN_IF_ERROR(state_->CatchUp());
  ASSIGN_OR_RETURN(const Scope scope, CheckGrantRequest(request));
  const std::string& code = request.municipality_code();
  const int32_t year = request.spending_year();
  Reader reader(*state_);
  ASSIGN_OR_RETURN(KnownAt at, ResolveGrant(reader, request));
  const RuleTimeline rules(SelectCurrent(reader.rules().records(), at));
  if (!request.has_scope() && reader.AtHead(at)) {
    ASSIGN_OR_RETURN(HeadAnswer answer, HeadGrant(reader, code, year, rules));
    *answer.answer.mutable_known_at() = request.known_at();
    return answer;
  }
  ASSIGN_OR_RETURN(GrantComputation computation, reader.Compute(code, scope, at, rules));
  HeadAnswer answer;
  answer.answer = ToGetGrantResponse(code, scope, std::move(computation));
  answer.answer.set_tree_size(at.tree_size);
  *answer.answer.mutable_known_at() = request.known_at();
  answer.answer.set_stream_version(reader.StreamSizeBefore(code, at.tree_size));
  answer.traces = std::make_shared<const GrantTraces>(TakeTraces(answer.answer));
  return answer;
}

absl::Status GrantsQueries::StreamGrantTrace(
    const booo::v1::GetGrantRequest& request,
    absl::FunctionRef<bool(const booo::v1::GrantTraceChunk&)> send) {
  if (!request.has_scope() && request.trace_path().empty()) {
    // A whole-year grant at the head: the first chunk from the top levels (cached, or kept
    // across a restart) before the whole trace is computed, if it must be.
    RETURN_IF_ERROR(state_->CatchUp());
    RETURN_IF_ERROR(CheckGrantRequest(request).status());
    const std::string& code = request.municipality_code();
    std::optional<HeadAnswer> top;
    uint64_t tree_size = 0;
    {
      Reader reader(*state_);
      ASSIGN_OR_RETURN(KnownAt at, ResolveGrant(reader, request));
      if (reader.AtHead(at)) {
        const RuleTimeline rules(SelectCurrent(reader.rules().records(), at));
        ASSIGN_OR_RETURN(top, HeadTop(reader, code, request.spending_year(), rules));
        tree_size = reader.position();
      }
    }
    if (top) {
      // Sent with no lock held: a slow receiver holds the traces (shared), never the state.
      booo::v1::GetGrantResponse answer = std::move(top->answer);
      *answer.mutable_known_at() = request.known_at();
      if (!send(FirstChunk(*top->traces, std::move(answer)))) {
        return absl::CancelledError("the receiver stopped reading");
      }
      // The rest at the same ledger point, whether or not the head moved on meanwhile.
      booo::v1::GetGrantRequest pinned = request;
      pinned.mutable_known_at()->set_tree_size(tree_size);
      ASSIGN_OR_RETURN(HeadAnswer whole, WholeAnswer(pinned));
      return StreamAfterFirstChunk(*whole.traces, request, send);
    }
  }
  ASSIGN_OR_RETURN(HeadAnswer whole, WholeAnswer(request));
  // The reader is released: a slow receiver holds the traces (shared), never the state.
  return StreamTraces(*whole.traces, request, std::move(whole.answer), send);
}

absl::StatusOr<booo::v1::ListBalancesResponse> GrantsQueries::ListBalances(
    const booo::v1::ListBalancesRequest& request) {
  RETURN_IF_ERROR(state_->CatchUp());
  const int32_t only_year = request.spending_year();
  RETURN_IF_ERROR(CheckYear(only_year, false, "spending_year"));
  Reader reader(*state_);
  ASSIGN_OR_RETURN(KnownAt at, reader.Resolve(request.known_at()));
  const RuleTimeline rules(SelectCurrent(reader.rules().records(), at));
  booo::v1::ListBalancesResponse response;
  response.set_tree_size(at.tree_size);
  BalanceTotalsBuilder totals;
  for (const std::string& code : reader.Municipalities()) {
    ASSIGN_OR_RETURN(std::vector<int32_t> years, reader.YearsWithFacts(code, at));
    if (only_year != 0) {
      if (std::find(years.begin(), years.end(), only_year) == years.end()) continue;
      years = {only_year};
    }
    for (int32_t year : years) {
      booo::v1::BalanceRow row;
      if (reader.AtHead(at)) {
        ASSIGN_OR_RETURN(row, HeadRow(reader, code, year, rules));
      } else {
        ASSIGN_OR_RETURN(GrantComputation c, reader.Compute(code, Scope::Year(year), at, rules));
        row = ToBalanceRow(code, year, c);
      }
      RETURN_IF_ERROR(totals.Add(row));
      *response.add_rows() = std::move(row);
    }
  }
  *response.mutable_totals() = totals.Build();
  return response;
}

absl::StatusOr<GrantsQueries::RefreshReport> GrantsQueries::RefreshHeads(
    absl::FunctionRef<bool()> keep_going) {
  RETURN_IF_ERROR(state_->CatchUp());
  std::vector<std::string> codes;
  {
    Reader reader(*state_);
    codes = reader.Municipalities();
  }
  RefreshReport report;
  for (const std::string& code : codes) {
    if (!keep_going()) break;
    // One reader per municipality: the catch-up waits for one municipality at most.
    Reader reader(*state_);
    const HeadVersions versions = VersionsOf(reader, code);
    {
      absl::MutexLock lock(&refresh_mutex_);
      auto failed = refresh_failed_.find(code);
      if (failed != refresh_failed_.end() && failed->second == versions) continue;
    }
    const KnownAt head{reader.position(), std::nullopt};
    absl::Status done = [&]() -> absl::Status {
      ASSIGN_OR_RETURN(std::vector<int32_t> years, reader.YearsWithFacts(code, head));
      std::optional<RuleTimeline> rules;
      for (int32_t year : years) {
        const HeadGrantCache::Key key{code, year};
        if (cache_.Row(key, versions) || KeptTop(key, versions, head.tree_size)) continue;
        if (!rules) rules.emplace(SelectCurrent(reader.rules().records(), head));
        RETURN_IF_ERROR(HeadGrant(reader, code, year, *rules, false).status());
        ++report.computed;
      }
      return absl::OkStatus();
    }();
    absl::MutexLock lock(&refresh_mutex_);
    if (done.ok()) {
      refresh_failed_.erase(code);
      continue;
    }
    refresh_failed_[code] = versions;
    if (report.failed++ == 0) {
      report.first_failure = absl::Status(done.code(), absl::StrCat(code, ": ", done.message()));
    }
  }
  return report;
}

}  // namespace booo::wire
