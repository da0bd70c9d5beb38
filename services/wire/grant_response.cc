#include "services/wire/grant_response.h"

#include "absl/strings/str_cat.h"
#include "ledger/core/civil_date.h"
#include "ledger/core/event_validation.h"
#include "ledger/core/status_macros.h"
#include "replay/calc/grant_payload_rules.h"
#include "replay/calc/money.h"
#include "replay/calc/trace.h"

namespace booo::wire {

using replay::FactRecord;
using replay::GrantComputation;
using replay::Scope;
using replay::TraceNode;
using replay::CheckedAdd;
using replay::FindNode;

absl::Status CheckCode(const std::string& code, bool required) {
  if (code.empty() && !required) return absl::OkStatus();
  if (!ledger::IsMunicipalityCode(code)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "municipality_code: \"", code, "\" is not a municipality code (GM + 4 digits)"));
  }
  return absl::OkStatus();
}

absl::Status CheckYear(int32_t year, bool required, absl::string_view field) {
  if (year == 0 && !required) return absl::OkStatus();
  return replay::CheckSpendingYear(year, field);
}

booo::v1::BalanceDirection DirectionOf(int64_t balance_cents) {
  if (balance_cents > 0) return booo::v1::BALANCE_DIRECTION_TO_PAY;
  if (balance_cents < 0) return booo::v1::BALANCE_DIRECTION_TO_RECLAIM;
  return booo::v1::BALANCE_DIRECTION_SETTLED;
}

booo::v1::Determination ToDetermination(const FactRecord& determination) {
  const auto& d = determination.body->grant_determined();
  booo::v1::Determination out;
  out.set_sequence(determination.ref.sequence);
  out.set_event_id(determination.ref.event_id);
  out.set_amount_cents(d.amount_cents());
  out.set_trace_digest(d.trace_digest());
  *out.mutable_decision_date() = d.decision_date();
  out.set_decision_reference(d.decision_reference());
  return out;
}

booo::v1::GetGrantResponse ToGetGrantResponse(const std::string& code, const Scope& scope,
                                              GrantComputation c) {
  booo::v1::GetGrantResponse r;
  r.set_municipality_code(code);
  r.set_spending_year(scope.year);
  *r.mutable_scope()->mutable_first_day() = ledger::FromEpochDays(scope.first_day);
  *r.mutable_scope()->mutable_last_day() = ledger::FromEpochDays(scope.last_day);
  r.set_computed_grant_cents(c.computed_grant_cents);
  if (c.determination != nullptr) *r.mutable_determination() = ToDetermination(*c.determination);
  r.set_grant_cents(c.grant_cents);
  r.set_advances_cents(c.advances_cents);
  r.set_repayments_cents(c.repayments_cents);
  r.set_net_paid_cents(c.net_paid_cents);
  r.set_balance_cents(c.balance_cents);
  r.set_direction(DirectionOf(c.balance_cents));
  r.set_vat_fund_contribution_cents(c.vat_fund_cents);
  r.set_trace_digest(c.trace.digest());
  *r.mutable_trace() = std::move(c.trace);
  *r.mutable_settlement() = std::move(c.settlement);
  *r.mutable_vat_fund() = std::move(c.vat_fund);
  for (std::string& flag : c.flags) r.add_flags(std::move(flag));
  return r;
}

booo::v1::BalanceRow ToBalanceRow(const std::string& code, int32_t year,
                                  const GrantComputation& c) {
  booo::v1::BalanceRow row;
  row.set_municipality_code(code);
  row.set_spending_year(year);
  row.set_computed_grant_cents(c.computed_grant_cents);
  row.set_determined(c.determination != nullptr);
  if (c.determination != nullptr) {
    row.set_determined_grant_cents(c.determination->body->grant_determined().amount_cents());
    row.set_determination_sequence(c.determination->ref.sequence);
  }
  row.set_advances_cents(c.advances_cents);
  row.set_repayments_cents(c.repayments_cents);
  row.set_balance_cents(c.balance_cents);
  row.set_direction(DirectionOf(c.balance_cents));
  row.set_vat_fund_contribution_cents(c.vat_fund_cents);
  row.set_flags(static_cast<int32_t>(c.flags.size()));
  return row;
}

booo::v1::BalanceRow ToBalanceRow(const booo::v1::GetGrantResponse& g) {
  booo::v1::BalanceRow row;
  row.set_municipality_code(g.municipality_code());
  row.set_spending_year(g.spending_year());
  row.set_computed_grant_cents(g.computed_grant_cents());
  row.set_determined(g.has_determination());
  if (g.has_determination()) {
    row.set_determined_grant_cents(g.determination().amount_cents());
    row.set_determination_sequence(g.determination().sequence());
  }
  row.set_advances_cents(g.advances_cents());
  row.set_repayments_cents(g.repayments_cents());
  row.set_balance_cents(g.balance_cents());
  row.set_direction(g.direction());
  row.set_vat_fund_contribution_cents(g.vat_fund_contribution_cents());
  row.set_flags(g.flags_size());
  return row;
}

