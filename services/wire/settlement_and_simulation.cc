// GrantsQueries' two comparative queries: replaying a recorded determination, and the impact
// of a proposed rule amendment.
#include <algorithm>
#include <cstring>
#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ledger/core/civil_date.h"
#include "ledger/core/event_validation.h"
#include "ledger/core/status_macros.h"
#include "services/wire/grants_queries.h"
#include "replay/calc/grant_payload_rules.h"
#include "replay/calc/money.h"
#include "replay/calc/rule_guard.h"
#include "replay/calc/trace.h"

namespace booo::wire {
namespace {

using replay::CheckedAdd;
using replay::EventRef;
using replay::FactRecord;
using replay::FormatEuros;
using replay::GrantComputation;
using replay::KnownAt;
using replay::LoggedEvent;
using replay::RuleTimeline;
using replay::ScanChecks;
using replay::Scope;
using replay::SelectCurrent;
using replay::StreamRecords;
using replay::TraceNode;

// The depth of the trace summary a determination records and a replay compares.
constexpr int kSummaryDepth = 2;

void CompareSummaries(const booo::v1::GrantDetermined& recorded, const TraceNode& replayed,
                      booo::v1::ReplaySettlementResponse& out) {
  std::map<std::string, booo::v1::TraceNodeDigest> mine;
  for (auto& node : replay::Summarize(replayed, kSummaryDepth)) mine[node.path()] = node;
  std::map<std::string, booo::v1::TraceNodeDigest> theirs;
  for (const auto& node : recorded.trace_summary()) theirs[node.path()] = node;
  for (const auto& [path, node] : theirs) {
    auto it = mine.find(path);
    if (it != mine.end() && it->second.digest() == node.digest()) continue;
    booo::v1::TraceNodeDifference* d = out.add_differences();
    d->set_path(path);
    d->set_recorded_amount_cents(node.amount_cents());
    d->set_recorded_digest(node.digest());
    if (it == mine.end()) {
      d->set_change("only in the determination");
    } else {
      d->set_replayed_amount_cents(it->second.amount_cents());
      d->set_replayed_digest(it->second.digest());
      d->set_change("changed");
    }
  }
  for (const auto& [path, node] : mine) {
    if (theirs.contains(path) || recorded.trace_summary().empty()) continue;
    booo::v1::TraceNodeDifference* d = out.add_differences();
    d->set_path(path);
    d->set_replayed_amount_cents(node.amount_cents());
    d->set_replayed_digest(node.digest());
    d->set_change("only in the replay");
  }
}

// The years a proposed amendment's values touch, capped at `last_year`.
std::vector<int32_t> TouchedYears(const booo::v1::RuleAmended& amendment, int32_t last_year) {
  std::set<int32_t> years;
  for (const auto& v : amendment.values()) {
    const int32_t to = v.has_valid_to() ? v.valid_to().year() : last_year;
    for (int32_t y = std::max(v.valid_from().year(), replay::kFirstSpendingYear); y <= std::min(to, last_year); ++y) {
      years.insert(y);
    }
  }
  return {years.begin(), years.end()};
}

}  // namespace

absl::StatusOr<booo::v1::ReplaySettlementResponse> GrantsQueries::ReplaySettlement(
    const booo::v1::ReplaySettlementRequest& request) {
  RETURN_IF_ERROR(state_->CatchUp());
  uint64_t sequence = 0;
  switch (request.determination_case()) {
    case booo::v1::ReplaySettlementRequest::kSequence:
      sequence = request.sequence();
      break;
    case booo::v1::ReplaySettlementRequest::kEventId: {
      ASSIGN_OR_RETURN(std::optional<uint64_t> found, state_->log().FindEventId(request.event_id()));
      if (!found) {
        return absl::NotFoundError(
            absl::StrCat("event_id: no event ", request.event_id(), " in the ledger"));
      }
      sequence = *found;
      break;
    }
    default:
      return absl::InvalidArgumentError("determination: give a sequence or an event_id");
  }
  Reader reader(*state_);
  if (sequence >= reader.position()) {
    return absl::NotFoundError(absl::StrCat("sequence: no event ", sequence, " in the ledger"));
  }
  std::optional<booo::v1::EventBody> parsed;
  RETURN_IF_ERROR(state_->log().Scan(sequence, sequence + 1, [&](const LoggedEvent& e) -> absl::Status {
    parsed.emplace();
    if (absl::Status s = ledger::ParseEventBodyInto(e.body, *parsed); !s.ok()) {
      return absl::DataLossError(absl::StrCat("sequence ", e.sequence, ": ", s.message()));
    }
    return absl::OkStatus();
  }, ScanChecks::kEveryEvent));
  if (!parsed) return absl::NotFoundError(absl::StrCat("sequence: no event ", sequence));
  const booo::v1::EventBody& body = *parsed;
  if (!body.has_grant_determined()) {
    return absl::FailedPreconditionError(
        absl::StrCat("determination: event ", sequence, " (", body.event_id(), ") is a ",
                     ledger::PayloadName(body), " event, not a grant_determined event"));
  }
  const booo::v1::GrantDetermined& recorded = body.grant_determined();
  const std::string& code = recorded.municipality_code();
  // As the ledger held it when the determination was recorded: everything before it.
  const KnownAt at{sequence, std::nullopt};
  const RuleTimeline rules(SelectCurrent(reader.rules().records(), at));
  ASSIGN_OR_RETURN(GrantComputation c,
                   reader.Compute(code, Scope::Year(recorded.spending_year()), at, rules));

  booo::v1::ReplaySettlementResponse out;
  ASSIGN_OR_RETURN(std::shared_ptr<const StreamRecords> stream, reader.Facts(code));
  *out.mutable_determination() = ToDetermination(stream->records()[stream->Find(body.event_id())]);
  out.set_municipality_code(code);
  out.set_spending_year(recorded.spending_year());
  out.set_tree_size(sequence);
  out.set_replayed_amount_cents(c.computed_grant_cents);
  out.set_replayed_trace_digest(c.trace.digest());
  if (c.computed_grant_cents != recorded.amount_cents()) {
    out.add_reasons(absl::StrCat("amount: determined ", FormatEuros(recorded.amount_cents()),
                                 ", replayed ", FormatEuros(c.computed_grant_cents)));
  }
  if (c.trace.digest() != recorded.trace_digest()) {
    out.add_reasons("trace digest: the replayed derivation differs from the recorded one");
    CompareSummaries(recorded, c.trace, out);
  }
  out.set_verdict(out.reasons().empty() ? booo::v1::SETTLEMENT_VERDICT_MATCH
                                        : booo::v1::SETTLEMENT_VERDICT_MISMATCH);
  *out.mutable_replayed_trace() = std::move(c.trace);
  return out;
}

absl::StatusOr<booo::v1::SimulateAmendmentResponse> GrantsQueries::SimulateAmendment(
    const booo::v1::SimulateAmendmentRequest& request) {
  RETURN_IF_ERROR(state_->CatchUp());
  // The proposal is checked as if it were appended: field rules, then the catalogue.
  booo::v1::EventBody proposal;
  proposal.set_event_id("simulated-amendment");
  proposal.set_stream("rules");
  proposal.set_signer_key_id("simulation");
  *proposal.mutable_rule_amended() = request.amendment();
  // Messages name fields of the request ("amendment.values[0]..."), not of an event body.
  auto in_request = [](const absl::Status& s) {
    std::string message(s.message());
    if (absl::StartsWith(message, "rule_amended.")) message.erase(0, strlen("rule_amended."));
    return absl::Status(s.code(), absl::StrCat("amendment.", message));
  };
  static const replay::GrantPayloadRules* const kRules = new replay::GrantPayloadRules;
  if (absl::Status valid = ledger::ValidateEventBody(proposal, kRules); !valid.ok()) {
    return in_request(valid);
  }
  if (absl::Status valid = replay::CheckParameters(request.amendment()); !valid.ok()) {
    return in_request(valid);
  }
  for (int i = 0; i < request.spending_years_size(); ++i) {
    RETURN_IF_ERROR(
        CheckYear(request.spending_years(i), true, absl::StrCat("spending_years[", i, "]")));
  }
  Reader reader(*state_);
  ASSIGN_OR_RETURN(KnownAt at, reader.Resolve(request.known_at()));
  const std::vector<const FactRecord*> current_rules =
      SelectCurrent(reader.rules().records(), at);
  const RuleTimeline baseline(current_rules);
  // The proposal takes the next ledger position and overrides, on its days, every rule the
  // query sees (its publication date only matters for the retroactivity check).
  FactRecord proposed;
  proposed.ref.sequence = reader.position();
  proposed.ref.event_id = proposal.event_id();
  proposed.ref.business_day = ledger::ToEpochDays(request.amendment().publication_date());
  proposed.body = &proposal;
  const RuleTimeline simulated(current_rules, &proposed);

  booo::v1::SimulateAmendmentResponse out;
  out.set_tree_size(at.tree_size);
  // Would the ledger have admitted it at the query's point? Judged against the rules the
  // ledger held there (the first tree_size events, and only those published by its business
  // day when it has one), with the proposal in its publication-date place. A proposal judged
  // at an earlier point is judged against the law of that day, not against amendments that
  // came later.
  {
    StreamRecords rules_then;
    for (const FactRecord& record : reader.rules().records()) {
      if (replay::IsVisible(record.ref, at)) rules_then.AddBorrowed(record.ref, record.body);
    }
    rules_then.Add(EventRef{reader.position(), 0, "", proposal.event_id(),
                            proposed.ref.business_day},
                   proposal);
    if (absl::Status admitted =
            replay::CheckRuleHistory(rules_then, rules_then.records().size() - 1);
        !admitted.ok()) {
      out.set_admission_refusal(std::string(admitted.message()));
    }
    out.set_admission_tree_size(at.tree_size);
    if (at.business_day) {
      *out.mutable_admission_known_on() = ledger::FromEpochDays(*at.business_day);
    }
  }
  int32_t last_year = replay::kFirstSpendingYear;
  const std::vector<std::string> municipalities = reader.Municipalities();
  for (const std::string& code : municipalities) {
    ASSIGN_OR_RETURN(std::vector<int32_t> own, reader.YearsWithFacts(code, at));
    for (int32_t y : own) last_year = std::max(last_year, y);
  }
  const std::set<int32_t> asked(request.spending_years().begin(), request.spending_years().end());
  std::vector<int32_t> years(asked.begin(), asked.end());
  if (years.empty()) years = TouchedYears(request.amendment(), last_year);
  int64_t base_total = 0;
  int64_t sim_total = 0;
  for (const std::string& code : municipalities) {
    ASSIGN_OR_RETURN(const std::vector<int32_t> own, reader.YearsWithFacts(code, at));
    for (int32_t year : years) {
      if (std::find(own.begin(), own.end(), year) == own.end()) continue;
      ASSIGN_OR_RETURN(GrantComputation b, reader.Compute(code, Scope::Year(year), at, baseline));
      ASSIGN_OR_RETURN(GrantComputation s,
                       reader.Compute(code, Scope::Year(year), at, simulated));
      booo::v1::SimulationRow* row = out.add_rows();
      row->set_municipality_code(code);
      row->set_spending_year(year);
      row->set_baseline_cents(b.computed_grant_cents);
      row->set_simulated_cents(s.computed_grant_cents);
      ASSIGN_OR_RETURN(int64_t delta,
                       CheckedAdd(s.computed_grant_cents, -b.computed_grant_cents, "delta"));
      row->set_delta_cents(delta);
      ASSIGN_OR_RETURN(base_total, CheckedAdd(base_total, b.computed_grant_cents, "totals"));
      ASSIGN_OR_RETURN(sim_total, CheckedAdd(sim_total, s.computed_grant_cents, "totals"));
    }
  }
  out.set_baseline_total_cents(base_total);
  out.set_simulated_total_cents(sim_total);
  ASSIGN_OR_RETURN(int64_t delta_total, CheckedAdd(sim_total, -base_total, "totals"));
  out.set_delta_total_cents(delta_total);
  return out;
}

}  // namespace booo::wire
