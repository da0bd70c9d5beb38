// Steps a (GOO norm per realised place-day) and c/d (POO norm per person-month), and the
// VAT-fund contribution that is counted on the same place-days and person-months.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "ledger/core/civil_date.h"
#include "replay/calc/calculation_steps.h"
#include "replay/calc/money.h"
#include "replay/calc/parameters.h"

namespace booo::replay::steps {
namespace {

using booo::v1::EventBody;
using ledger::FromEpochDays;
using ledger::ToEpochDays;

std::string AccommodationText(booo::v1::AccommodationType type) {
  switch (type) {
    case booo::v1::ACCOMMODATION_TYPE_REGULAR_BUILDING:
      return "regular building";
    case booo::v1::ACCOMMODATION_TYPE_HOTEL:
      return "hotel";
    case booo::v1::ACCOMMODATION_TYPE_HOLIDAY_PARK:
      return "holiday park";
    case booo::v1::ACCOMMODATION_TYPE_SHIP:
      return "ship";
    default:
      return "other";
  }
}

std::string MonthKey(const booo::v1::YearMonth& m) {
  return absl::StrFormat("%04d-%02d", m.year(), m.month());
}

int64_t MonthFirstDay(const booo::v1::YearMonth& m) { return FirstDayOfMonth(m.year(), m.month()); }

// Place-days of one run cut at every change of `rate_parameter` and of the spending period:
// calls `emit(first, last, rate_entry, eligible, period_entry)` per piece.
template <typename Emit>
absl::Status ForEachRatePiece(const Context& ctx, const PlaceRun& run,
                              absl::string_view rate_parameter, Emit emit) {
  for (const auto& rate : ctx.rules().Segments(rate_parameter, run.first_day, run.last_day)) {
    for (const auto& period :
         ctx.rules().Segments(param::kSpendingPeriod, rate.first_day, rate.last_day)) {
      const bool eligible =
          period.entry != nullptr && period.entry->value.has_flag() && period.entry->value.flag();
      absl::Status s = emit(period.first_day, period.last_day, rate.entry, eligible, period.entry);
      if (!s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<Cover> LatestCover(const std::vector<const FactRecord*>& ordered,
                               const std::function<booo::v1::DateRange(const FactRecord&)>& period,
                               int64_t scope_first, int64_t scope_last) {
  // Latest first, each record claims the days no later one claimed: `free` holds the unclaimed
  // days as first -> last. O(n log n) in the records.
  std::map<int64_t, int64_t> free = {{scope_first, scope_last}};
  std::map<int64_t, Cover> claimed;  // by first day
  for (auto it = ordered.rbegin(); it != ordered.rend() && !free.empty(); ++it) {
    const booo::v1::DateRange range = period(**it);
    const int64_t first = ToEpochDays(range.first_day());
    const int64_t last = ToEpochDays(range.last_day());
    // Free ranges that overlap [first, last]: start from the one holding `first`, if any.
    auto f = free.upper_bound(first);
    if (f != free.begin() && std::prev(f)->second >= first) --f;
    while (f != free.end() && f->first <= last) {
      const int64_t free_first = f->first;
      const int64_t free_last = f->second;
      const int64_t take_first = std::max(free_first, first);
      const int64_t take_last = std::min(free_last, last);
      f = free.erase(f);
      if (free_first < take_first) free.emplace(free_first, take_first - 1);
      if (take_last < free_last) f = free.emplace(take_last + 1, free_last).first;
      claimed.emplace(take_first, Cover{take_first, take_last, *it});
    }
  }
  std::vector<Cover> out;
  for (const auto& [first, cover] : claimed) {
    if (!out.empty() && out.back().record == cover.record &&
        out.back().last_day + 1 == cover.first_day) {
      out.back().last_day = cover.last_day;
    } else {
      out.push_back(cover);
    }
  }
  return out;
}

std::map<std::string, Location> EffectivePlaces(const Context& ctx) {
  std::map<std::string, std::vector<const FactRecord*>> by_location;
  for (const FactRecord* f : ctx.Facts(EventBody::kGooPlacesDeclared)) {
    by_location[f->body->goo_places_declared().location_id()].push_back(f);
  }
  std::map<std::string, Location> out;
  for (const auto& [location_id, declarations] : by_location) {
    const std::vector<Cover> covers = LatestCover(
        declarations, [](const FactRecord& f) { return f.body->goo_places_declared().period(); },
        ctx.scope().first_day, ctx.scope().last_day);
    if (covers.empty()) continue;
    Location& location = out[location_id];
    location.accommodation =
        AccommodationText(declarations.back()->body->goo_places_declared().accommodation_type());
    for (const Cover& c : covers) {
      location.runs.push_back(PlaceRun{c.first_day, c.last_day,
                                       c.record->body->goo_places_declared().places(), c.record});
    }
  }
  return out;
}

std::map<std::string, const FactRecord*> EffectivePersonMonths(const Context& ctx) {
  std::map<std::string, const FactRecord*> out;
  for (const FactRecord* f : ctx.Facts(EventBody::kPooPersonMonthsDeclared)) {
    const auto& month = f->body->poo_person_months_declared().month();
    const int64_t first = MonthFirstDay(month);
    if (first < ctx.scope().first_day || first > ctx.scope().last_day) continue;
    out[MonthKey(month)] = f;  // a later declaration of the same month replaces it
  }
  return out;
}

absl::StatusOr<TraceNode> GooNorm(const Context& ctx) {
  TraceNode norm = MakeNode("norm", "norm per realised place per day (gerealiseerde opvangplek)");
  for (const auto& [location_key, location] : EffectivePlaces(ctx)) {
    // A plain name for the lambda below (clang 14 cannot capture a structured binding).
    const std::string& location_id = location_key;
    TraceNode node = MakeNode(
        location_id, absl::StrCat("location ", location_id, " (", location.accommodation, ")"));
    for (const PlaceRun& run : location.runs) {
      absl::Status s = ForEachRatePiece(
          ctx, run, param::kGooNorm,
          [&](int64_t first, int64_t last, const RuleEntry* rate, bool eligible,
              const RuleEntry* period) -> absl::Status {
            const int64_t days = last - first + 1;
            const std::string head = absl::StrCat(FormatCount(run.places), " places × ", days,
                                                  days == 1 ? " day" : " days");
            TraceNode leaf = MakeLeaf(RangeText(first, last), RangeText(first, last), 0, "");
            AddSource(leaf, *run.declaration);
            if (period != nullptr) *leaf.add_rules() = ctx.rules().Use(*period, first, last);
            if (period == nullptr) {
              leaf.set_formula(absl::StrCat(head, ": no spending period known = €0.00"));
              leaf.add_notes("no spending period is known for these days at this ledger point");
              ctx.Flag(
                  "the spending period is not known for some declared days at this ledger point");
            } else if (!eligible) {
              leaf.set_formula(absl::StrCat(head, " outside the spending period = €0.00"));
              leaf.add_notes("not eligible: these days lie outside the spending period");
            } else if (rate == nullptr) {
              leaf.set_formula(absl::StrCat(head, " × no GOO norm known = €0.00"));
              leaf.add_notes("no GOO norm is known for these days at this ledger point");
              ctx.Flag("a GOO norm is not known for some declared days at this ledger point");
            } else {
              const int64_t rate_cents = rate->value.amount_cents();
              absl::StatusOr<int64_t> amount =
                  CheckedMul3(run.places, days, rate_cents, "a.norm " + location_id);
              if (!amount.ok()) return amount.status();
              leaf.set_amount_cents(*amount);
              leaf.set_formula(
                  absl::StrCat(head, " × ", FormatEuros(rate_cents), " = ", FormatEuros(*amount)));
              *leaf.add_rules() = ctx.rules().Use(*rate, first, last);
            }
            *node.add_children() = std::move(leaf);
            return absl::OkStatus();
          });
      if (!s.ok()) return s;
    }
    if (absl::StatusOr<int64_t> sum = SumChildren(node); !sum.ok()) return sum.status();
    *norm.add_children() = std::move(node);
  }
  if (norm.children().empty()) norm.set_formula("no realised places declared in scope = €0.00");
  if (absl::StatusOr<int64_t> sum = SumChildren(norm); !sum.ok()) return sum.status();
  return norm;
}

absl::StatusOr<TraceNode> PooNorm(const Context& ctx) {
  TraceNode cd =
      MakeNode("cd",
               "categories c and d: private reception (POO), norm per registered person per month "
               "with a provision");
  for (const auto& [key, f] : EffectivePersonMonths(ctx)) {
    const auto& d = f->body->poo_person_months_declared();
    const int64_t first = MonthFirstDay(d.month());
    TraceNode leaf = MakeLeaf(key, key, 0, "");
    AddSource(leaf, *f);
    const std::string head =
        absl::StrCat(FormatCount(d.persons_with_provision()), " persons with a provision");
    if (d.registered_persons() > d.persons_with_provision()) {
      leaf.add_notes(absl::StrCat(d.registered_persons() - d.persons_with_provision(),
                                  " registered persons without a provision in ", key,
                                  " do not count"));
    }
    const RuleEntry* period = ctx.rules().ValueOn(param::kSpendingPeriod, first);
    const RuleEntry* rate = ctx.rules().ValueOn(param::kPooNorm, first);
    if (period != nullptr) *leaf.add_rules() = ctx.rules().Use(*period, first);
    if (period == nullptr) {
      leaf.set_formula(absl::StrCat(head, ": no spending period known = €0.00"));
      leaf.add_notes("no spending period is known for this month at this ledger point");
      ctx.Flag("the spending period is not known for some declared days at this ledger point");
    } else if (!ctx.rules().FlagOn(param::kSpendingPeriod, first)) {
      leaf.set_formula(absl::StrCat(head, " outside the spending period = €0.00"));
      leaf.add_notes("not eligible: the month lies outside the spending period");
    } else if (rate == nullptr) {
      leaf.set_formula(absl::StrCat(head, " × no POO norm known = €0.00"));
      leaf.add_notes("no POO norm is known for this month at this ledger point");
      ctx.Flag("a POO norm is not known for some declared months at this ledger point");
    } else {
      absl::StatusOr<int64_t> amount =
          CheckedMul(d.persons_with_provision(), rate->value.amount_cents(), "cd " + key);
      if (!amount.ok()) return amount.status();
      leaf.set_amount_cents(*amount);
      leaf.set_formula(absl::StrCat(head, " × ", FormatEuros(rate->value.amount_cents()), " = ",
                                    FormatEuros(*amount)));
      *leaf.add_rules() = ctx.rules().Use(*rate, first);
    }
    *cd.add_children() = std::move(leaf);
  }
  if (cd.children().empty()) cd.set_formula("no person-months declared in scope = €0.00");
  if (absl::StatusOr<int64_t> sum = SumChildren(cd); !sum.ok()) return sum.status();
  return cd;
}

absl::StatusOr<TraceNode> VatFund(const Context& ctx) {
  TraceNode root = MakeNode(
      "vat_fund",
      "VAT compensation fund contribution (afdracht BTW-compensatiefonds): a ministry-level "
      "transfer, not deducted from the grant");
  TraceNode goo = MakeNode("goo", "per GOO place per day");
  for (const auto& [location_key, location] : EffectivePlaces(ctx)) {
    // A plain name for the lambda below (clang 14 cannot capture a structured binding).
    const std::string& location_id = location_key;
    TraceNode node = MakeNode(location_id, absl::StrCat("location ", location_id));
    for (const PlaceRun& run : location.runs) {
      absl::Status s = ForEachRatePiece(
          ctx, run, param::kVatFundGoo,
          [&](int64_t first, int64_t last, const RuleEntry* rate, bool eligible,
              const RuleEntry*) -> absl::Status {
            if (rate == nullptr || !eligible) return absl::OkStatus();
            const int64_t days = last - first + 1;
            absl::StatusOr<int64_t> amount =
                CheckedMul3(run.places, days, rate->value.amount_cents(), "vat_fund.goo");
            if (!amount.ok()) return amount.status();
            TraceNode leaf = MakeLeaf(
                RangeText(first, last), RangeText(first, last), *amount,
                absl::StrCat(FormatCount(run.places), " places × ", days, " days × ",
                             FormatEuros(rate->value.amount_cents()), " = ", FormatEuros(*amount)));
            *leaf.add_rules() = ctx.rules().Use(*rate, first, last);
            AddSource(leaf, *run.declaration);
            *node.add_children() = std::move(leaf);
            return absl::OkStatus();
          });
      if (!s.ok()) return s;
    }
    if (node.children().empty()) continue;
    if (absl::StatusOr<int64_t> sum = SumChildren(node); !sum.ok()) return sum.status();
    *goo.add_children() = std::move(node);
  }
  TraceNode poo = MakeNode("poo", "per POO person-month");
  for (const auto& [key, f] : EffectivePersonMonths(ctx)) {
    const auto& d = f->body->poo_person_months_declared();
    const int64_t first = MonthFirstDay(d.month());
    const RuleEntry* rate = ctx.rules().ValueOn(param::kVatFundPoo, first);
    if (rate == nullptr || !ctx.rules().FlagOn(param::kSpendingPeriod, first)) continue;
    absl::StatusOr<int64_t> amount =
        CheckedMul(d.persons_with_provision(), rate->value.amount_cents(), "vat_fund.poo");
    if (!amount.ok()) return amount.status();
    TraceNode leaf = MakeLeaf(
        key, key, *amount,
        absl::StrCat(FormatCount(d.persons_with_provision()), " person-months × ",
                     FormatEuros(rate->value.amount_cents()), " = ", FormatEuros(*amount)));
    *leaf.add_rules() = ctx.rules().Use(*rate, first);
    AddSource(leaf, *f);
    *poo.add_children() = std::move(leaf);
  }
  for (TraceNode* node : {&goo, &poo}) {
    if (absl::StatusOr<int64_t> sum = SumChildren(*node); !sum.ok()) return sum.status();
  }
  *root.add_children() = std::move(goo);
  *root.add_children() = std::move(poo);
  if (absl::StatusOr<int64_t> sum = SumChildren(root); !sum.ok()) return sum.status();
  return root;
}

int64_t FirstDayOfMonth(int32_t year, int32_t month) {
  booo::v1::CivilDate d;
  d.set_year(year);
  d.set_month(month);
  d.set_day(1);
  return ToEpochDays(d);
}

int64_t LastDayOfYear(int32_t year) { return Scope::Year(year).last_day; }

std::string DayText(int64_t day) { return ledger::FormatDate(FromEpochDays(day)); }

std::string RangeText(int64_t first_day, int64_t last_day) {
  return absl::StrCat(DayText(first_day), "..", DayText(last_day));
}

}  // namespace booo::replay::steps
