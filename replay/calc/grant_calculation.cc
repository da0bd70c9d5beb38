#include "replay/calc/grant_calculation.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "ledger/core/civil_date.h"
#include "ledger/core/status_macros.h"
#include "replay/calc/calculation_steps.h"
#include "replay/calc/money.h"
#include "replay/calc/stop_when.h"

namespace booo::replay {
namespace {

using booo::v1::EventBody;
using steps::Context;

// Category a: the norm-based amount and, beside it, the exception clause's adjustment.
absl::StatusOr<TraceNode> CategoryA(const Context& ctx) {
  TraceNode a = MakeNode("a", "category a: municipal reception (GOO), incl. execution costs");
  absl::StatusOr<TraceNode> norm = steps::GooNorm(ctx);
  if (!norm.ok()) return norm.status();
  const int64_t norm_total = norm->amount_cents();
  *a.add_children() = *std::move(norm);
  absl::StatusOr<std::optional<TraceNode>> exception = steps::ExceptionClause(ctx, norm_total);
  if (!exception.ok()) return exception.status();
  if (exception->has_value()) *a.add_children() = **std::move(exception);
  if (absl::StatusOr<int64_t> sum = SumChildren(a); !sum.ok()) return sum.status();
  return a;
}

// The balance: the grant (determined, else computed), less advances, plus voluntary
// repayments. Advances and repayments are per spending year.
absl::StatusOr<TraceNode> Settlement(const Context& ctx, GrantComputation& out) {
  TraceNode root = MakeNode("settlement", "balance: grant − advances + voluntary repayments");
  TraceNode grant = MakeLeaf("grant", "grant", out.grant_cents, "");
  if (out.determination != nullptr) {
    const auto& d = out.determination->body->grant_determined();
    grant.set_formula(absl::StrCat("determined by decision ", d.decision_reference(), " on ",
                                   ledger::FormatDate(d.decision_date()), " = ",
                                   FormatEuros(d.amount_cents())));
    AddSource(grant, *out.determination);
    if (d.amount_cents() != out.computed_grant_cents) {
      grant.add_notes(absl::StrCat("the computed grant at this point is ",
                                   FormatEuros(out.computed_grant_cents)));
    }
  } else {
    grant.set_formula(
        absl::StrCat("computed, not yet determined = ", FormatEuros(out.grant_cents)));
  }
  *root.add_children() = std::move(grant);
  TraceNode advances = MakeNode("advances", "advances paid (voorschotten)");
  TraceNode repayments = MakeNode("repayments", "voluntary repayments received");
  for (const FactRecord* f : ctx.Facts(EventBody::kAdvancePaid)) {
    const auto& d = f->body->advance_paid();
    if (d.spending_year() != ctx.scope().year) continue;
    TraceNode leaf =
        MakeLeaf(f->ref.event_id, absl::StrCat("advance ", f->ref.event_id), -d.amount_cents(),
                 absl::StrCat("paid ", ledger::FormatDate(d.payment_date()), " = ",
                              FormatEuros(-d.amount_cents())));
    AddSource(leaf, *f);
    *advances.add_children() = std::move(leaf);
  }
  for (const FactRecord* f : ctx.Facts(EventBody::kVoluntaryRepaymentReceived)) {
    const auto& d = f->body->voluntary_repayment_received();
    if (d.spending_year() != ctx.scope().year) continue;
    TraceNode leaf =
        MakeLeaf(f->ref.event_id, absl::StrCat("repayment ", f->ref.event_id), d.amount_cents(),
                 absl::StrCat("received ", ledger::FormatDate(d.received_date()), " = ",
                              FormatEuros(d.amount_cents())));
    AddSource(leaf, *f);
    *repayments.add_children() = std::move(leaf);
  }
  ASSIGN_OR_RETURN(int64_t advances_sum, SumChildren(advances));
  ASSIGN_OR_RETURN(int64_t repayments_sum, SumChildren(repayments));
  out.advances_cents = -advances_sum;
  out.repayments_cents = repayments_sum;
  *root.add_children() = std::move(advances);
  *root.add_children() = std::move(repayments);
  ASSIGN_OR_RETURN(out.balance_cents, SumChildren(root));
  ASSIGN_OR_RETURN(out.net_paid_cents,
                   CheckedAdd(out.advances_cents, -out.repayments_cents, "net paid"));
  if (!ctx.scope().WholeYear()) {
    root.add_notes("advances and repayments are per spending year; the scope is part of one");
  }
  return root;
}

}  // namespace

bool Scope::WholeYear() const {
  return first_day == ledger::ToEpochDays(ledger::MakeDate(year, 1, 1)) &&
         last_day == ledger::ToEpochDays(ledger::MakeDate(year, 12, 31));
}

Scope Scope::Year(int32_t year) {
  return Scope{year, ledger::ToEpochDays(ledger::MakeDate(year, 1, 1)),
               ledger::ToEpochDays(ledger::MakeDate(year, 12, 31))};
}

namespace steps {

std::vector<const FactRecord*> Context::Facts(EventBody::PayloadCase kind) const {
  std::vector<const FactRecord*> out;
  for (const FactRecord* f : input.facts) {
    if (f->body->payload_case() == kind) out.push_back(f);
  }
  // "Latest" means latest in the world, not in the log: history migrated late keeps its place.
  std::stable_sort(out.begin(), out.end(), [](const FactRecord* a, const FactRecord* b) {
    if (a->ref.business_day != b->ref.business_day) {
      return a->ref.business_day < b->ref.business_day;
    }
    return a->ref.sequence < b->ref.sequence;
  });
  return out;
}

void Context::Flag(const std::string& flag) const {
  if (std::find(flags.begin(), flags.end(), flag) == flags.end()) flags.push_back(flag);
}

}  // namespace steps

absl::StatusOr<GrantComputation> ComputeGrant(const GrantInput& input) {
  const Scope whole = Scope::Year(input.scope.year);
  if (input.scope.first_day < whole.first_day || input.scope.last_day > whole.last_day ||
      input.scope.first_day > input.scope.last_day) {
    return absl::InvalidArgumentError(
        absl::StrCat("scope: ", steps::RangeText(input.scope.first_day, input.scope.last_day),
                     " is not a range inside spending year ", input.scope.year));
  }
  GrantComputation out;
  out.keep_alive = input.keep_alive;
  const Context ctx{input, out.flags};
  TraceNode& grant = out.trace = MakeNode(
      "grant",
      absl::StrCat("BooO grant ", input.municipality_code, " spending year ", input.scope.year,
                   " (", steps::RangeText(input.scope.first_day, input.scope.last_day), ")"));
  // Between the steps: a caller that stopped waiting does not get the rest computed.
  RETURN_IF_ERROR(CheckNotStopped());
  ASSIGN_OR_RETURN(*grant.add_children(), CategoryA(ctx));
  RETURN_IF_ERROR(CheckNotStopped());
  ASSIGN_OR_RETURN(*grant.add_children(), steps::GooLivingAllowance(ctx));
  RETURN_IF_ERROR(CheckNotStopped());
  ASSIGN_OR_RETURN(*grant.add_children(), steps::PooActualCosts(ctx));
  RETURN_IF_ERROR(CheckNotStopped());
  ASSIGN_OR_RETURN(*grant.add_children(), steps::PooNorm(ctx));
  RETURN_IF_ERROR(CheckNotStopped());
  ASSIGN_OR_RETURN(*grant.add_children(), steps::TransitionCosts(ctx));
  RETURN_IF_ERROR(CheckNotStopped());
  ASSIGN_OR_RETURN(std::vector<TraceNode> adjustments, steps::Adjustments(ctx));
  RETURN_IF_ERROR(CheckNotStopped());
  for (TraceNode& node : adjustments) *grant.add_children() = std::move(node);
  ASSIGN_OR_RETURN(int64_t total, SumChildren(grant));
  if (total < 0) {
    // Exclusions and reductions cannot take a grant below nothing.
    *grant.add_children() = MakeLeaf("floor", "a grant is never negative", -total,
                                     absl::StrCat("raise to €0.00: ", FormatEuros(-total)));
    ASSIGN_OR_RETURN(total, SumChildren(grant));
  }
  out.computed_grant_cents = total;

  for (const FactRecord* f : ctx.Facts(EventBody::kGrantDetermined)) {
    if (f->body->grant_determined().spending_year() == input.scope.year) out.determination = f;
  }
  out.grant_cents = out.determination != nullptr
                        ? out.determination->body->grant_determined().amount_cents()
                        : out.computed_grant_cents;
  RETURN_IF_ERROR(CheckNotStopped());
  ASSIGN_OR_RETURN(out.settlement, Settlement(ctx, out));
  RETURN_IF_ERROR(CheckNotStopped());
  ASSIGN_OR_RETURN(out.vat_fund, steps::VatFund(ctx));
  out.vat_fund_cents = out.vat_fund.amount_cents();

  for (TraceNode* tree : {&out.trace, &out.settlement, &out.vat_fund}) {
    // Every builder sums as it goes; this re-check guards the invariant the digest relies on.
    if (absl::Status s = CheckSums(*tree); !s.ok()) return s;
    ComputeDigests(*tree);
  }
  return out;
}

}  // namespace booo::replay
