// Deadlines (accountability, determination, advance applications), advances that exceed the
// grant, and a high share of expensive accommodation.
#include <algorithm>
#include <array>
#include <limits>

#include "absl/numeric/int128.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "ledger/core/civil_date.h"
#include "replay/controls/controls_internal.h"
#include "replay/calc/money.h"
#include "replay/calc/parameters.h"

namespace booo::replay::controls {
namespace {

using booo::v1::EventBody;
using ledger::ToEpochDays;

using steps::DayText;  // one "2023-01-31" for traces and signals alike

// What makes a municipality accountable for `year` as of `as_of_day`: the advances paid for
// it and the costs it declared for it (days, months, payments or claims in that year). An
// advance request alone, with nothing paid or declared, owes no accountability.
struct Accountability {
  std::vector<const FactRecord*> advances_paid;
  std::vector<const FactRecord*> declarations;
  int64_t advances_cents = 0;
  bool owed() const { return !advances_paid.empty() || !declarations.empty(); }
};

bool TouchesYear(const booo::v1::DateRange& period, int64_t year_first, int64_t year_last) {
  return ToEpochDays(period.first_day()) <= year_last &&
         ToEpochDays(period.last_day()) >= year_first;
}

Accountability AccountableFor(const steps::Context& ctx, int32_t year, int64_t as_of_day) {
  Accountability out;
  const int64_t first = FirstDayOfMonth(year, 1);
  const int64_t last = LastDayOfYear(year);
  // When the original arrived: a declaration corrected later was there from its first day.
  auto arrived = [&](const FactRecord* f) { return f->first_business_day <= as_of_day; };
  for (const FactRecord* f : ctx.Facts(EventBody::kAdvancePaid)) {
    if (f->body->advance_paid().spending_year() != year || !arrived(f)) continue;
    out.advances_paid.push_back(f);
    absl::StatusOr<int64_t> sum =
        CheckedAdd(out.advances_cents, f->body->advance_paid().amount_cents(), "advances");
    out.advances_cents = sum.ok() ? *sum : std::numeric_limits<int64_t>::max();
  }
  for (const FactRecord* f : ctx.Facts(EventBody::kGooPlacesDeclared)) {
    if (arrived(f) && TouchesYear(f->body->goo_places_declared().period(), first, last)) {
      out.declarations.push_back(f);
    }
  }
  for (const FactRecord* f : ctx.Facts(EventBody::kPooPersonMonthsDeclared)) {
    if (arrived(f) && f->body->poo_person_months_declared().month().year() == year) {
      out.declarations.push_back(f);
    }
  }
  for (const FactRecord* f : ctx.Facts(EventBody::kLivingAllowancePaid)) {
    if (arrived(f) && TouchesYear(f->body->living_allowance_paid().period(), first, last)) {
      out.declarations.push_back(f);
    }
  }
  for (const FactRecord* f : ctx.Facts(EventBody::kTransitionCostsDeclared)) {
    if (arrived(f) && f->body->transition_costs_declared().spending_year() == year) {
      out.declarations.push_back(f);
    }
  }
  for (const FactRecord* f : ctx.Facts(EventBody::kExceptionClaimFiled)) {
    if (arrived(f) && f->body->exception_claim_filed().spending_year() == year) {
      out.declarations.push_back(f);
    }
  }
  std::sort(out.declarations.begin(), out.declarations.end(),
            [](const FactRecord* a, const FactRecord* b) { return a->ref.sequence < b->ref.sequence; });
  return out;
}

// A deadline signal's evidence: the figures and events that make the year accountable. Every
// advance paid is cited; declarations up to kMaxCitedDeclarations (a municipality that declares
// daily has hundreds), the count saying how many there are.
constexpr size_t kMaxCitedDeclarations = 12;

void AddEvidence(booo::v1::Signal& s, const Accountability& why) {
  AddFigure(s, "advances paid", why.advances_cents, "cents");
  AddFigure(s, "declarations", static_cast<int64_t>(why.declarations.size()), "declarations");
  for (const FactRecord* f : why.advances_paid) AddSource(s, *f);
  for (size_t i = 0; i < why.declarations.size() && i < kMaxCitedDeclarations; ++i) {
    AddSource(s, *why.declarations[i]);
  }
}

std::string EvidenceText(const Accountability& why) {
  std::vector<std::string> parts;
  if (!why.advances_paid.empty()) {
    parts.push_back(absl::StrCat(FormatEuros(why.advances_cents), " in advances was paid"));
  }
  if (!why.declarations.empty()) {
    parts.push_back(absl::StrCat(why.declarations.size(),
                                 why.declarations.size() == 1 ? " declaration" : " declarations",
                                 " of costs arrived"));
  }
  if (parts.empty()) return "its accountability report arrived";
  return parts.size() == 2 ? absl::StrCat(parts[0], " and ", parts[1]) : parts[0];
}

}  // namespace

void Deadlines(const steps::Context& ctx, int64_t as_of_day, std::vector<booo::v1::Signal>& out) {
  const int32_t year = ctx.scope().year;
  const std::string& code = ctx.input.municipality_code;
  const int64_t year_end = LastDayOfYear(year);
  // Judged on `as_of`, the rules see only what had arrived by then.
  const FactRecord* report = nullptr;
  for (const FactRecord* f : ctx.Facts(EventBody::kAccountabilityReportFiled)) {
    if (f->body->accountability_report_filed().spending_year() == year &&
        f->first_business_day <= as_of_day) {
      report = f;
    }
  }
  const Accountability why = AccountableFor(ctx, year, as_of_day);
  const RuleEntry* deadline = ctx.rules().ValueOn(param::kAccountabilityDeadline, year_end);
  if (deadline != nullptr && deadline->value.has_date()) {
    const int64_t due = ToEpochDays(deadline->value.date());
    if (report == nullptr && as_of_day > due && why.owed()) {
      booo::v1::Signal s =
          MakeSignal("accountability_missing", booo::v1::SEVERITY_HIGH, code, year, due, as_of_day,
                     absl::StrCat("The accountability (SiSa) for ", year, " was due on ",
                                  DayText(due), " and has not arrived as of ", DayText(as_of_day),
                                  " (", as_of_day - due, " days overdue); it is owed because ",
                                  EvidenceText(why), " for ", year, "."));
      AddFigure(s, "deadline", due, "date");
      AddFigure(s, "days overdue", as_of_day - due, "days");
      AddEvidence(s, why);
      AddRule(s, ctx.rules(), deadline);
      out.push_back(std::move(s));
    } else if (report != nullptr) {
      const int64_t received = report->first_business_day;  // of the original, if corrected
      if (received > due) {
        booo::v1::Signal s = MakeSignal(
            "accountability_late", booo::v1::SEVERITY_WARNING, code, year, due, received,
            absl::StrCat("The accountability for ", year, " arrived on ", DayText(received), ", ",
                         received - due, " days after its deadline of ", DayText(due),
                         "; SiSa does not apply and the ministry may set a lower amount."));
        AddFigure(s, "deadline", due, "date");
        AddFigure(s, "received", received, "date");
        AddFigure(s, "days late", received - due, "days");
        AddRule(s, ctx.rules(), deadline);
        AddSource(s, *report);
        out.push_back(std::move(s));
      }
    }
  }
  bool determined = false;
  for (const FactRecord* f : ctx.Facts(EventBody::kGrantDetermined)) {
    determined = determined || (f->body->grant_determined().spending_year() == year &&
                                f->ref.business_day <= as_of_day);
  }
  const RuleEntry* determination = ctx.rules().ValueOn(param::kDeterminationDeadline, year_end);
  // A filed report makes the year one to determine, whatever else the ledger holds.
  if (!determined && determination != nullptr && determination->value.has_date() &&
      (why.owed() || report != nullptr)) {
    const int64_t due = ToEpochDays(determination->value.date());
    if (as_of_day > due) {
      booo::v1::Signal s = MakeSignal(
          "determination_overdue", booo::v1::SEVERITY_WARNING, code, year, due, as_of_day,
          absl::StrCat("The grant for ", year, " should have been determined by ", DayText(due),
                       " and is not, as of ", DayText(as_of_day), " (", as_of_day - due,
                       " days overdue); ", EvidenceText(why), " for ", year, "."));
      AddFigure(s, "deadline", due, "date");
      AddFigure(s, "days overdue", as_of_day - due, "days");
      AddEvidence(s, why);
      if (report != nullptr) AddSource(s, *report);
      AddRule(s, ctx.rules(), determination);
      out.push_back(std::move(s));
    }
  }
  const RuleEntry* advance_deadline = ctx.rules().ValueOn(param::kAdvanceDeadline, year_end);
  for (const FactRecord* f : ctx.Facts(EventBody::kAdvanceRequested)) {
    const auto& d = f->body->advance_requested();
    if (d.spending_year() != year || f->ref.business_day > as_of_day ||
        advance_deadline == nullptr || !advance_deadline->value.has_date()) {
      continue;
    }
    const int64_t due = ToEpochDays(advance_deadline->value.date());
    const int64_t received = ToEpochDays(d.received_date());
    if (received <= due) continue;
    booo::v1::Signal s =
        MakeSignal("advance_requested_late", booo::v1::SEVERITY_WARNING, code, year, due, received,
                   absl::StrCat("An advance of ", FormatEuros(d.amount_cents()), " for ", year,
                                " was applied for on ", DayText(received),
                                ", after the deadline of ", DayText(due), "."));
    AddFigure(s, "requested", d.amount_cents(), "cents");
    AddFigure(s, "deadline", due, "date");
    AddFigure(s, "received", received, "date");
    AddRule(s, ctx.rules(), advance_deadline);
    AddSource(s, *f);
    out.push_back(std::move(s));
  }
}

absl::Status AdvancesAgainstGrant(const steps::Context& ctx, const GrantComputation& grant,
                                  std::vector<booo::v1::Signal>& out) {
  if (grant.net_paid_cents <= grant.grant_cents) return absl::OkStatus();
  ASSIGN_OR_RETURN_CONTROL(int64_t reclaim,
                           CheckedAdd(grant.net_paid_cents, -grant.grant_cents, "reclaim"));
  const int32_t year = ctx.scope().year;
  booo::v1::Signal s =
      MakeSignal("advances_exceed_grant", booo::v1::SEVERITY_WARNING, ctx.input.municipality_code,
                 year, ctx.scope().first_day, ctx.scope().last_day,
                 absl::StrCat("Advances for ", year, " less voluntary repayments (",
                              FormatEuros(grant.net_paid_cents), ") exceed the ",
                              grant.determination != nullptr ? "determined" : "computed",
                              " grant (", FormatEuros(grant.grant_cents),
                              "): ", FormatEuros(reclaim), " will have to be reclaimed."));
  AddFigure(s, "advances", grant.advances_cents, "cents");
  AddFigure(s, "voluntary repayments", grant.repayments_cents, "cents");
  AddFigure(s, "grant", grant.grant_cents, "cents");
  AddFigure(s, "to reclaim", reclaim, "cents");
  for (const FactRecord* f : ctx.Facts(EventBody::kAdvancePaid)) {
    if (f->body->advance_paid().spending_year() == year) AddSource(s, *f);
  }
  for (const FactRecord* f : ctx.Facts(EventBody::kVoluntaryRepaymentReceived)) {
    if (f->body->voluntary_repayment_received().spending_year() == year) AddSource(s, *f);
  }
  if (grant.determination != nullptr) AddSource(s, *grant.determination);
  out.push_back(std::move(s));
  return absl::OkStatus();
}

// One signal per municipality and year, over the months whose share of place-days in hotels,
// holiday parks and ships is above the threshold in force that month (the monthly figures are in the mix).
absl::Status ExpensiveShare(const steps::Context& ctx, std::vector<booo::v1::Signal>& out) {
  ASSIGN_OR_RETURN_CONTROL(auto mix, MonthlyMix(ctx));
  std::vector<std::pair<int32_t, int32_t>> months;
  int64_t expensive = 0;
  int64_t total = 0;
  std::vector<const RuleEntry*> thresholds;
  for (const auto& [month, row] : mix) {
    if (row.total_place_days() == 0) continue;
    const RuleEntry* max =
        ctx.rules().ValueOn(param::kExpensiveShareMax, FirstDayOfMonth(month.first, month.second));
    // Exactly: expensive / total > max / 10000, not on the rounded share.
    const int64_t month_expensive = static_cast<int64_t>(ExpensivePlaceDays(row));
    if (max == nullptr || absl::int128(month_expensive) * 10000 <=
                              absl::int128(max->value.count()) * row.total_place_days()) {
      continue;
    }
    months.push_back(month);
    expensive += month_expensive;
    total += row.total_place_days();
    if (std::find(thresholds.begin(), thresholds.end(), max) == thresholds.end()) {
      thresholds.push_back(max);
    }
  }
  if (months.empty()) return absl::OkStatus();
  const int64_t share = static_cast<int64_t>(absl::int128(expensive) * 10000 / total);
  const int64_t first = FirstDayOfMonth(months.front().first, months.front().second);
  const int64_t last = FirstDayOfMonth(months.back().first, months.back().second) +
                       ledger::DaysInMonth(months.back().first, months.back().second) - 1;
  const std::string when =
      months.size() == 1
          ? absl::StrFormat("In %04d-%02d", months[0].first, months[0].second)
          : absl::StrFormat("In %d months of %d (%04d-%02d..%04d-%02d)", months.size(),
                            ctx.scope().year, months.front().first, months.front().second,
                            months.back().first, months.back().second);
  booo::v1::Signal s = MakeSignal(
      "expensive_accommodation_share", booo::v1::SEVERITY_WARNING, ctx.input.municipality_code,
      ctx.scope().year, first, last,
      absl::StrCat(
          when, ", ", FormatCount(expensive), " of ", FormatCount(total),
          " GOO place-days were in hotels, holiday parks or ships (", FigureText(share, "basis-points"),
          "), above ",
          thresholds.size() == 1
              ? absl::StrCat("the ", FigureText(thresholds[0]->value.count(), "basis-points"))
              : std::string("the thresholds in force"),
          " the ministry steers on."));
  AddFigure(s, "months above the threshold", static_cast<int64_t>(months.size()), "months");
  AddFigure(s, "hotel, holiday-park and ship place-days", expensive, "place-days");
  AddFigure(s, "all place-days", total, "place-days");
  AddFigure(s, "expensive share", share, "basis-points");
  for (const RuleEntry* t : thresholds) AddRule(s, ctx.rules(), t);
  for (const auto& [location_id, location] : steps::EffectivePlaces(ctx)) {
    for (const auto& run : location.runs) {
      if (run.first_day <= last && run.last_day >= first) AddSource(s, *run.declaration);
    }
  }
  out.push_back(std::move(s));
  return absl::OkStatus();
}

}  // namespace booo::replay::controls
