#include "replay/grant_projection.h"

#include <algorithm>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ledger/civil_date.h"
#include "ledger/event_validation.h"
#include "ledger/status_macros.h"
#include "replay/event_header.h"
#include "replay/grant_response.h"

namespace booo::replay {
namespace {

using booo::v1::EventBody;
constexpr uint64_t kCatchUpChunk = 65536;  // events read per lock hold
constexpr char kMunicipalityStreamPrefix[] = "municipality/";

void AddYears(const booo::v1::DateRange& period, std::set<int32_t>& years) {
  for (int32_t y = period.first_day().year(); y <= period.last_day().year(); ++y) years.insert(y);
}

}  // namespace

absl::Status GrantProjection::CatchUp() {
  std::lock_guard catching_up(catch_up_mutex_);
  std::vector<ReadEvent> read;  // one chunk's, reused
  read.reserve(kCatchUpChunk);
  // Read before the size: every event recorded before it is then within the size.
  const std::optional<int64_t> settled = log_->SettledBeforeMicros();
  for (;;) {
    uint64_t from;
    {
      std::shared_lock lock(mutex_);
      from = position_;
    }
    const uint64_t size = log_->Size();
    if (size <= from) {
      std::unique_lock lock(mutex_);
      settled_before_micros_ = settled;
      return absl::OkStatus();
    }
    if (recorded_at_micros_.capacity() < size) {
      std::unique_lock lock(mutex_);
      // Once for a rebuild rather than by doubling; geometrically as the log grows after.
      recorded_at_micros_.reserve(std::max<size_t>(size, 2 * recorded_at_micros_.capacity()));
    }
    const uint64_t end = std::min(size, from + kCatchUpChunk);
    // Reading happens outside the lock; the exclusive lock is held only to move the records
    // in, so queries wait for one chunk's moves at most.
    read.clear();
    // Checked on use: what is kept parsed (rules, budget lines) is checked here, a
    // municipality's bodies when a query reads them back (ReadBodies); the rest is not used.
    RETURN_IF_ERROR(log_->Scan(
        from, end,
        [&](const LoggedEvent& event) -> absl::Status {
          ASSIGN_OR_RETURN(ReadEvent r, Read(event));
          read.push_back(std::move(r));
          return absl::OkStatus();
        },
        ScanChecks::kOnUse));
    std::unique_lock lock(mutex_);
    for (ReadEvent& event : read) RETURN_IF_ERROR(Ingest(std::move(event)));
  }
}

size_t GrantProjection::parsed_events_held() const {
  std::lock_guard cache(parsed_mutex_);
  return parsed_events_;
}

size_t GrantProjection::cached_trace_weight() const {
  std::lock_guard cache(head_cache_mutex_);
  return cached_trace_weight_;
}

uint64_t GrantProjection::position() const {
  std::shared_lock lock(mutex_);
  return position_;
}

absl::StatusOr<GrantProjection::ReadEvent> GrantProjection::Read(const LoggedEvent& event) {
  auto data_loss = [&](const absl::Status& s) {
    return absl::DataLossError(absl::StrCat("sequence ", event.sequence, ": ", s.message()));
  };
  absl::StatusOr<EventHeader> header = ReadEventHeader(event.body);
  if (!header.ok()) return data_loss(header.status());
  ReadEvent read;
  EventRef& ref = read.ref;
  ref.sequence = event.sequence;
  ref.recorded_at_micros = event.recorded_at_micros;
  ref.business_day =
      header->business_day.value_or(event.recorded_at_micros / ledger::kMicrosPerDay);
  if (header->payload_field == EventBody::kRuleAmended ||
      header->payload_field == EventBody::kBudgetLineSet) {
    // Few and read by every query: checked and parsed once, kept parsed.
    ASSIGN_OR_RETURN(std::string leaf_hash, log_->CheckEvent(event));
    ref.leaf_hash = leaf_hash;
    EventBody* body = google::protobuf::Arena::CreateMessage<EventBody>(&arena_);
    if (absl::Status s = ledger::ParseEventBodyInto(event.body, *body); !s.ok()) {
      return data_loss(s);
    }
    ref.event_id = body->event_id();
    read.body = body;
  } else if (absl::StartsWith(header->stream, kMunicipalityStreamPrefix)) {
    // The stream names the municipality its payload does (the ledger admits no other).
    const absl::string_view code =
        header->stream.substr(absl::string_view(kMunicipalityStreamPrefix).size());
    auto [it, added] =
        stream_numbers_.try_emplace(code, static_cast<int32_t>(stream_codes_.size()));
    if (added) stream_codes_.emplace_back(code);
    read.municipality = it->second;
  }
  return read;
}

absl::Status GrantProjection::Ingest(ReadEvent event) {
  if (event.ref.sequence != position_) {
    return absl::DataLossError(absl::StrCat("projection: expected sequence ", position_,
                                            ", the log returned ", event.ref.sequence));
  }
  recorded_at_micros_.push_back(event.ref.recorded_at_micros);
  if (event.body != nullptr && event.body->has_rule_amended()) {
    rules_.AddBorrowed(std::move(event.ref), event.body);
  } else if (event.body != nullptr) {
    budget_.AddBorrowed(std::move(event.ref), event.body);
  } else if (event.municipality >= 0) {
    const size_t number = static_cast<size_t>(event.municipality);
    // Numbers are handed out in the order codes first appear in the log, which is the order
    // events are ingested in; a municipality's first event adds its stream.
    while (stream_facts_.size() <= number) {
      stream_facts_.push_back(&municipalities_[stream_codes_[stream_facts_.size()]]);
    }
    stream_facts_[number]->push_back(
        StoredFact{event.ref.sequence, event.ref.business_day});
  }
  ++position_;
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const StreamRecords>> GrantProjection::Facts(
    const std::string& code) const {
  const std::vector<StoredFact>& stored = municipalities_.at(code);
  std::shared_ptr<const StreamRecords> base;
  {
    std::lock_guard cache(parsed_mutex_);
    if (auto it = parsed_.find(code); it != parsed_.end()) {
      it->second.last_used = ++parsed_clock_;
      if (it->second.records->records().size() == stored.size()) return it->second.records;
      base = it->second.records;
    }
  }
  // Parsed outside the cache's lock. A stream that grew is extended from the parsed prefix
  // (the copy shares the prefix's bodies).
  auto records = base ? std::make_shared<StreamRecords>(*base) : std::make_shared<StreamRecords>();
  const size_t have = records->records().size();
  std::vector<uint64_t> sequences;
  sequences.reserve(stored.size() - have);
  for (size_t i = have; i < stored.size(); ++i) sequences.push_back(stored[i].sequence);
  RETURN_IF_ERROR(log_->ReadBodies(sequences, [&](size_t i, absl::string_view body,
                                                  absl::string_view leaf_hash) -> absl::Status {
    const StoredFact& fact = stored[have + i];
    EventRef ref{fact.sequence, recorded_at_micros_[fact.sequence], leaf_hash, "",
                 fact.business_day};
    if (absl::Status s = records->AddSerialized(std::move(ref), body); !s.ok()) {
      return absl::DataLossError(absl::StrCat("sequence ", fact.sequence, ": ", s.message()));
    }
    return absl::OkStatus();
  }));
  std::lock_guard cache(parsed_mutex_);
  ParsedStream& entry = parsed_[code];
  const size_t had = entry.records ? entry.records->records().size() : 0;
  if (records->records().size() > had) {
    parsed_events_ += records->records().size() - had;
    entry.records = records;
  }
  entry.last_used = ++parsed_clock_;
  while (parsed_events_ > options_.max_parsed_events && parsed_.size() > 1) {
    auto oldest = parsed_.end();
    for (auto it = parsed_.begin(); it != parsed_.end(); ++it) {
      if (it->first != code &&
          (oldest == parsed_.end() || it->second.last_used < oldest->second.last_used)) {
        oldest = it;
      }
    }
    parsed_events_ -= oldest->second.records->records().size();
    parsed_.erase(oldest);  // queries still holding it keep it alive
  }
  return records;
}

absl::StatusOr<KnownAt> GrantProjection::Resolve(const booo::v1::KnownAt& at) const {
  switch (at.point_case()) {
    case booo::v1::KnownAt::kTreeSize:
      if (at.tree_size() > position_) {
        return absl::OutOfRangeError(absl::StrCat("known_at.tree_size: ", at.tree_size(),
                                                  " exceeds the ledger's size ", position_));
      }
      return KnownAt{at.tree_size(), std::nullopt};
    case booo::v1::KnownAt::kRecordedAtMicros: {
      if (at.recorded_at_micros() < 0) {
        return absl::InvalidArgumentError("known_at.recorded_at_micros: must not be negative");
      }
      if (settled_before_micros_ && at.recorded_at_micros() >= *settled_before_micros_) {
        return absl::OutOfRangeError(absl::StrCat(
            "known_at.recorded_at_micros: ", at.recorded_at_micros(),
            " is not settled: the ledger may still record events at that time (its clock reads ",
            *settled_before_micros_, "), so the answer could change; ask for an earlier time or ",
            "a tree_size"));
      }
      auto end = std::upper_bound(recorded_at_micros_.begin(), recorded_at_micros_.end(),
                                  at.recorded_at_micros());
      return KnownAt{static_cast<uint64_t>(end - recorded_at_micros_.begin()), std::nullopt};
    }
    case booo::v1::KnownAt::kBusinessDate:
      RETURN_IF_ERROR(ledger::ValidateCivilDate(at.business_date(), "known_at.business_date"));
      return KnownAt{position_, ledger::ToEpochDays(at.business_date())};
    default:
      return KnownAt{position_, std::nullopt};
  }
}

absl::StatusOr<GrantInput> GrantProjection::InputFor(const std::string& code, const Scope& scope,
                                                     const KnownAt& at,
                                                     const RuleTimeline& rules) const {
  ASSIGN_OR_RETURN(std::shared_ptr<const StreamRecords> stream, Facts(code));
  GrantInput input;
  input.municipality_code = code;
  input.scope = scope;
  input.rules = &rules;
  input.facts = SelectCurrent(stream->records(), at);
  input.keep_alive = std::move(stream);
  return input;
}

absl::StatusOr<GrantComputation> GrantProjection::Compute(const std::string& code,
                                                          const Scope& scope, const KnownAt& at,
                                                          const RuleTimeline& rules) const {
  ASSIGN_OR_RETURN(GrantInput input, InputFor(code, scope, at, rules));
  return ComputeGrant(input);
}

absl::StatusOr<GrantProjection::HeadAnswer> GrantProjection::HeadGrant(
    const std::string& code, int32_t year, const RuleTimeline& rules) const {
  const size_t rules_version = rules_.records().size();
  const size_t stream_version = municipalities_.at(code).size();
  {
    std::lock_guard cache(head_cache_mutex_);
    auto it = head_cache_.find({code, year});
    if (it != head_cache_.end() && it->second.rules_version == rules_version &&
        it->second.stream_version == stream_version && it->second.traces) {
      HeadAnswer answer{it->second.answer, it->second.traces};
      answer.answer.set_tree_size(position_);
      return answer;
    }
  }
  const KnownAt head{position_, std::nullopt};
  ASSIGN_OR_RETURN(GrantComputation computation, Compute(code, Scope::Year(year), head, rules));
  HeadAnswer answer;
  answer.answer = ToGetGrantResponse(code, Scope::Year(year), std::move(computation));
  answer.answer.set_tree_size(position_);
  answer.answer.set_stream_version(stream_version);
  answer.traces = std::make_shared<const GrantTraces>(TakeTraces(answer.answer));
  // What the parsed traces hold in memory (several times their serialized size).
  booo::v1::GetGrantRequest cut;
  cut.set_trace_depth(kTopDepth);
  booo::v1::GetGrantResponse cut_answer;
  RETURN_IF_ERROR(SelectTraces(*answer.traces, cut, cut_answer));
  auto top = std::make_shared<const GrantTraces>(TakeTraces(cut_answer));
  const size_t weight = answer.traces->trace.SpaceUsedLong() +
                        answer.traces->settlement.SpaceUsedLong() +
                        answer.traces->vat_fund.SpaceUsedLong();
  std::lock_guard cache(head_cache_mutex_);
  const uint64_t generation = ++cache_generation_;
  HeadEntry& entry = head_cache_[{code, year}];
  if (entry.traces) cached_trace_weight_ -= entry.trace_weight;  // replaced
  entry = HeadEntry{rules_version, stream_version, answer.answer, answer.traces,
                    ToBalanceRow(answer.answer), generation, nullptr, weight, std::move(top)};
  cached_trace_weight_ += weight;
  // Keep the traces of the most recent entries only; older ones keep the rest of the answer.
  cached_traces_.emplace_back(std::pair(code, year), generation);
  EvictTracesLocked();
  return answer;
}

absl::StatusOr<GrantProjection::HeadAnswer> GrantProjection::HeadTop(
    const std::string& code, int32_t year, const RuleTimeline& rules) const {
  {
    std::lock_guard cache(head_cache_mutex_);
    auto it = head_cache_.find({code, year});
    if (it != head_cache_.end() && it->second.rules_version == rules_.records().size() &&
        it->second.stream_version == municipalities_.at(code).size() && it->second.top) {
      HeadAnswer answer{it->second.answer, it->second.top};
      answer.answer.set_tree_size(position_);
      return answer;
    }
  }
  ASSIGN_OR_RETURN(HeadAnswer answer, HeadGrant(code, year, rules));
  std::lock_guard cache(head_cache_mutex_);
  auto it = head_cache_.find({code, year});
  if (it != head_cache_.end() && it->second.traces == answer.traces && it->second.top) {
    answer.traces = it->second.top;
  }
  return answer;
}

void GrantProjection::EvictTracesLocked() const {
  while (cached_traces_.size() > 1 && (cached_traces_.size() > kMaxCachedTraces ||
                                       cached_trace_weight_ > options_.max_cached_trace_bytes)) {
    const auto& [key, inserted] = cached_traces_.front();
    auto oldest = head_cache_.find(key);
    if (oldest != head_cache_.end() && oldest->second.generation == inserted &&
        oldest->second.traces) {
      cached_trace_weight_ -= oldest->second.trace_weight;
      oldest->second.traces.reset();
      oldest->second.bytes.reset();
      oldest->second.trace_weight = 0;
    }
    cached_traces_.pop_front();
  }
}

absl::StatusOr<std::shared_ptr<const std::string>> GrantProjection::HeadGrantBytes(
    const std::string& code, int32_t year, const RuleTimeline& rules) const {
  const size_t rules_version = rules_.records().size();
  const size_t stream_version = municipalities_.at(code).size();
  auto current = [&](const HeadEntry& entry) {
    return entry.rules_version == rules_version && entry.stream_version == stream_version;
  };
  {
    std::lock_guard cache(head_cache_mutex_);
    auto it = head_cache_.find({code, year});
    if (it != head_cache_.end() && current(it->second) && it->second.bytes) {
      return it->second.bytes;
    }
  }
  ASSIGN_OR_RETURN(HeadAnswer answer, HeadGrant(code, year, rules));
  booo::v1::GetGrantResponse whole = std::move(answer.answer);
  whole.clear_tree_size();  // both go into each request's tail
  whole.clear_known_at();
  *whole.mutable_trace() = answer.traces->trace;
  *whole.mutable_settlement() = answer.traces->settlement;
  *whole.mutable_vat_fund() = answer.traces->vat_fund;
  auto bytes = std::make_shared<const std::string>(whole.SerializeAsString());
  std::lock_guard cache(head_cache_mutex_);
  auto it = head_cache_.find({code, year});
  // Kept only beside the traces it was made from (evicted with them).
  if (it != head_cache_.end() && current(it->second) && it->second.traces == answer.traces &&
      !it->second.bytes) {
    it->second.bytes = bytes;
    it->second.trace_weight += bytes->size();
    cached_trace_weight_ += bytes->size();
    EvictTracesLocked();
  }
  return bytes;
}

absl::StatusOr<booo::v1::BalanceRow> GrantProjection::HeadRow(const std::string& code, int32_t year,
                                                              const RuleTimeline& rules) const {
  {
    std::lock_guard cache(head_cache_mutex_);
    auto it = head_cache_.find({code, year});
    if (it != head_cache_.end() && it->second.rules_version == rules_.records().size() &&
        it->second.stream_version == municipalities_.at(code).size()) {
      return it->second.row;
    }
  }
  ASSIGN_OR_RETURN(HeadAnswer answer, HeadGrant(code, year, rules));
  return ToBalanceRow(answer.answer);
}

absl::StatusOr<std::vector<int32_t>> GrantProjection::YearsWithFacts(const std::string& code,
                                                                     const KnownAt& at) const {
  // At the head the answer only changes with the municipality's stream: ListBalances asks for
  // every municipality, and walking every fact each time cost it half a second at 2 M events.
  const bool at_head = at.tree_size == position_ && !at.business_day;
  const size_t stream_version = municipalities_.at(code).size();
  if (at_head) {
    std::lock_guard cache(head_cache_mutex_);
    auto it = head_years_.find(code);
    if (it != head_years_.end() && it->second.first == stream_version) return it->second.second;
  }
  ASSIGN_OR_RETURN(std::vector<int32_t> out, ComputeYearsWithFacts(code, at));
  if (at_head) {
    std::lock_guard cache(head_cache_mutex_);
    head_years_[code] = {stream_version, out};
  }
  return out;
}

absl::StatusOr<std::vector<int32_t>> GrantProjection::ComputeYearsWithFacts(
    const std::string& code, const KnownAt& at) const {
  ASSIGN_OR_RETURN(std::shared_ptr<const StreamRecords> stream, Facts(code));
  std::set<int32_t> years;
  for (const FactRecord* f : SelectCurrent(stream->records(), at)) {
    const EventBody& b = *f->body;
    switch (b.payload_case()) {
      case EventBody::kGooPlacesDeclared:
        AddYears(b.goo_places_declared().period(), years);
        break;
      case EventBody::kPooPersonMonthsDeclared:
        years.insert(b.poo_person_months_declared().month().year());
        break;
      case EventBody::kLivingAllowancePaid:
        AddYears(b.living_allowance_paid().period(), years);
        break;
      case EventBody::kTransitionCostRequested:
        AddYears(b.transition_cost_requested().period(), years);
        break;
      case EventBody::kExceptionClaimFiled:
        years.insert(b.exception_claim_filed().spending_year());
        break;
      case EventBody::kAdvancePaid:
        years.insert(b.advance_paid().spending_year());
        break;
      case EventBody::kVoluntaryRepaymentReceived:
        years.insert(b.voluntary_repayment_received().spending_year());
        break;
      case EventBody::kAccountabilityReportFiled:
        years.insert(b.accountability_report_filed().spending_year());
        break;
      case EventBody::kGrantDetermined:
        years.insert(b.grant_determined().spending_year());
        break;
      case EventBody::kTransitionCostsDeclared:
        years.insert(b.transition_costs_declared().spending_year());
        break;
      case EventBody::kAdvanceRequested:
        years.insert(b.advance_requested().spending_year());
        break;
      default:
        break;
    }
  }
  // Facts about days before the scheme (a period starting in 2021) concern no spending year.
  std::vector<int32_t> out;
  for (int32_t y : years) {
    if (y >= 2022 && y <= ledger::kMaxYear) out.push_back(y);
  }
  return out;
}

absl::StatusOr<Scope> GrantProjection::CheckGrantRequest(const booo::v1::GetGrantRequest& request) {
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

absl::StatusOr<SerializedGrant> GrantProjection::GetGrantSerialized(
    const booo::v1::GetGrantRequest& request) {
  const bool whole_trace = request.trace_depth() == 0 && request.trace_path().empty();
  if (whole_trace && !request.has_scope()) {
    RETURN_IF_ERROR(CatchUp());
    RETURN_IF_ERROR(CheckGrantRequest(request).status());
    const std::string& code = request.municipality_code();
    std::shared_lock lock(mutex_);
    if (!municipalities_.contains(code)) {
      return absl::NotFoundError(
          absl::StrCat("municipality_code: ", code, " has no events in the ledger"));
    }
    ASSIGN_OR_RETURN(KnownAt at, Resolve(request.known_at()));
    if (at.tree_size == position_ && !at.business_day) {
      const RuleTimeline rules(SelectCurrent(rules_.records(), at));
      ASSIGN_OR_RETURN(std::shared_ptr<const std::string> bytes,
                       HeadGrantBytes(code, request.spending_year(), rules));
      booo::v1::GetGrantResponse tail;
      tail.set_tree_size(position_);
      *tail.mutable_known_at() = request.known_at();
      return SerializedGrant{std::move(bytes), tail.SerializeAsString()};
    }
  }
  ASSIGN_OR_RETURN(booo::v1::GetGrantResponse answer, GetGrant(request));
  return SerializedGrant{std::make_shared<const std::string>(answer.SerializeAsString()), ""};
}

absl::StatusOr<booo::v1::GetGrantResponse> GrantProjection::GetGrant(
    const booo::v1::GetGrantRequest& request) {
  RETURN_IF_ERROR(CatchUp());
  ASSIGN_OR_RETURN(const Scope scope, CheckGrantRequest(request));
  const std::string& code = request.municipality_code();
  const int32_t year = request.spending_year();
  std::shared_lock lock(mutex_);
  if (!municipalities_.contains(code)) {
    return absl::NotFoundError(
        absl::StrCat("municipality_code: ", code, " has no events in the ledger"));
  }
  ASSIGN_OR_RETURN(KnownAt at, Resolve(request.known_at()));
  const RuleTimeline rules(SelectCurrent(rules_.records(), at));
  if (!request.has_scope() && at.tree_size == position_ && !at.business_day) {
    // Served from the cache: only the trace the request selects is copied. The top levels come
    // from the entry's kept cut, which outlives an evicted whole trace.
    const uint32_t depth = request.trace_depth();
    const bool top_levels = request.trace_path().empty() && depth >= 1 && depth <= kTopDepth;
    ASSIGN_OR_RETURN(HeadAnswer answer,
                     top_levels ? HeadTop(code, year, rules) : HeadGrant(code, year, rules));
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
  ASSIGN_OR_RETURN(GrantComputation computation, Compute(code, scope, at, rules));
  booo::v1::GetGrantResponse response = ToGetGrantResponse(code, scope, std::move(computation));
  response.set_tree_size(at.tree_size);
  *response.mutable_known_at() = request.known_at();
  const auto& stored = municipalities_.at(code);
  response.set_stream_version(static_cast<uint64_t>(
      std::partition_point(stored.begin(), stored.end(),
                           [&](const StoredFact& f) { return f.sequence < at.tree_size; }) -
      stored.begin()));
  if (request.trace_depth() != 0 || !request.trace_path().empty()) {
    const GrantTraces traces = TakeTraces(response);
    RETURN_IF_ERROR(SelectTraces(traces, request, response));
  }
  return response;
}

absl::StatusOr<booo::v1::ListBalancesResponse> GrantProjection::ListBalances(
    const booo::v1::ListBalancesRequest& request) {
  RETURN_IF_ERROR(CatchUp());
  const int32_t only_year = request.spending_year();
  RETURN_IF_ERROR(CheckYear(only_year, false, "spending_year"));
  std::shared_lock lock(mutex_);
  ASSIGN_OR_RETURN(KnownAt at, Resolve(request.known_at()));
  const RuleTimeline rules(SelectCurrent(rules_.records(), at));
  booo::v1::ListBalancesResponse response;
  response.set_tree_size(at.tree_size);
  BalanceTotalsBuilder totals;
  for (const auto& [code, stream] : municipalities_) {
    ASSIGN_OR_RETURN(std::vector<int32_t> years, YearsWithFacts(code, at));
    if (only_year != 0) {
      if (std::find(years.begin(), years.end(), only_year) == years.end()) continue;
      years = {only_year};
    }
    for (int32_t year : years) {
      booo::v1::BalanceRow row;
      if (at.tree_size == position_ && !at.business_day) {
        ASSIGN_OR_RETURN(row, HeadRow(code, year, rules));
      } else {
        ASSIGN_OR_RETURN(GrantComputation c, Compute(code, Scope::Year(year), at, rules));
        row = ToBalanceRow(code, year, c);
      }
      RETURN_IF_ERROR(totals.Add(row));
      *response.add_rows() = std::move(row);
    }
  }
  *response.mutable_totals() = totals.Build();
  return response;
}

}  // namespace booo::replay
