// Evident errors in what a municipality declares: living allowances above the ceilings in force,
// places above a location's registered capacity, actual costs per place-day outside the
// plausible band, and transition costs declared without or above an approval.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "ledger/civil_date.h"
#include "replay/controls_internal.h"
#include "replay/money.h"
#include "replay/parameters.h"
#include "replay/trace.h"

namespace booo::replay::controls {
namespace {

using booo::v1::EventBody;
using ledger::ToEpochDays;

// Eligible place-days in the scope: declared days inside the spending period.
absl::StatusOr<int64_t> EligiblePlaceDays(const steps::Context& ctx) {
  int64_t total = 0;
  for (const auto& [location_id, location] : steps::EffectivePlaces(ctx)) {
    for (const steps::PlaceRun& run : location.runs) {
      for (const auto& seg :
           ctx.rules().Segments(param::kSpendingPeriod, run.first_day, run.last_day)) {
        if (seg.entry == nullptr || !seg.entry->value.flag()) continue;
        absl::StatusOr<int64_t> place_days =
            CheckedMul(run.places, seg.last_day - seg.first_day + 1, "place-days");
        if (!place_days.ok()) return place_days.status();
        absl::StatusOr<int64_t> sum = CheckedAdd(total, *place_days, "place-days");
        if (!sum.ok()) return sum.status();
        total = *sum;
      }
    }
  }
  return total;
}

}  // namespace

absl::Status AllowanceCeilings(const steps::Context& ctx, std::vector<booo::v1::Signal>& out) {
  const auto months = steps::EffectivePersonMonths(ctx);
  for (const FactRecord* f : ctx.Facts(EventBody::kLivingAllowancePaid)) {
    const auto& d = f->body.living_allowance_paid();
    if (d.reception_kind() != booo::v1::RECEPTION_KIND_POO) continue;
    const int64_t first = ToEpochDays(d.period().first_day());
    if (first < ctx.scope().first_day || first > ctx.scope().last_day) continue;
    const bool housing = d.component() == booo::v1::ALLOWANCE_COMPONENT_HOUSING_COMPONENT;
    const absl::string_view parameter =
        housing ? param::kPooHousingCeiling : param::kPooLivingAllowanceCeiling;
    // Person-months with a provision in the months the payment covers, each at its ceiling.
    int64_t person_months = 0;
    int64_t ceiling_total = 0;
    bool ceiling_known = true;
    booo::v1::Signal signal;
    std::vector<const RuleEntry*> used;
    for (int m = d.period().first_day().month(); m <= d.period().last_day().month(); ++m) {
      const std::string key = absl::StrFormat("%04d-%02d", d.period().first_day().year(), m);
      auto it = months.find(key);
      const int64_t persons =
          it == months.end()
              ? 0
              : it->second->body.poo_person_months_declared().persons_with_provision();
      const RuleEntry* ceiling =
          ctx.rules().ValueOn(parameter, FirstDayOfMonth(d.period().first_day().year(), m));
      if (ceiling == nullptr) {
        ceiling_known = false;
        break;
      }
      if (std::find(used.begin(), used.end(), ceiling) == used.end()) used.push_back(ceiling);
      ASSIGN_OR_RETURN_CONTROL(int64_t part,
                               CheckedMul(persons, ceiling->value.amount_cents(), "ceiling"));
      ASSIGN_OR_RETURN_CONTROL(ceiling_total, CheckedAdd(ceiling_total, part, "ceiling"));
      person_months += persons;
      if (it != months.end()) AddSource(signal, *it->second);
    }
    if (!ceiling_known || d.amount_cents() <= ceiling_total) continue;
    const std::string what = housing ? "housing component" : "living allowance";
    std::string message =
        person_months == 0
            ? absl::StrCat("A POO ", what, " of ", FormatEuros(d.amount_cents()), " for ",
                           steps::RangeText(first, ToEpochDays(d.period().last_day())),
                           " was paid for months in which no person received a provision.")
            : absl::StrCat("The POO ", what, " of ", FormatEuros(d.amount_cents()), " for ",
                           steps::RangeText(first, ToEpochDays(d.period().last_day())),
                           " exceeds the ceiling for ", FormatCount(person_months),
                           " person-months with a provision (", FormatEuros(ceiling_total), ") by ",
                           FormatEuros(d.amount_cents() - ceiling_total), ".");
    booo::v1::Signal s = MakeSignal(
        housing ? "poo_housing_component_above_ceiling" : "poo_living_allowance_above_ceiling",
        booo::v1::SEVERITY_WARNING, ctx.input.municipality_code, ctx.scope().year, first,
        ToEpochDays(d.period().last_day()), std::move(message));
    AddFigure(s, "paid", d.amount_cents(), "cents");
    AddFigure(s, "person-months with a provision", person_months, "person-months");
    AddFigure(s, "ceiling", ceiling_total, "cents");
    AddSource(s, *f);
    for (const auto& source : signal.sources()) *s.add_sources() = source;
    for (const RuleEntry* rule : used) AddRule(s, rule);
    out.push_back(std::move(s));
  }
  return absl::OkStatus();
}

absl::Status Capacity(const steps::Context& ctx, std::vector<booo::v1::Signal>& out) {
  std::map<std::string, std::vector<const FactRecord*>> registrations;
  for (const FactRecord* f : ctx.Facts(EventBody::kLocationRegistered)) {
    registrations[f->body.location_registered().location_id()].push_back(f);
  }
  const std::string& code = ctx.input.municipality_code;
  for (const auto& [location_id, location] : steps::EffectivePlaces(ctx)) {
    std::vector<steps::Cover> capacity;
    if (auto it = registrations.find(location_id); it != registrations.end()) {
      capacity = steps::LatestCover(
          it->second, [](const FactRecord& f) { return f.body.location_registered().valid(); },
          ctx.scope().first_day, ctx.scope().last_day);
    }
    int64_t unregistered_place_days = 0;
    int64_t unregistered_first = 0, unregistered_last = 0;
    booo::v1::Signal unregistered;
    for (const steps::PlaceRun& run : location.runs) {
      int64_t covered_days = 0;
      for (const steps::Cover& c : capacity) {
        const int64_t first = std::max(run.first_day, c.first_day);
        const int64_t last = std::min(run.last_day, c.last_day);
        if (first > last) continue;
        covered_days += last - first + 1;
        const int64_t cap = c.record->body.location_registered().capacity();
        if (run.places <= cap) continue;
        const int64_t days = last - first + 1;
        ASSIGN_OR_RETURN_CONTROL(int64_t excess,
                                 CheckedMul(run.places - cap, days, "excess place-days"));
        booo::v1::Signal s = MakeSignal(
            "places_above_capacity", booo::v1::SEVERITY_HIGH, code, ctx.scope().year, first, last,
            absl::StrCat("Location ", location_id, " declares ", FormatCount(run.places),
                         " realised places on ", steps::RangeText(first, last),
                         ", above its registered capacity of ", FormatCount(cap), " (",
                         FormatCount(excess), " place-days too many)."));
        AddFigure(s, "declared places", run.places, "places");
        AddFigure(s, "registered capacity", cap, "places");
        AddFigure(s, "place-days above capacity", excess, "place-days");
        AddSource(s, *run.declaration);
        AddSource(s, *c.record);
        out.push_back(std::move(s));
      }
      const int64_t uncovered = run.last_day - run.first_day + 1 - covered_days;
      if (uncovered > 0) {
        ASSIGN_OR_RETURN_CONTROL(int64_t pd, CheckedMul(run.places, uncovered, "place-days"));
        if (unregistered_place_days == 0) unregistered_first = run.first_day;
        unregistered_last = run.last_day;
        unregistered_place_days += pd;
        AddSource(unregistered, *run.declaration);
      }
    }
    if (unregistered_place_days > 0) {
      booo::v1::Signal s = MakeSignal(
          "location_not_registered", booo::v1::SEVERITY_INFO, code, ctx.scope().year,
          unregistered_first, unregistered_last,
          absl::StrCat("Location ", location_id, " has ", FormatCount(unregistered_place_days),
                       " declared place-days on days without a registered capacity, so they "
                       "cannot be checked against one."));
      AddFigure(s, "place-days without a registration", unregistered_place_days, "place-days");
      for (const auto& source : unregistered.sources()) *s.add_sources() = source;
      out.push_back(std::move(s));
    }
  }
  return absl::OkStatus();
}

absl::Status CostPerPlaceDay(const steps::Context& ctx, std::vector<booo::v1::Signal>& out) {
  const FactRecord* claim = nullptr;
  for (const FactRecord* f : ctx.Facts(EventBody::kExceptionClaimFiled)) {
    if (f->body.exception_claim_filed().spending_year() == ctx.scope().year) claim = f;
  }
  if (claim == nullptr) return absl::OkStatus();
  ASSIGN_OR_RETURN_CONTROL(int64_t place_days, EligiblePlaceDays(ctx));
  if (place_days == 0) return absl::OkStatus();
  const int64_t actual = claim->body.exception_claim_filed().actual_total_cents();
  const int64_t per_day = actual / place_days;
  const int64_t year_end = LastDayOfYear(ctx.scope().year);
  const RuleEntry* min = ctx.rules().ValueOn(param::kGooCostMin, year_end);
  const RuleEntry* max = ctx.rules().ValueOn(param::kGooCostMax, year_end);
  const bool too_low = min != nullptr && per_day < min->value.amount_cents();
  const bool too_high = max != nullptr && per_day > max->value.amount_cents();
  if (!too_low && !too_high) return absl::OkStatus();
  booo::v1::Signal s = MakeSignal(
      "goo_cost_per_place_day_implausible", booo::v1::SEVERITY_WARNING, ctx.input.municipality_code,
      ctx.scope().year, ctx.scope().first_day, ctx.scope().last_day,
      absl::StrCat("The exception claim's actual category-a costs of ", FormatEuros(actual),
                   " over ", FormatCount(place_days), " realised place-days come to ",
                   FormatEuros(per_day), " per place-day, ", too_low ? "below" : "above",
                   " the plausible ", too_low ? "minimum of " : "maximum of ",
                   FormatEuros(too_low ? min->value.amount_cents() : max->value.amount_cents()),
                   "."));
  AddFigure(s, "actual costs claimed", actual, "cents");
  AddFigure(s, "realised place-days", place_days, "place-days");
  AddFigure(s, "cost per place-day", per_day, "cents");
  AddRule(s, too_low ? min : max);
  AddSource(s, *claim);
  out.push_back(std::move(s));
  return absl::OkStatus();
}

absl::Status TransitionCostDeclarations(const steps::Context& ctx, const GrantComputation& grant,
                                        std::vector<booo::v1::Signal>& out) {
  const auto requests = ctx.Facts(EventBody::kTransitionCostRequested);
  const auto decisions = ctx.Facts(EventBody::kTransitionCostDecided);
  // Declared amounts for the year, by the request they name ("" for none).
  std::map<std::string, std::pair<int64_t, std::vector<const FactRecord*>>> declared;
  for (const FactRecord* f : ctx.Facts(EventBody::kTransitionCostsDeclared)) {
    const auto& d = f->body.transition_costs_declared();
    if (d.spending_year() != ctx.scope().year) continue;
    auto& [sum, facts] = declared[d.request_event_id()];
    ASSIGN_OR_RETURN_CONTROL(sum, CheckedAdd(sum, d.amount_cents(), "declared transition costs"));
    facts.push_back(f);
  }
  const std::string& code = ctx.input.municipality_code;
  for (const auto& [request_id, entry] : declared) {
    const auto& [amount, facts] = entry;
    const FactRecord* request = nullptr;
    for (const FactRecord* r : requests) {
      if (!request_id.empty() && Answers(*r, request_id)) request = r;
    }
    const FactRecord* decision = nullptr;
    if (request != nullptr) {
      for (const FactRecord* d : decisions) {
        if (Answers(*request, d->body.transition_cost_decided().request_event_id())) decision = d;
      }
    }
    const bool approved =
        decision != nullptr &&
        decision->body.transition_cost_decided().outcome() != booo::v1::DECISION_OUTCOME_REJECTED;
    booo::v1::Signal s;
    if (!approved) {
      const std::string why =
          request_id.empty()   ? "without naming a request"
          : request == nullptr ? absl::StrCat("for request ", request_id, ", which is unknown")
          : decision == nullptr
              ? absl::StrCat("for request ", request_id, ", which has no decision (prior approval)")
              : absl::StrCat("for request ", request_id, ", which was rejected");
      s = MakeSignal("transition_costs_unapproved", booo::v1::SEVERITY_HIGH, code, ctx.scope().year,
                     ctx.scope().first_day, ctx.scope().last_day,
                     absl::StrCat(FormatEuros(amount), " of transition costs declared for ",
                                  ctx.scope().year, " ", why, "; they need prior approval."));
      AddFigure(s, "declared", amount, "cents");
    } else {
      const TraceNode* node =
          FindNode(grant.trace, absl::StrCat("grant/e/", EscapeKey(request->ref.event_id)));
      const int64_t allowed = node == nullptr ? 0 : node->amount_cents();
      if (amount <= allowed) continue;
      s = MakeSignal(
          "transition_costs_above_approval", booo::v1::SEVERITY_HIGH, code, ctx.scope().year,
          ctx.scope().first_day, ctx.scope().last_day,
          absl::StrCat(FormatEuros(amount), " of transition costs declared for ", ctx.scope().year,
                       " under request ", request_id,
                       " exceed the approved amount allocated to the year (", FormatEuros(allowed),
                       ") by ", FormatEuros(amount - allowed), "."));
      AddFigure(s, "declared", amount, "cents");
      AddFigure(s, "approved for the year", allowed, "cents");
      AddFigure(s, "above the approval", amount - allowed, "cents");
      AddSource(s, *decision);
    }
    if (request != nullptr) AddSource(s, *request);
    for (const FactRecord* f : facts) AddSource(s, *f);
    out.push_back(std::move(s));
  }
  return absl::OkStatus();
}

}  // namespace booo::replay::controls
