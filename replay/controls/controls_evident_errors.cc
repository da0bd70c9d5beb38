// Evident errors in what a municipality declares: living allowances above the ceilings in force,
// places above a location's registered capacity, actual costs per place-day outside the
// plausible band, and transition costs declared without or above an approval.
#include <algorithm>

#include "absl/numeric/int128.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "ledger/core/civil_date.h"
#include "replay/controls/controls_internal.h"
#include "replay/calc/money.h"
#include "replay/calc/parameters.h"
#include "replay/calc/trace.h"

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

// Per component and calendar month: every payment's share of the month (by days, with the
// cumulative floor so a payment's shares add up to it) summed, against the persons with a
// provision that month times the ceiling in force on its first day.
absl::Status AllowanceCeilings(const steps::Context& ctx, std::vector<booo::v1::Signal>& out) {
  const auto months = steps::EffectivePersonMonths(ctx);
  struct MonthPaid {
    int64_t paid = 0;
    std::vector<const FactRecord*> payments;
  };
  // (housing?, month) -> what was paid for it.
  std::map<std::pair<bool, int32_t>, MonthPaid> paid;
  for (const FactRecord* f : ctx.Facts(EventBody::kLivingAllowancePaid)) {
    const auto& d = f->body->living_allowance_paid();
    if (d.reception_kind() != booo::v1::RECEPTION_KIND_POO) continue;
    const int64_t first = ToEpochDays(d.period().first_day());
    const int64_t last = ToEpochDays(d.period().last_day());
    if (first < ctx.scope().first_day || first > ctx.scope().last_day) continue;
    const bool housing = d.component() == booo::v1::ALLOWANCE_COMPONENT_HOUSING_COMPONENT;
    const int64_t total_days = last - first + 1;
    for (int32_t m = d.period().first_day().month(); m <= d.period().last_day().month(); ++m) {
      const int32_t year = d.period().first_day().year();
      const int64_t month_first = FirstDayOfMonth(year, m);
      const int64_t month_last = month_first + ledger::DaysInMonth(year, m) - 1;
      const int64_t before = std::max<int64_t>(0, month_first - first);
      const int64_t through = std::min(last, month_last) - first + 1;
      const int64_t share = ProRataFloor(d.amount_cents(), through, total_days) -
                            ProRataFloor(d.amount_cents(), before, total_days);
      MonthPaid& slot = paid[{housing, m}];
      ASSIGN_OR_RETURN_CONTROL(slot.paid, CheckedAdd(slot.paid, share, "paid"));
      slot.payments.push_back(f);
    }
  }
  const int32_t year = ctx.scope().year;
  for (const auto& [key, month] : paid) {
    const auto& [housing, m] = key;
    const int64_t month_first = FirstDayOfMonth(year, m);
    const RuleEntry* ceiling = ctx.rules().ValueOn(
        housing ? param::kPooHousingCeiling : param::kPooLivingAllowanceCeiling, month_first);
    if (ceiling == nullptr) continue;  // no ceiling known: nothing to judge against
    const std::string month_key = absl::StrFormat("%04d-%02d", year, m);
    auto declared = months.find(month_key);
    const int64_t persons =
        declared == months.end()
            ? 0
            : declared->second->body->poo_person_months_declared().persons_with_provision();
    ASSIGN_OR_RETURN_CONTROL(int64_t limit,
                             CheckedMul(persons, ceiling->value.amount_cents(), "ceiling"));
    if (month.paid <= limit) continue;
    const std::string what = housing ? "housing component" : "living allowance";
    std::string message =
        persons == 0
            ? absl::StrCat("A POO ", what, " of ", FormatEuros(month.paid), " was paid for ",
                           month_key, ", a month in which no person received a provision.")
            : absl::StrCat("The POO ", what, " of ", FormatEuros(month.paid), " paid for ",
                           month_key, " exceeds the ceiling for ", FormatCount(persons),
                           " persons with a provision (", FormatEuros(limit), ") by ",
                           FormatEuros(month.paid - limit), ".");
    booo::v1::Signal s = MakeSignal(
        housing ? "poo_housing_component_above_ceiling" : "poo_living_allowance_above_ceiling",
        booo::v1::SEVERITY_WARNING, ctx.input.municipality_code, year, month_first,
        month_first + ledger::DaysInMonth(year, m) - 1, std::move(message));
    AddFigure(s, "paid for the month", month.paid, "cents");
    AddFigure(s, "persons with a provision", persons, "persons");
    AddFigure(s, "ceiling per person", ceiling->value.amount_cents(), "cents");
    AddFigure(s, "ceiling for the month", limit, "cents");
    for (const FactRecord* f : month.payments) AddSource(s, *f);
    if (declared != months.end()) AddSource(s, *declared->second);
    AddRule(s, ctx.rules(), ceiling);
    out.push_back(std::move(s));
  }
  return absl::OkStatus();
}

