// Checks on what a declaration leaves out or puts in the wrong order: the GOO living allowance
// above its ceiling, POO months declared without pseudonyms, transition costs incurred before
// their approval, and declared days for which no norm is known.
#include <algorithm>
#include <limits>

#include "absl/numeric/int128.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "ledger/core/civil_date.h"
#include "replay/calc/money.h"
#include "replay/calc/parameters.h"
#include "replay/controls/controls_internal.h"

namespace booo::replay::controls {
namespace {

using booo::v1::EventBody;
using ledger::ToEpochDays;
using steps::DayText;

// A signal about many declarations cites this many (the figures give the full count).
constexpr size_t kMaxCitedDeclarations = 12;

int64_t LastDayOfMonth(int32_t year, int32_t month) {
  return FirstDayOfMonth(year, month) + ledger::DaysInMonth(year, month) - 1;
}

}  // namespace

// GOO living allowance, paid at actual cost from 2024: per calendar month, the payments' shares
// of the month (cumulative floor, as for POO) against the ceiling per person times the persons
// the month could hold. GOO declares places, not persons; a realised place holds at most one
// person, so the month's place-days divided by its days bound the persons from above:
// limit = floor(ceiling × place-days / days in month).
absl::Status GooLivingAllowanceCeiling(const steps::Context& ctx,
                                       std::vector<booo::v1::Signal>& out) {
  const int32_t year = ctx.scope().year;
  struct MonthPaid {
    int64_t paid = 0;
    std::vector<const FactRecord*> payments;
  };
  std::map<int32_t, MonthPaid> paid;
  for (const FactRecord* f : ctx.Facts(EventBody::kLivingAllowancePaid)) {
    const auto& d = f->body->living_allowance_paid();
    if (d.reception_kind() != booo::v1::RECEPTION_KIND_GOO ||
        d.component() == booo::v1::ALLOWANCE_COMPONENT_HOUSING_COMPONENT) {
      continue;
    }
    const int64_t first = ToEpochDays(d.period().first_day());
    const int64_t last = ToEpochDays(d.period().last_day());
    if (first < ctx.scope().first_day || first > ctx.scope().last_day) continue;
    const int64_t total_days = last - first + 1;
    for (int32_t m = 1; m <= 12; ++m) {
      const int64_t month_first = FirstDayOfMonth(year, m);
      const int64_t month_last = LastDayOfMonth(year, m);
      if (month_last < first || month_first > last) continue;
      const int64_t before = std::max<int64_t>(0, month_first - first);
      const int64_t through = std::min(last, month_last) - first + 1;
      const int64_t share = ProRataFloor(d.amount_cents(), through, total_days) -
                            ProRataFloor(d.amount_cents(), before, total_days);
      MonthPaid& slot = paid[m];
      ASSIGN_OR_RETURN_CONTROL(slot.paid, CheckedAdd(slot.paid, share, "paid"));
      slot.payments.push_back(f);
    }
  }
  if (paid.empty()) return absl::OkStatus();
  // Place-days per month, and the declarations behind them.
  std::map<int32_t, std::pair<int64_t, std::vector<const FactRecord*>>> place_days;
  for (const auto& [location_id, location] : steps::EffectivePlaces(ctx)) {
    for (const steps::PlaceRun& run : location.runs) {
      for (int32_t m = 1; m <= 12; ++m) {
        const int64_t a = std::max(run.first_day, FirstDayOfMonth(year, m));
        const int64_t b = std::min(run.last_day, LastDayOfMonth(year, m));
        if (a > b) continue;
        auto& [days, facts] = place_days[m];
        ASSIGN_OR_RETURN_CONTROL(int64_t more, CheckedMul(run.places, b - a + 1, "place-days"));
        ASSIGN_OR_RETURN_CONTROL(days, CheckedAdd(days, more, "place-days"));
        if (std::find(facts.begin(), facts.end(), run.declaration) == facts.end()) {
          facts.push_back(run.declaration);
        }
      }
    }
  }
  for (const auto& [m, month] : paid) {
    const int64_t month_first = FirstDayOfMonth(year, m);
    const RuleEntry* ceiling = ctx.rules().ValueOn(param::kGooLivingAllowanceCeiling, month_first);
    if (ceiling == nullptr) continue;  // before 2024 the allowance is inside the norm
    const auto declared = place_days.find(m);
    const int64_t days = declared == place_days.end() ? 0 : declared->second.first;
    const int64_t days_in_month = ledger::DaysInMonth(year, m);
    const absl::int128 wide =
        absl::int128(ceiling->value.amount_cents()) * days / days_in_month;  // both >= 0
    if (wide > absl::int128(std::numeric_limits<int64_t>::max())) {
      return absl::OutOfRangeError("ceiling: the month's GOO living-allowance ceiling overflows");
    }
    const int64_t limit = static_cast<int64_t>(wide);
    if (month.paid <= limit) continue;
    const std::string month_key = absl::StrFormat("%04d-%02d", year, m);
    std::string message =
        days == 0 ? absl::StrCat("A GOO living allowance of ", FormatEuros(month.paid),
                                 " was paid for ", month_key,
                                 ", a month without realised GOO places declared.")
                  : absl::StrCat("The GOO living allowance of ", FormatEuros(month.paid),
                                 " paid for ", month_key, " exceeds the ceiling for ",
                                 FormatCount(days), " place-days (at most ",
                                 FormatEuros(limit), ") by ", FormatEuros(month.paid - limit),
                                 ".");
    booo::v1::Signal s = MakeSignal("goo_living_allowance_above_ceiling",
                                    booo::v1::SEVERITY_WARNING, ctx.input.municipality_code, year,
                                    month_first, LastDayOfMonth(year, m), std::move(message));
    AddFigure(s, "paid for the month", month.paid, "cents");
    AddFigure(s, "realised place-days", days, "place-days");
    AddFigure(s, "ceiling per person per month", ceiling->value.amount_cents(), "cents");
    AddFigure(s, "ceiling for the month", limit, "cents");
    for (const FactRecord* f : month.payments) AddSource(s, *f);
    if (declared != place_days.end()) {
      for (size_t i = 0; i < declared->second.second.size() && i < kMaxCitedDeclarations; ++i) {
        AddSource(s, *declared->second.second[i]);
      }
    }
    AddRule(s, ctx.rules(), ceiling);
    out.push_back(std::move(s));
  }
  return absl::OkStatus();
}

// POO months declared with persons but without their pseudonyms: the double-count check
// (person_counted_twice) cannot run on them. One signal per municipality-year naming the months.
void PersonRefsMissing(const steps::Context& ctx, std::vector<booo::v1::Signal>& out) {
  std::vector<const FactRecord*> missing;
  int64_t persons = 0;
  for (const auto& [key, f] : steps::EffectivePersonMonths(ctx)) {
    const auto& d = f->body->poo_person_months_declared();
    if (d.persons_with_provision() == 0 || d.person_refs_size() > 0) continue;
    missing.push_back(f);
    persons += d.persons_with_provision();  // each bounded by validation; a year has 12 months
  }
  if (missing.empty()) return;
  std::vector<std::string> months;
  for (const FactRecord* f : missing) {
    const auto& m = f->body->poo_person_months_declared().month();
    months.push_back(absl::StrFormat("%04d-%02d", m.year(), m.month()));
  }
  const auto& first = missing.front()->body->poo_person_months_declared().month();
  const auto& last = missing.back()->body->poo_person_months_declared().month();
  booo::v1::Signal s = MakeSignal(
      "poo_person_refs_missing", booo::v1::SEVERITY_WARNING, ctx.input.municipality_code,
      ctx.scope().year, FirstDayOfMonth(first.year(), first.month()),
      LastDayOfMonth(last.year(), last.month()),
      absl::StrCat(missing.size() == 1 ? "The POO declaration for " : "The POO declarations for ",
                   absl::StrJoin(months, ", "), " count ", FormatCount(persons),
                   " person-months with a provision without the persons' pseudonyms, so "
                   "counting a person in two municipalities cannot be checked."));
  AddFigure(s, "months without pseudonyms", static_cast<int64_t>(missing.size()), "months");
  AddFigure(s, "person-months without pseudonyms", persons, "person-months");
  for (const FactRecord* f : missing) AddSource(s, *f);
  out.push_back(std::move(s));
}

// Transition costs need approval beforehand: an approval whose decision date falls after the
// first day of the costs it covers (the approved period, else the requested one) covers costs
// incurred without it: the days of that period before the decision date. Raised in each
// spending year holding such days.
void TransitionCostsBeforeApproval(const steps::Context& ctx,
                                   std::vector<booo::v1::Signal>& out) {
  const auto requests = ctx.Facts(EventBody::kTransitionCostRequested);
  const int64_t year_first = FirstDayOfMonth(ctx.scope().year, 1);
  const int64_t year_last = LastDayOfYear(ctx.scope().year);
  for (const FactRecord* decision : ctx.Facts(EventBody::kTransitionCostDecided)) {
    const auto& d = decision->body->transition_cost_decided();
    if (d.outcome() == booo::v1::DECISION_OUTCOME_REJECTED) continue;
    const FactRecord* request = nullptr;
    for (const FactRecord* r : requests) {
      if (Answers(*r, d.request_event_id())) request = r;
    }
    // The costs' days: the period the decision approved, else the one requested.
    const booo::v1::DateRange* period = d.has_period() ? &d.period() : nullptr;
    if (period == nullptr && request != nullptr) {
      period = &request->body->transition_cost_requested().period();
    }
    if (period == nullptr) continue;
    const int64_t costs_from = ToEpochDays(period->first_day());
    const int64_t costs_to = ToEpochDays(period->last_day());
    const int64_t approved_on = ToEpochDays(d.decision_date());
    // The days of costs before approval that lie in this spending year.
    const int64_t first = std::max(costs_from, year_first);
    const int64_t last = std::min({approved_on - 1, costs_to, year_last});
    if (first > last) continue;
    booo::v1::Signal s = MakeSignal(
        "transition_costs_incurred_before_approval", booo::v1::SEVERITY_HIGH,
        ctx.input.municipality_code, ctx.scope().year, first, last,
        absl::StrCat("Transition costs", request != nullptr
                                             ? absl::StrCat(" of request ", request->ref.event_id)
                                             : std::string(),
                     " were incurred from ", DayText(costs_from), ", before their approval (",
                     d.decision_reference(), ") of ", DayText(approved_on),
                     "; transition costs need approval beforehand (", last - first + 1,
                     " days of ", ctx.scope().year, " before it)."));
    AddFigure(s, "costs incurred from", costs_from, "date");
    AddFigure(s, "approved on", approved_on, "date");
    AddFigure(s, "days before approval", last - first + 1, "days");
    AddFigure(s, "approved amount", d.approved_amount_cents(), "cents");
    if (request != nullptr) AddSource(s, *request);
    AddSource(s, *decision);
    out.push_back(std::move(s));
  }
}

// Declared days and months inside the spending period for which no norm is known at the query's
// ledger point (2026 today): priced at €0.00 until a norm is published. One signal per
// municipality-year, not one per declaration.
absl::Status NormUnknown(const steps::Context& ctx, std::vector<booo::v1::Signal>& out) {
  int64_t place_days = 0;
  int64_t person_months = 0;
  int64_t first = ctx.scope().last_day + 1;
  int64_t last = ctx.scope().first_day - 1;
  std::vector<const FactRecord*> facts;
  auto note = [&](const FactRecord* f, int64_t a, int64_t b) {
    first = std::min(first, a);
    last = std::max(last, b);
    if (std::find(facts.begin(), facts.end(), f) == facts.end()) facts.push_back(f);
  };
  for (const auto& [location_id, location] : steps::EffectivePlaces(ctx)) {
    for (const steps::PlaceRun& run : location.runs) {
      for (const auto& rate : ctx.rules().Segments(param::kGooNorm, run.first_day, run.last_day)) {
        if (rate.entry != nullptr) continue;
        for (const auto& period :
             ctx.rules().Segments(param::kSpendingPeriod, rate.first_day, rate.last_day)) {
          if (period.entry == nullptr || !period.entry->value.flag()) continue;
          ASSIGN_OR_RETURN_CONTROL(
              int64_t more,
              CheckedMul(run.places, period.last_day - period.first_day + 1, "place-days"));
          ASSIGN_OR_RETURN_CONTROL(place_days, CheckedAdd(place_days, more, "place-days"));
          note(run.declaration, period.first_day, period.last_day);
        }
      }
    }
  }
  for (const auto& [key, f] : steps::EffectivePersonMonths(ctx)) {
    const auto& d = f->body->poo_person_months_declared();
    const int64_t month_first = FirstDayOfMonth(d.month().year(), d.month().month());
    if (d.persons_with_provision() == 0 || !ctx.rules().FlagOn(param::kSpendingPeriod, month_first) ||
        ctx.rules().ValueOn(param::kPooNorm, month_first) != nullptr) {
      continue;
    }
    ASSIGN_OR_RETURN_CONTROL(person_months,
                             CheckedAdd(person_months, d.persons_with_provision(), "person-months"));
    note(f, month_first, LastDayOfMonth(d.month().year(), d.month().month()));
  }
  if (facts.empty()) return absl::OkStatus();
  std::vector<std::string> parts;
  if (place_days > 0) {
    parts.push_back(absl::StrCat("no GOO norm for ", FormatCount(place_days), " place-days"));
  }
  if (person_months > 0) {
    parts.push_back(absl::StrCat("no POO norm for ", FormatCount(person_months),
                                 " person-months"));
  }
  booo::v1::Signal s = MakeSignal(
      "norm_unknown", booo::v1::SEVERITY_WARNING, ctx.input.municipality_code, ctx.scope().year,
      first, last,
      absl::StrCat("At this ledger point ", absl::StrJoin(parts, " and "), " declared for ",
                   ctx.scope().year,
                   " is known; they count for €0.00 until the norm for those days is published."));
  AddFigure(s, "place-days without a norm", place_days, "place-days");
  AddFigure(s, "person-months without a norm", person_months, "person-months");
  AddFigure(s, "declarations concerned", static_cast<int64_t>(facts.size()), "declarations");
  std::sort(facts.begin(), facts.end(), [](const FactRecord* a, const FactRecord* b) {
    return a->ref.sequence < b->ref.sequence;
  });
  for (size_t i = 0; i < facts.size() && i < kMaxCitedDeclarations; ++i) AddSource(s, *facts[i]);
  out.push_back(std::move(s));
  return absl::OkStatus();
}

}  // namespace booo::replay::controls
