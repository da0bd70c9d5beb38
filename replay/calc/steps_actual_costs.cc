// Amounts paid at actual cost: the GOO living allowance (from the day the rules take it out of
// the norm), the POO living allowance and housing component (category b), and transition costs
// (category e), which count only as approved by a decision and are allocated by its method.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "ledger/core/civil_date.h"
#include "replay/calc/calculation_steps.h"
#include "replay/calc/money.h"
#include "replay/calc/parameters.h"

namespace booo::replay::steps {
namespace {

using booo::v1::EventBody;
using ledger::ToEpochDays;

// Living allowance payments of one reception kind whose period starts in scope: an actual-cost
// amount belongs, whole, to the day its period starts (validation keeps a period in one year).
absl::StatusOr<TraceNode> ActualCostNode(const Context& ctx, TraceNode node,
                                         booo::v1::ReceptionKind kind,
                                         absl::string_view flag_parameter,
                                         absl::string_view not_separate_reason) {
  for (const FactRecord* f : ctx.Facts(EventBody::kLivingAllowancePaid)) {
    const auto& d = f->body->living_allowance_paid();
    if (d.reception_kind() != kind) continue;
    const int64_t first = ToEpochDays(d.period().first_day());
    if (first < ctx.scope().first_day || first > ctx.scope().last_day) continue;
    const int64_t last = ToEpochDays(d.period().last_day());
    const std::string what = d.component() == booo::v1::ALLOWANCE_COMPONENT_HOUSING_COMPONENT
                                 ? "housing component (woonkostencomponent)"
                                 : "living allowance (leefgeld)";
    TraceNode leaf =
        MakeLeaf(f->ref.event_id, absl::StrCat(what, " ", RangeText(first, last)), 0, "");
    AddSource(leaf, *f);
    const RuleEntry* rule = ctx.rules().ValueOn(flag_parameter, first);
    const RuleEntry* period = ctx.rules().ValueOn(param::kSpendingPeriod, first);
    if (rule != nullptr) *leaf.add_rules() = ctx.rules().Use(*rule, first);
    if (period != nullptr) *leaf.add_rules() = ctx.rules().Use(*period, first);
    const std::string declared =
        absl::StrCat("declared actual cost ", FormatEuros(d.amount_cents()));
    if (period == nullptr) {
      leaf.set_formula(absl::StrCat(declared, ", no spending period known = €0.00"));
      leaf.add_notes("no spending period is known for this day at this ledger point");
      ctx.Flag("the spending period is not known for some declared days at this ledger point");
    } else if (!ctx.rules().FlagOn(param::kSpendingPeriod, first)) {
      leaf.set_formula(absl::StrCat(declared, ", outside the spending period = €0.00"));
      leaf.add_notes("not eligible: the period starts outside the spending period");
    } else if (!ctx.rules().FlagOn(flag_parameter, first)) {
      leaf.set_formula(absl::StrCat(declared, ", ", not_separate_reason, " = €0.00"));
      leaf.add_notes(std::string(not_separate_reason));
    } else {
      leaf.set_amount_cents(d.amount_cents());
      leaf.set_formula(absl::StrCat(declared, " = ", FormatEuros(d.amount_cents())));
    }
    *node.add_children() = std::move(leaf);
  }
  if (node.children().empty()) node.set_formula("nothing declared in scope = €0.00");
  if (absl::StatusOr<int64_t> sum = SumChildren(node); !sum.ok()) return sum.status();
  return node;
}

int64_t MonthIndex(const booo::v1::CivilDate& d) { return int64_t{d.year()} * 12 + d.month() - 1; }

struct Allocation {
  int64_t amount_cents = 0;
  std::string formula;
  bool touches_scope = false;
};

// The part of an approved amount that falls in the scope. Depreciation: straight line by days;
// rent: by calendar month (a month belongs to the scope holding its first day); lump sum: all of
// it in the book year of the period's first day (and in a scope holding that day). The
// cumulative floor makes the pieces over all scopes add up to the approved amount exactly.
Allocation Allocate(const Context& ctx, const booo::v1::TransitionCostDecided& d) {
  const int64_t amount = d.approved_amount_cents();
  const int64_t first = ToEpochDays(d.period().first_day());
  const int64_t last = ToEpochDays(d.period().last_day());
  const std::string approved = absl::StrCat(FormatEuros(amount), " approved");
  Allocation a;
  switch (d.allocation_method()) {
    case booo::v1::ALLOCATION_METHOD_DEPRECIATION: {
      const int64_t total = last - first + 1;
      const int64_t before = std::clamp<int64_t>(ctx.scope().first_day - first, 0, total);
      const int64_t through = std::clamp<int64_t>(ctx.scope().last_day - first + 1, 0, total);
      a.touches_scope = through > before;
      a.amount_cents = ProRataFloor(amount, through, total) - ProRataFloor(amount, before, total);
      a.formula = absl::StrCat(approved, ", depreciated straight-line over ", total, " days (",
                               RangeText(first, last), "): ", through - before,
                               " days in scope = ", FormatEuros(a.amount_cents));
      break;
    }
    case booo::v1::ALLOCATION_METHOD_RENT: {
      const int64_t first_month = MonthIndex(d.period().first_day());
      const int64_t total = MonthIndex(d.period().last_day()) - first_month + 1;
      // Months of the scope: those whose first day lies in it.
      const auto scope_first = ledger::FromEpochDays(ctx.scope().first_day);
      const auto scope_last = ledger::FromEpochDays(ctx.scope().last_day);
      const int64_t scope_first_month = MonthIndex(scope_first) + (scope_first.day() == 1 ? 0 : 1);
      const int64_t scope_last_month = MonthIndex(scope_last);
      const int64_t before = std::clamp<int64_t>(scope_first_month - first_month, 0, total);
      const int64_t through = std::clamp<int64_t>(scope_last_month - first_month + 1, 0, total);
      a.touches_scope = through > before;
      a.amount_cents = through > before ? ProRataFloor(amount, through, total) -
                                              ProRataFloor(amount, before, total)
                                        : 0;
      a.formula = absl::StrCat(approved, ", rent over ", total, " months (", RangeText(first, last),
                               "): ", std::max<int64_t>(through - before, 0),
                               " months in scope = ", FormatEuros(a.amount_cents));
      break;
    }
    default: {  // lump sum
      a.touches_scope = ctx.scope().first_day <= first && first <= ctx.scope().last_day;
      a.amount_cents = a.touches_scope ? amount : 0;
      a.formula = absl::StrCat(approved, ", lump sum in book year ", d.period().first_day().year(),
                               " = ", FormatEuros(a.amount_cents));
      break;
    }
  }
  return a;
}

bool PeriodTouchesYear(const booo::v1::DateRange& period, int32_t year) {
  return period.first_day().year() <= year && year <= period.last_day().year();
}

}  // namespace

absl::StatusOr<TraceNode> GooLivingAllowance(const Context& ctx) {
  return ActualCostNode(ctx,
                        MakeNode("goo_living_allowance", "GOO living allowance at actual cost"),
                        booo::v1::RECEPTION_KIND_GOO, param::kGooLivingAllowanceActual,
                        "inside the GOO norm on these days, not paid separately");
}

absl::StatusOr<TraceNode> PooActualCosts(const Context& ctx) {
  return ActualCostNode(
      ctx, MakeNode("b", "category b: POO living allowance and housing component at actual cost"),
      booo::v1::RECEPTION_KIND_POO, param::kPooProvisionsActual,
      "not paid at actual cost on these days");
}

absl::StatusOr<TraceNode> TransitionCosts(const Context& ctx) {
  TraceNode e = MakeNode("e", "category e: transition costs, only as approved beforehand");
  const std::vector<const FactRecord*> requests = ctx.Facts(EventBody::kTransitionCostRequested);
  const std::vector<const FactRecord*> decisions = ctx.Facts(EventBody::kTransitionCostDecided);
  std::map<std::string, TraceNode> leaves;  // by request event id
  for (const FactRecord* request : requests) {
    // The latest decision on this request, or on the request it corrects.
    const FactRecord* decision = nullptr;
    for (const FactRecord* d : decisions) {
      if (Answers(*request, d->body->transition_cost_decided().request_event_id())) decision = d;
    }
    const auto& r = request->body->transition_cost_requested();
    TraceNode leaf =
        MakeLeaf(request->ref.event_id, absl::StrCat("request ", request->ref.event_id), 0, "");
    AddSource(leaf, *request);
    if (decision == nullptr) {
      if (!PeriodTouchesYear(r.period(), ctx.scope().year)) continue;
      leaf.set_formula(
          absl::StrCat(FormatEuros(r.amount_cents()), " requested, awaiting a decision = €0.00"));
      leaf.add_notes("transition costs count only after prior approval by a decision");
    } else {
      const auto& d = decision->body->transition_cost_decided();
      AddSource(leaf, *decision);
      if (d.outcome() == booo::v1::DECISION_OUTCOME_REJECTED) {
        if (!PeriodTouchesYear(r.period(), ctx.scope().year)) continue;
        leaf.set_formula(absl::StrCat(FormatEuros(r.amount_cents()), " requested, rejected by ",
                                      d.decision_reference(), " = €0.00"));
        leaf.add_notes("rejected: transition costs count only when approved");
      } else {
        const Allocation a = Allocate(ctx, d);
        if (!a.touches_scope) continue;
        leaf.set_amount_cents(a.amount_cents);
        leaf.set_formula(absl::StrCat(a.formula, " (decision ", d.decision_reference(), ")"));
      }
    }
    leaves.emplace(request->ref.event_id, std::move(leaf));
  }
  // Decisions on a request the query does not see.
  for (const FactRecord* decision : decisions) {
    const auto& d = decision->body->transition_cost_decided();
    bool known = false;
    for (const FactRecord* request : requests)
      known = known || Answers(*request, d.request_event_id());
    if (known || !PeriodTouchesYear(d.period(), ctx.scope().year)) continue;
    TraceNode leaf = MakeLeaf(d.request_event_id(), absl::StrCat("request ", d.request_event_id()),
                              0, "decision without a known request at this ledger point = €0.00");
    AddSource(leaf, *decision);
    ctx.Flag(absl::StrCat("transition-cost decision ", decision->ref.event_id,
                          " refers to an unknown request ", d.request_event_id()));
    leaves.emplace(d.request_event_id(), std::move(leaf));
  }
  for (auto& [id, leaf] : leaves) *e.add_children() = std::move(leaf);
  if (e.children().empty()) e.set_formula("no transition costs in scope = €0.00");
  if (absl::StatusOr<int64_t> sum = SumChildren(e); !sum.ok()) return sum.status();
  return e;
}

}  // namespace booo::replay::steps