absl::Status Capacity(const steps::Context& ctx, std::vector<booo::v1::Signal>& out) {
  std::map<std::string, std::vector<const FactRecord*>> registrations;
  for (const FactRecord* f : ctx.Facts(EventBody::kLocationRegistered)) {
    registrations[f->body->location_registered().location_id()].push_back(f);
  }
  const std::string& code = ctx.input.municipality_code;
  for (const auto& [location_id, location] : steps::EffectivePlaces(ctx)) {
    std::vector<steps::Cover> capacity;
    if (auto it = registrations.find(location_id); it != registrations.end()) {
      capacity = steps::LatestCover(
          it->second, [](const FactRecord& f) { return f.body->location_registered().valid(); },
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
        const int64_t cap = c.record->body->location_registered().capacity();
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
      // The run's days without a registration, exactly: before, between and after covers.
      int64_t day = run.first_day;
      auto uncover = [&](int64_t first, int64_t last) -> absl::Status {
        if (first > last) return absl::OkStatus();
        ASSIGN_OR_RETURN_CONTROL(int64_t pd,
                                 CheckedMul(run.places, last - first + 1, "place-days"));
        if (unregistered_place_days == 0) unregistered_first = first;
        unregistered_last = last;
        unregistered_place_days += pd;
        AddSource(unregistered, *run.declaration);
        return absl::OkStatus();
      };
      for (const steps::Cover& c : capacity) {
        if (c.last_day < run.first_day || c.first_day > run.last_day) continue;
        RETURN_IF_ERROR(uncover(day, std::min(run.last_day, c.first_day - 1)));
        day = std::max(day, c.last_day + 1);
      }
      RETURN_IF_ERROR(uncover(day, run.last_day));
      (void)covered_days;
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
    if (f->body->exception_claim_filed().spending_year() == ctx.scope().year) claim = f;
  }
  if (claim == nullptr) return absl::OkStatus();
  ASSIGN_OR_RETURN_CONTROL(int64_t place_days, EligiblePlaceDays(ctx));
  if (place_days == 0) return absl::OkStatus();
  const int64_t actual = claim->body->exception_claim_filed().actual_total_cents();
  const int64_t per_day = actual / place_days;
  const int64_t year_end = LastDayOfYear(ctx.scope().year);
  const RuleEntry* min = ctx.rules().ValueOn(param::kGooCostMin, year_end);
  const RuleEntry* max = ctx.rules().ValueOn(param::kGooCostMax, year_end);
  // Compared exactly (actual against bound × place-days), not on the rounded cost per day.
  const bool too_low =
      min != nullptr && absl::int128(actual) < absl::int128(min->value.amount_cents()) * place_days;
  const bool too_high =
      max != nullptr && absl::int128(actual) > absl::int128(max->value.amount_cents()) * place_days;
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
  AddRule(s, ctx.rules(), too_low ? min : max);
  AddSource(s, *claim);
  for (const auto& [location_id, location] : steps::EffectivePlaces(ctx)) {
    for (const auto& run : location.runs) AddSource(s, *run.declaration);
  }
  out.push_back(std::move(s));
  return absl::OkStatus();
}

absl::Status TransitionCostDeclarations(const steps::Context& ctx, const GrantComputation& grant,
                                        std::vector<booo::v1::Signal>& out) {
  const auto requests = ctx.Facts(EventBody::kTransitionCostRequested);
  const auto decisions = ctx.Facts(EventBody::kTransitionCostDecided);
  // Declared amounts for the year, by the current request they name (its event id; the named id
  // when no current request answers it; "" for none), so declarations against a request and
  // against its correction add up.
  std::map<std::string, std::pair<int64_t, std::vector<const FactRecord*>>> declared;
  for (const FactRecord* f : ctx.Facts(EventBody::kTransitionCostsDeclared)) {
    const auto& d = f->body->transition_costs_declared();
    if (d.spending_year() != ctx.scope().year) continue;
    std::string key = d.request_event_id();
    for (const FactRecord* r : requests) {
      if (!key.empty() && Answers(*r, d.request_event_id())) key = r->ref.event_id;
    }
    auto& [sum, facts] = declared[key];
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
        if (Answers(*request, d->body->transition_cost_decided().request_event_id())) decision = d;
      }
    }
    const bool approved =
        decision != nullptr &&
        decision->body->transition_cost_decided().outcome() != booo::v1::DECISION_OUTCOME_REJECTED;
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
      if (decision != nullptr) AddSource(s, *decision);
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
