// ControlsQueries: signals, SiSa figures, budget execution, accommodation mix.
#include <algorithm>
#include <set>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "ledger/core/civil_date.h"
#include "ledger/core/event_validation.h"
#include "ledger/core/status_macros.h"
#include "replay/controls/controls.h"
#include "services/wire/controls_queries.h"
#include "services/wire/grant_response.h"
#include "replay/calc/money.h"

namespace booo::wire {
namespace {

using replay::CheckedAdd;
using replay::ControlInput;
using replay::FactRecord;
using replay::GrantComputation;
using replay::GrantInput;
using replay::KnownAt;
using replay::RuleTimeline;
using replay::Scope;
using replay::SelectCurrent;
using replay::StreamRecords;

const std::set<std::string>& KnownRules() {
  static const auto* rules = new std::set<std::string>{"poo_living_allowance_above_ceiling",
                                                       "poo_housing_component_above_ceiling",
                                                       "places_above_capacity",
                                                       "location_not_registered",
                                                       "goo_cost_per_place_day_implausible",
                                                       "transition_costs_unapproved",
                                                       "transition_costs_above_approval",
                                                       "accountability_missing",
                                                       "accountability_late",
                                                       "determination_overdue",
                                                       "advance_requested_late",
                                                       "advances_exceed_grant",
                                                       "person_counted_twice",
                                                       "expensive_accommodation_share",
                                                       "goo_living_allowance_above_ceiling",
                                                       "poo_person_refs_missing",
                                                       "transition_costs_incurred_before_approval",
                                                       "norm_unknown"};
  return *rules;
}

// One case per municipality-year, over the signals (already in case order).
void GroupIntoCases(booo::v1::ListSignalsResponse& response) {
  for (const booo::v1::Signal& s : response.signals()) {
    if (response.cases().empty() || response.cases().rbegin()->case_id() != s.case_id()) {
      booo::v1::SignalCase* c = response.add_cases();
      c->set_case_id(s.case_id());
      c->set_municipality_code(s.municipality_code());
      c->set_spending_year(s.spending_year());
    }
    booo::v1::SignalCase& c = *response.mutable_cases()->rbegin();
    c.set_severity(std::max(c.severity(), s.severity()));
    c.add_rules(s.rule());
    c.set_signal_count(c.signal_count() + 1);
  }
  for (booo::v1::SignalCase& c : *response.mutable_cases()) {
    std::vector<std::string> parts;
    for (const std::string& rule : c.rules()) {
      const std::string part = absl::StrReplaceAll(rule, {{"_", " "}});
      if (std::find(parts.begin(), parts.end(), part) == parts.end()) parts.push_back(part);
    }
    c.set_summary(absl::StrCat(c.municipality_code(), " ", c.spending_year(), ": ",
                               c.signal_count(), c.signal_count() == 1 ? " signal (" : " signals (",
                               absl::StrJoin(parts, ", "), ")"));
  }
}

}  // namespace

absl::StatusOr<booo::v1::ListSignalsResponse> ControlsQueries::ListSignals(
    const booo::v1::ListSignalsRequest& request, int64_t today_day) {
  RETURN_IF_ERROR(CheckCode(request.municipality_code(), false));
  RETURN_IF_ERROR(CheckYear(request.spending_year(), false, "spending_year"));
  if (!request.rule().empty() && !KnownRules().contains(request.rule())) {
    return absl::InvalidArgumentError(absl::StrCat("rule: unknown rule \"", request.rule(), "\""));
  }
  if (!booo::v1::Severity_IsValid(request.min_severity())) {
    return absl::InvalidArgumentError("min_severity: unknown value");
  }
  if (request.has_as_of()) RETURN_IF_ERROR(ledger::ValidateCivilDate(request.as_of(), "as_of"));
  // Deadlines are judged on a day that has happened: a later day would call every deadline
  // before it overdue, on facts that may still arrive. "Today" allows the one day of slack the
  // ledger gives business dates (ledger/core/admission.h: the Dutch clock runs ahead of UTC).
  const int64_t last_day = today_day + 1;
  auto future = [&](absl::string_view field, const booo::v1::CivilDate& day) {
    return absl::OutOfRangeError(absl::StrCat(
        field, ": ", ledger::FormatDate(day), " is in the future (today is ",
        ledger::FormatDate(ledger::FromEpochDays(today_day)),
        " UTC, one day of slack); deadlines are judged on a day that has happened"));
  };
  if (request.has_as_of() && ledger::ToEpochDays(request.as_of()) > last_day) {
    return future("as_of", request.as_of());
  }
  if (request.known_at().has_business_date()) {
    RETURN_IF_ERROR(
        ledger::ValidateCivilDate(request.known_at().business_date(), "known_at.business_date"));
    if (ledger::ToEpochDays(request.known_at().business_date()) > last_day) {
      return future("known_at.business_date", request.known_at().business_date());
    }
  }
  if (!request.has_as_of() && request.known_at().has_recorded_at_micros() &&
      request.known_at().recorded_at_micros() / ledger::kMicrosPerDay > last_day) {
    return future("known_at.recorded_at_micros",
                  ledger::FromEpochDays(request.known_at().recorded_at_micros() /
                                        ledger::kMicrosPerDay));
  }
  RETURN_IF_ERROR(state_->CatchUp());
  Reader reader(*state_);
  ASSIGN_OR_RETURN(KnownAt at, reader.Resolve(request.known_at()));
  // The day deadlines are judged on: asked for, or the known-at point's own day (a business
  // date; the recording day of an as-recorded point), else today. Judging a past ledger point
  // on today's date would call "missing" what simply had not been recorded yet.
  int64_t as_of = today_day;
  if (request.has_as_of()) {
    as_of = ledger::ToEpochDays(request.as_of());
  } else if (at.business_day) {
    as_of = *at.business_day;
  } else if (request.known_at().has_recorded_at_micros()) {
    as_of = request.known_at().recorded_at_micros() / ledger::kMicrosPerDay;
  } else if (request.known_at().has_tree_size() && at.tree_size > 0) {
    as_of = reader.RecordedAtMicros(at.tree_size - 1) / ledger::kMicrosPerDay;
  }
  const RuleTimeline rules(SelectCurrent(reader.rules().records(), at));
  std::vector<booo::v1::Signal> signals;
  std::map<int32_t, std::map<std::string, std::vector<const FactRecord*>>> by_year;
  // The parsed streams by_year points into, held for the whole query.
  std::vector<std::shared_ptr<const StreamRecords>> held;
  for (const std::string& code : reader.Municipalities()) {
    ASSIGN_OR_RETURN(std::vector<int32_t> years, reader.YearsWithFacts(code, at));
    for (int32_t year : years) {
      if (request.spending_year() != 0 && year != request.spending_year()) continue;
      ASSIGN_OR_RETURN(std::shared_ptr<const StreamRecords> stream, reader.Facts(code));
      by_year[year][code] = SelectCurrent(stream->records(), at);
      held.push_back(std::move(stream));
      if (!request.municipality_code().empty() && code != request.municipality_code()) continue;
      ASSIGN_OR_RETURN(GrantInput grant_input, reader.InputFor(code, Scope::Year(year), at, rules));
      ControlInput input{std::move(grant_input), nullptr, as_of};
      ASSIGN_OR_RETURN(GrantComputation grant, replay::ComputeGrant(input.grant_input));
      input.grant = &grant;
      ASSIGN_OR_RETURN(std::vector<booo::v1::Signal> found, replay::MunicipalitySignals(input));
      for (auto& s : found) signals.push_back(std::move(s));
    }
  }
  for (const auto& [year, facts] : by_year) {
    for (auto& s : replay::DoubleCountingSignals(facts, year)) signals.push_back(std::move(s));
  }
  booo::v1::ListSignalsResponse out;
  out.set_tree_size(at.tree_size);
  *out.mutable_as_of() = ledger::FromEpochDays(as_of);
  std::stable_sort(signals.begin(), signals.end(), [](const auto& a, const auto& b) {
    return std::forward_as_tuple(a.municipality_code(), a.spending_year(), a.rule()) <
           std::forward_as_tuple(b.municipality_code(), b.spending_year(), b.rule());
  });
  for (auto& s : signals) {
    if (!request.municipality_code().empty() &&
        s.municipality_code() != request.municipality_code()) {
      continue;
    }
    if (!request.rule().empty() && s.rule() != request.rule()) continue;
    if (s.severity() < request.min_severity()) continue;
    s.set_case_id(absl::StrCat(s.municipality_code(), "/", s.spending_year()));
    *out.add_signals() = std::move(s);
  }
  GroupIntoCases(out);
  return out;
}

absl::StatusOr<booo::v1::SisaFigures> ControlsQueries::GetSisaFigures(
    const booo::v1::GetSisaFiguresRequest& request) {
  RETURN_IF_ERROR(CheckCode(request.municipality_code(), true));
  RETURN_IF_ERROR(CheckYear(request.spending_year(), true, "spending_year"));
  RETURN_IF_ERROR(state_->CatchUp());
  Reader reader(*state_);
  if (!reader.HasMunicipality(request.municipality_code())) {
    return absl::NotFoundError(absl::StrCat("municipality_code: ", request.municipality_code(),
                                            " has no events in the ledger"));
  }
  ASSIGN_OR_RETURN(KnownAt at, reader.Resolve(request.known_at()));
  const RuleTimeline rules(SelectCurrent(reader.rules().records(), at));
  ASSIGN_OR_RETURN(
      const GrantInput input,
      reader.InputFor(request.municipality_code(), Scope::Year(request.spending_year()), at,
                      rules));
  ASSIGN_OR_RETURN(GrantComputation grant, replay::ComputeGrant(input));
  booo::v1::SisaFigures out = replay::ComputeSisaFigures(input, grant);
  out.set_tree_size(at.tree_size);
  return out;
}

absl::StatusOr<booo::v1::BudgetExecution> ControlsQueries::GetBudgetExecution(
    const booo::v1::GetBudgetExecutionRequest& request) {
  for (int i = 0; i < request.years_size(); ++i) {
    RETURN_IF_ERROR(CheckYear(request.years(i), true, absl::StrCat("years[", i, "]")));
  }
  RETURN_IF_ERROR(state_->CatchUp());
  Reader reader(*state_);
  ASSIGN_OR_RETURN(KnownAt at, reader.Resolve(request.known_at()));
  const RuleTimeline rules(SelectCurrent(reader.rules().records(), at));
  // Per budget year and line name, the latest-published line the query sees.
  std::map<int32_t, std::map<std::string, const FactRecord*>> lines;
  for (const FactRecord* f : SelectCurrent(reader.budget().records(), at)) {
    const auto& b = f->body->budget_line_set();
    const FactRecord*& slot = lines[b.budget_year()][b.line()];
    if (slot == nullptr || std::pair(f->ref.business_day, f->ref.sequence) >
                               std::pair(slot->ref.business_day, slot->ref.sequence)) {
      slot = f;
    }
  }
  std::set<int32_t> years(request.years().begin(), request.years().end());
  if (years.empty()) {
    for (const auto& [year, unused] : lines) years.insert(year);
    for (const std::string& code : reader.Municipalities()) {
      ASSIGN_OR_RETURN(std::vector<int32_t> own, reader.YearsWithFacts(code, at));
      years.insert(own.begin(), own.end());
    }
  }
  booo::v1::BudgetExecution out;
  out.set_tree_size(at.tree_size);
  for (int32_t year : years) {
    booo::v1::BudgetExecutionRow row;
    row.set_year(year);
    if (auto it = lines.find(year); it != lines.end()) {
      row.set_budget_known(true);
      int64_t budget = 0;
      const FactRecord* latest = nullptr;
      for (const auto& [name, f] : it->second) {
        ASSIGN_OR_RETURN(budget,
                         CheckedAdd(budget, f->body->budget_line_set().amount_cents(), "budget"));
        if (latest == nullptr || f->ref.sequence > latest->ref.sequence) latest = f;
      }
      row.set_budget_cents(budget);
      row.set_budget_sequence(latest->ref.sequence);
      row.set_budget_citation(latest->body->budget_line_set().citation().reference());
    }
    auto add = [](int64_t a, int64_t b) { return CheckedAdd(a, b, "budget execution"); };
    for (const std::string& code : reader.Municipalities()) {
      ASSIGN_OR_RETURN(const std::vector<int32_t> own, reader.YearsWithFacts(code, at));
      if (std::find(own.begin(), own.end(), year) == own.end()) continue;
      ASSIGN_OR_RETURN(GrantComputation c, reader.Compute(code, Scope::Year(year), at, rules));
      ASSIGN_OR_RETURN(int64_t computed, add(row.computed_grants_cents(), c.computed_grant_cents));
      row.set_computed_grants_cents(computed);
      if (c.determination != nullptr) {
        ASSIGN_OR_RETURN(int64_t determined, add(row.determined_grants_cents(), c.grant_cents));
        row.set_determined_grants_cents(determined);
        row.set_determinations(row.determinations() + 1);
      }
      ASSIGN_OR_RETURN(int64_t advances, add(row.advances_cents(), c.advances_cents));
      row.set_advances_cents(advances);
      ASSIGN_OR_RETURN(int64_t repayments, add(row.repayments_cents(), c.repayments_cents));
      row.set_repayments_cents(repayments);
      ASSIGN_OR_RETURN(int64_t vat, add(row.vat_fund_contribution_cents(), c.vat_fund_cents));
      row.set_vat_fund_contribution_cents(vat);
      row.set_municipalities(row.municipalities() + 1);
    }
    if (row.budget_known()) {
      ASSIGN_OR_RETURN(int64_t spent,
                       add(row.computed_grants_cents(), row.vat_fund_contribution_cents()));
      ASSIGN_OR_RETURN(int64_t remaining, add(row.budget_cents(), -spent));
      row.set_remaining_cents(remaining);
    }
    *out.add_rows() = std::move(row);
  }
  return out;
}

absl::StatusOr<booo::v1::AccommodationMix> ControlsQueries::GetAccommodationMix(
    const booo::v1::GetAccommodationMixRequest& request) {
  RETURN_IF_ERROR(CheckCode(request.municipality_code(), false));
  RETURN_IF_ERROR(CheckYear(request.spending_year(), true, "spending_year"));
  RETURN_IF_ERROR(state_->CatchUp());
  Reader reader(*state_);
  ASSIGN_OR_RETURN(KnownAt at, reader.Resolve(request.known_at()));
  const RuleTimeline rules(SelectCurrent(reader.rules().records(), at));
  booo::v1::AccommodationMix out;
  out.set_tree_size(at.tree_size);
  for (const std::string& code : reader.Municipalities()) {
    if (!request.municipality_code().empty() && code != request.municipality_code()) continue;
    ASSIGN_OR_RETURN(GrantInput input,
                     reader.InputFor(code, Scope::Year(request.spending_year()), at, rules));
    ASSIGN_OR_RETURN(std::vector<booo::v1::AccommodationMixRow> rows,
                     replay::ComputeAccommodationMix(input));
    for (auto& row : rows) *out.add_rows() = std::move(row);
  }
  return out;
}

}  // namespace booo::wire