namespace {

// Copies `from` into `to` with `levels` levels of its children (0: none; the cut-off node says
// how many it had).
void CopyLevels(const booo::v1::TraceNode& from, uint32_t levels, booo::v1::TraceNode& to) {
  to.set_key(from.key());
  to.set_label(from.label());
  to.set_amount_cents(from.amount_cents());
  to.set_formula(from.formula());
  *to.mutable_rules() = from.rules();
  *to.mutable_sources() = from.sources();
  *to.mutable_notes() = from.notes();
  to.set_digest(from.digest());
  if (levels == 0) {
    to.set_omitted_children(static_cast<uint32_t>(from.children_size()));
    return;
  }
  for (const booo::v1::TraceNode& child : from.children()) {
    CopyLevels(child, levels - 1, *to.add_children());
  }
}

// GetGrantRequest.trace_depth: 0 keeps every level.
void CopyToDepth(const booo::v1::TraceNode& from, uint32_t depth, booo::v1::TraceNode& to) {
  if (depth == 0) {
    to = from;
  } else {
    CopyLevels(from, depth, to);
  }
}

}  // namespace

GrantTraces TakeTraces(booo::v1::GetGrantResponse& answer) {
  GrantTraces traces;
  traces.trace.Swap(answer.mutable_trace());
  traces.settlement.Swap(answer.mutable_settlement());
  traces.vat_fund.Swap(answer.mutable_vat_fund());
  answer.clear_trace();
  answer.clear_settlement();
  answer.clear_vat_fund();
  return traces;
}

absl::Status SelectTraces(const GrantTraces& traces, const booo::v1::GetGrantRequest& request,
                          booo::v1::GetGrantResponse& answer) {
  const uint32_t depth = request.trace_depth();
  if (!request.trace_path().empty()) {
    const booo::v1::TraceNode* node = FindNode(traces.trace, request.trace_path());
    if (node == nullptr) {
      return absl::NotFoundError(
          absl::StrCat("trace_path: the grant's trace has no node ", request.trace_path()));
    }
    CopyToDepth(*node, depth, *answer.mutable_trace());
    return absl::OkStatus();
  }
  CopyToDepth(traces.trace, depth, *answer.mutable_trace());
  CopyToDepth(traces.settlement, depth, *answer.mutable_settlement());
  CopyToDepth(traces.vat_fund, depth, *answer.mutable_vat_fund());
  return absl::OkStatus();
}

absl::Status BalanceTotalsBuilder::Add(const booo::v1::BalanceRow& row) {
  auto add = [](int64_t total, int64_t v) { return CheckedAdd(total, v, "totals"); };
  const int64_t grant =
      row.determined() ? row.determined_grant_cents() : row.computed_grant_cents();
  ASSIGN_OR_RETURN(int64_t computed,
                   add(totals_.computed_grant_cents(), row.computed_grant_cents()));
  ASSIGN_OR_RETURN(int64_t grants, add(totals_.grant_cents(), grant));
  ASSIGN_OR_RETURN(int64_t advances, add(totals_.advances_cents(), row.advances_cents()));
  ASSIGN_OR_RETURN(int64_t repayments, add(totals_.repayments_cents(), row.repayments_cents()));
  ASSIGN_OR_RETURN(int64_t vat,
                   add(totals_.vat_fund_contribution_cents(), row.vat_fund_contribution_cents()));
  int64_t to_pay = totals_.to_pay_cents();
  int64_t to_reclaim = totals_.to_reclaim_cents();
  if (row.balance_cents() > 0) {
    ASSIGN_OR_RETURN(to_pay, add(to_pay, row.balance_cents()));
  } else {
    ASSIGN_OR_RETURN(to_reclaim, add(to_reclaim, -row.balance_cents()));
  }
  totals_.set_computed_grant_cents(computed);
  totals_.set_grant_cents(grants);
  totals_.set_advances_cents(advances);
  totals_.set_repayments_cents(repayments);
  totals_.set_vat_fund_contribution_cents(vat);
  totals_.set_to_pay_cents(to_pay);
  totals_.set_to_reclaim_cents(to_reclaim);
  municipalities_.insert(row.municipality_code());
  totals_.set_municipalities(static_cast<int32_t>(municipalities_.size()));
  if (row.determined()) totals_.set_determined(totals_.determined() + 1);
  return absl::OkStatus();
}

}  // namespace booo::wire
