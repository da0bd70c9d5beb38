#include "replay/calc/grant_payload_rules.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "ledger/core/civil_date.h"
#include "ledger/core/event_validation.h"
#include "ledger/core/field_checks.h"
#include "ledger/core/status_macros.h"
#include "replay/calc/grant_calculation.h"

namespace booo::replay {
namespace {

using booo::v1::EventBody;
using ledger::CheckAmount;
using ledger::CompareDates;
using ledger::CheckCount;
using ledger::CheckEnum;
using ledger::CheckRefEventId;
using ledger::CheckText;
using ledger::FieldPath;
using ledger::Invalid;
using ledger::ValidateCivilDate;
using ledger::ValidateDateRange;
using ledger::ValidateYearMonth;


// A citizen service number (BSN) is 9 digits (8 for some old ones), often written with dots,
// spaces or dashes. Anything that reads as one is refused, whatever else it might be.
bool LooksLikeBsn(absl::string_view value) {
  int digits = 0;
  for (char c : value) {
    if (absl::ascii_isdigit(c)) {
      ++digits;
    } else if (c != '.' && c != ' ' && c != '-') {
      return false;
    }
  }
  return digits == 8 || digits == 9;
}

bool IsPseudonym(absl::string_view value) {
  if (value.size() != 64) return false;
  for (char c : value) {
    if (!absl::ascii_isdigit(c) && !(c >= 'a' && c <= 'f')) return false;
  }
  return true;
}

absl::Status CheckPersonRefs(const booo::v1::PooPersonMonthsDeclared& d) {
  const std::string p = "poo_person_months_declared.person_refs";
  if (d.person_refs().empty()) return absl::OkStatus();
  for (int i = 0; i < d.person_refs_size(); ++i) {
    const std::string field = absl::StrCat(p, "[", i, "]");
    // The message never repeats the value: a refused BSN must not reach a log either.
    if (LooksLikeBsn(d.person_refs(i))) {
      return Invalid(field,
                     "looks like a citizen service number (BSN); a BSN is never accepted, send "
                     "the keyed pseudonym (64 lowercase hex characters) instead");
    }
    if (!IsPseudonym(d.person_refs(i))) {
      return Invalid(field, "must be a keyed pseudonym: 64 lowercase hex characters");
    }
  }
  if (d.person_refs_size() != d.persons_with_provision()) {
    return Invalid(p, absl::StrCat(d.person_refs_size(), " references for ",
                                   d.persons_with_provision(), " persons with a provision"));
  }
  std::vector<std::string> sorted(d.person_refs().begin(), d.person_refs().end());
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
    return Invalid(p, "a person is referenced twice in one month");
  }
  return absl::OkStatus();
}

absl::Status ValidateRuleAmended(const booo::v1::RuleAmended& r) {
  if (r.values().empty()) return Invalid("rule_amended.values", "must hold at least one value");
  if (r.values_size() > 1000) return Invalid("rule_amended.values", "more than 1000 values");
  for (int i = 0; i < r.values_size(); ++i) {
    const auto& v = r.values(i);
    const std::string p = absl::StrCat("rule_amended.values[", i, "]");
    if (v.parameter().empty() || v.parameter().size() > 128) {
      return Invalid(FieldPath(p, "parameter"), "must be 1..128 characters");
    }
    for (char c : v.parameter()) {
      if (!(absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '_')) {
        return Invalid(FieldPath(p, "parameter"), "may hold only a-z, 0-9 and _");
      }
    }
    RETURN_IF_ERROR(ValidateCivilDate(v.valid_from(), FieldPath(p, "valid_from")));
    if (v.has_valid_to()) {
      RETURN_IF_ERROR(ValidateCivilDate(v.valid_to(), FieldPath(p, "valid_to")));
      if (CompareDates(v.valid_from(), v.valid_to()) > 0) {
        return Invalid(FieldPath(p, "valid_to"), "is before valid_from");
      }
    }
    switch (v.value_case()) {
      case booo::v1::ParameterValue::kAmountCents:
        RETURN_IF_ERROR(CheckAmount(v.amount_cents(), FieldPath(p, "amount_cents")));
        break;
      case booo::v1::ParameterValue::kCount:
        RETURN_IF_ERROR(CheckCount(v.count(), FieldPath(p, "count")));
        break;
      case booo::v1::ParameterValue::kDate:
        RETURN_IF_ERROR(ValidateCivilDate(v.date(), FieldPath(p, "date")));
        break;
      case booo::v1::ParameterValue::kFlag:
        break;
      case booo::v1::ParameterValue::VALUE_NOT_SET:
        return Invalid(FieldPath(p, "value"), "is required");
    }
    RETURN_IF_ERROR(CheckText(v.source(), FieldPath(p, "source"), false));
  }
  RETURN_IF_ERROR(CheckText(r.citation().reference(), "rule_amended.citation.reference", true));
  RETURN_IF_ERROR(CheckText(r.citation().url(), "rule_amended.citation.url", false));
  RETURN_IF_ERROR(ValidateCivilDate(r.publication_date(), "rule_amended.publication_date"));
  return CheckText(r.summary(), "rule_amended.summary", false);
}

absl::Status ValidateGooPlacesDeclared(const EventBody& body) {
  const auto& d = body.goo_places_declared();
  RETURN_IF_ERROR(CheckText(d.location_id(), "goo_places_declared.location_id", true));
  RETURN_IF_ERROR(CheckEnum(d.accommodation_type(), "goo_places_declared.accommodation_type",
                            booo::v1::AccommodationType_IsValid));
  RETURN_IF_ERROR(ValidateDateRange(d.period(), "goo_places_declared.period"));
  RETURN_IF_ERROR(ValidateCivilDate(d.received_date(), "goo_places_declared.received_date"));
  return CheckCount(d.places(), "goo_places_declared.places");
}

absl::Status ValidatePooPersonMonthsDeclared(const EventBody& body) {
  const auto& d = body.poo_person_months_declared();
  RETURN_IF_ERROR(ValidateYearMonth(d.month(), "poo_person_months_declared.month"));
  RETURN_IF_ERROR(
      CheckCount(d.registered_persons(), "poo_person_months_declared.registered_persons"));
  RETURN_IF_ERROR(CheckCount(d.persons_with_provision(),
                             "poo_person_months_declared.persons_with_provision"));
  if (d.persons_with_provision() > d.registered_persons()) {
    return Invalid("poo_person_months_declared.persons_with_provision",
                   "exceeds registered_persons");
  }
  RETURN_IF_ERROR(
      ValidateCivilDate(d.received_date(), "poo_person_months_declared.received_date"));
  return CheckPersonRefs(d);
}

absl::Status ValidateLivingAllowancePaid(const EventBody& body) {
  const auto& d = body.living_allowance_paid();
  RETURN_IF_ERROR(CheckEnum(d.reception_kind(), "living_allowance_paid.reception_kind",
                            booo::v1::ReceptionKind_IsValid));
  RETURN_IF_ERROR(CheckEnum(d.component(), "living_allowance_paid.component",
                            booo::v1::AllowanceComponent_IsValid));
  if (d.component() == booo::v1::ALLOWANCE_COMPONENT_HOUSING_COMPONENT &&
      d.reception_kind() != booo::v1::RECEPTION_KIND_POO) {
    return Invalid("living_allowance_paid.component",
                   "the housing component exists only in private reception (POO)");
  }
  RETURN_IF_ERROR(ValidateDateRange(d.period(), "living_allowance_paid.period"));
  // An actual-cost amount belongs to one spending year; a payment that spans two is
  // declared as two.
  if (d.period().first_day().year() != d.period().last_day().year()) {
    return Invalid("living_allowance_paid.period",
                   "must lie within one calendar year (one spending year)");
  }
  RETURN_IF_ERROR(ValidateCivilDate(d.received_date(), "living_allowance_paid.received_date"));
  return CheckAmount(d.amount_cents(), "living_allowance_paid.amount_cents");
}

absl::Status ValidateTransitionCostRequested(const EventBody& body) {
  const auto& d = body.transition_cost_requested();
  RETURN_IF_ERROR(CheckText(d.location_id(), "transition_cost_requested.location_id", true));
  RETURN_IF_ERROR(CheckText(d.description(), "transition_cost_requested.description", true));
  RETURN_IF_ERROR(CheckAmount(d.amount_cents(), "transition_cost_requested.amount_cents"));
  RETURN_IF_ERROR(ValidateDateRange(d.period(), "transition_cost_requested.period"));
  RETURN_IF_ERROR(
      ValidateCivilDate(d.received_date(), "transition_cost_requested.received_date"));
  return CheckEnum(d.allocation_method(), "transition_cost_requested.allocation_method",
                   booo::v1::AllocationMethod_IsValid);
}

absl::Status ValidateExceptionClaimFiled(const EventBody& body) {
  const auto& d = body.exception_claim_filed();
  RETURN_IF_ERROR(CheckSpendingYear(d.spending_year(), "exception_claim_filed.spending_year"));
  RETURN_IF_ERROR(
      CheckAmount(d.actual_total_cents(), "exception_claim_filed.actual_total_cents"));
  RETURN_IF_ERROR(ValidateCivilDate(d.received_date(), "exception_claim_filed.received_date"));
  return CheckText(d.justification(), "exception_claim_filed.justification", false);
}

absl::Status ValidateVoluntaryRepaymentReceived(const EventBody& body) {
  const auto& d = body.voluntary_repayment_received();
  RETURN_IF_ERROR(CheckSpendingYear(d.spending_year(), "voluntary_repayment_received.spending_year"));
  RETURN_IF_ERROR(CheckAmount(d.amount_cents(), "voluntary_repayment_received.amount_cents"));
  if (d.amount_cents() == 0) {
    return Invalid("voluntary_repayment_received.amount_cents", "must be positive");
  }
  return ValidateCivilDate(d.received_date(), "voluntary_repayment_received.received_date");
}

absl::Status ValidateAccountabilityReportFiled(const EventBody& body) {
  const auto& d = body.accountability_report_filed();
  const std::string p = "accountability_report_filed";
  RETURN_IF_ERROR(CheckSpendingYear(d.spending_year(), FieldPath(p, "spending_year")));
  RETURN_IF_ERROR(ValidateCivilDate(d.received_date(), FieldPath(p, "received_date")));
  RETURN_IF_ERROR(CheckAmount(d.voluntary_waiver_cents(), FieldPath(p, "voluntary_waiver_cents")));
  if (d.findings_size() > 1000) return Invalid(FieldPath(p, "findings"), "more than 1000 findings");
  for (int i = 0; i < d.findings_size(); ++i) {
    const auto& f = d.findings(i);
    const std::string fp = absl::StrCat(p, ".findings[", i, "]");
    RETURN_IF_ERROR(CheckText(f.finding_id(), FieldPath(fp, "finding_id"), true));
    for (int j = 0; j < i; ++j) {
      if (d.findings(j).finding_id() == f.finding_id()) {
        return Invalid(FieldPath(fp, "finding_id"), "is not unique in the report");
      }
    }
    RETURN_IF_ERROR(CheckEnum(f.category(), FieldPath(fp, "category"), booo::v1::CostCategory_IsValid));
    RETURN_IF_ERROR(CheckEnum(f.kind(), FieldPath(fp, "kind"), booo::v1::FindingKind_IsValid));
    RETURN_IF_ERROR(CheckAmount(f.amount_cents(), FieldPath(fp, "amount_cents")));
    RETURN_IF_ERROR(CheckText(f.description(), FieldPath(fp, "description"), false));
  }
  return absl::OkStatus();
}

absl::Status ValidateLocationRegistered(const EventBody& body) {
  const auto& d = body.location_registered();
  const std::string p = "location_registered";
  RETURN_IF_ERROR(CheckText(d.location_id(), FieldPath(p, "location_id"), true));
  RETURN_IF_ERROR(CheckEnum(d.accommodation_type(), FieldPath(p, "accommodation_type"),
                            booo::v1::AccommodationType_IsValid));
  RETURN_IF_ERROR(CheckCount(d.capacity(), FieldPath(p, "capacity")));
  RETURN_IF_ERROR(ValidateDateRange(d.valid(), FieldPath(p, "valid")));
  return ValidateCivilDate(d.received_date(), FieldPath(p, "received_date"));
}

absl::Status ValidateTransitionCostsDeclared(const EventBody& body) {
  const auto& d = body.transition_costs_declared();
  const std::string p = "transition_costs_declared";
  RETURN_IF_ERROR(CheckSpendingYear(d.spending_year(), FieldPath(p, "spending_year")));
  if (!d.request_event_id().empty()) {
    RETURN_IF_ERROR(CheckRefEventId(d.request_event_id(), FieldPath(p, "request_event_id")));
  }
  RETURN_IF_ERROR(CheckText(d.location_id(), FieldPath(p, "location_id"), true));
  RETURN_IF_ERROR(CheckAmount(d.amount_cents(), FieldPath(p, "amount_cents")));
  return ValidateCivilDate(d.received_date(), FieldPath(p, "received_date"));
}

absl::Status ValidateAdvanceRequested(const EventBody& body) {
  const auto& d = body.advance_requested();
  const std::string p = "advance_requested";
  RETURN_IF_ERROR(CheckSpendingYear(d.spending_year(), FieldPath(p, "spending_year")));
  RETURN_IF_ERROR(CheckAmount(d.amount_cents(), FieldPath(p, "amount_cents")));
  if (d.amount_cents() == 0) return Invalid(FieldPath(p, "amount_cents"), "must be positive");
  return ValidateCivilDate(d.received_date(), FieldPath(p, "received_date"));
}

absl::Status ValidateBudgetLine(const booo::v1::BudgetLineSet& d) {
  const std::string p = "budget_line_set";
  RETURN_IF_ERROR(CheckSpendingYear(d.budget_year(), FieldPath(p, "budget_year")));
  RETURN_IF_ERROR(CheckText(d.line(), FieldPath(p, "line"), true));
  RETURN_IF_ERROR(CheckAmount(d.amount_cents(), FieldPath(p, "amount_cents")));
  RETURN_IF_ERROR(ValidateCivilDate(d.publication_date(), FieldPath(p, "publication_date")));
  RETURN_IF_ERROR(CheckText(d.citation().reference(), FieldPath(p, "citation.reference"), true));
  RETURN_IF_ERROR(CheckText(d.citation().url(), FieldPath(p, "citation.url"), false));
  return CheckText(d.source(), FieldPath(p, "source"), false);
}

absl::Status CheckDecision(int outcome, int64_t amount, absl::string_view prefix,
                           absl::string_view amount_field) {
  RETURN_IF_ERROR(CheckEnum(outcome, FieldPath(prefix, "outcome"), booo::v1::DecisionOutcome_IsValid));
  RETURN_IF_ERROR(CheckAmount(amount, FieldPath(prefix, amount_field)));
  if (outcome == booo::v1::DECISION_OUTCOME_REJECTED && amount != 0) {
    return Invalid(FieldPath(prefix, amount_field), "must be 0 when the outcome is REJECTED");
  }
  return absl::OkStatus();
}

absl::Status ValidateTransitionCostDecided(const EventBody& body) {
  const auto& d = body.transition_cost_decided();
  const std::string p = "transition_cost_decided";
  RETURN_IF_ERROR(CheckRefEventId(d.request_event_id(), FieldPath(p, "request_event_id")));
  RETURN_IF_ERROR(
      CheckDecision(d.outcome(), d.approved_amount_cents(), p, "approved_amount_cents"));
  if (d.outcome() != booo::v1::DECISION_OUTCOME_REJECTED) {
    RETURN_IF_ERROR(ValidateDateRange(d.period(), FieldPath(p, "period")));
    RETURN_IF_ERROR(CheckEnum(d.allocation_method(), FieldPath(p, "allocation_method"),
                              booo::v1::AllocationMethod_IsValid));
  }
  RETURN_IF_ERROR(ValidateCivilDate(d.decision_date(), FieldPath(p, "decision_date")));
  return CheckText(d.decision_reference(), FieldPath(p, "decision_reference"), true);
}

absl::Status ValidateExceptionClaimDecided(const EventBody& body) {
  const auto& d = body.exception_claim_decided();
  const std::string p = "exception_claim_decided";
  RETURN_IF_ERROR(CheckRefEventId(d.claim_event_id(), FieldPath(p, "claim_event_id")));
  RETURN_IF_ERROR(
      CheckDecision(d.outcome(), d.accepted_total_cents(), p, "accepted_total_cents"));
  RETURN_IF_ERROR(ValidateCivilDate(d.decision_date(), FieldPath(p, "decision_date")));
  return CheckText(d.decision_reference(), FieldPath(p, "decision_reference"), true);
}

absl::Status ValidateAdvancePaid(const EventBody& body) {
  const auto& d = body.advance_paid();
  RETURN_IF_ERROR(CheckSpendingYear(d.spending_year(), "advance_paid.spending_year"));
  RETURN_IF_ERROR(CheckAmount(d.amount_cents(), "advance_paid.amount_cents"));
  if (d.amount_cents() == 0) return Invalid("advance_paid.amount_cents", "must be positive");
  RETURN_IF_ERROR(ValidateCivilDate(d.payment_date(), "advance_paid.payment_date"));
  return CheckText(d.payment_reference(), "advance_paid.payment_reference", false);
}

absl::Status ValidateHardshipDecided(const EventBody& body) {
  const auto& d = body.hardship_decided();
  RETURN_IF_ERROR(CheckRefEventId(d.report_event_id(), "hardship_decided.report_event_id"));
  RETURN_IF_ERROR(CheckText(d.finding_id(), "hardship_decided.finding_id", true));
  RETURN_IF_ERROR(CheckAmount(d.readmitted_cents(), "hardship_decided.readmitted_cents"));
  RETURN_IF_ERROR(ValidateCivilDate(d.decision_date(), "hardship_decided.decision_date"));
  return CheckText(d.decision_reference(), "hardship_decided.decision_reference", true);
}

absl::Status ValidateLateAccountabilityDecided(const EventBody& body) {
  const auto& d = body.late_accountability_decided();
  const std::string p = "late_accountability_decided";
  RETURN_IF_ERROR(CheckSpendingYear(d.spending_year(), FieldPath(p, "spending_year")));
  RETURN_IF_ERROR(CheckAmount(d.reduction_cents(), FieldPath(p, "reduction_cents")));
  RETURN_IF_ERROR(ValidateCivilDate(d.decision_date(), FieldPath(p, "decision_date")));
  return CheckText(d.decision_reference(), FieldPath(p, "decision_reference"), true);
}

absl::Status ValidateGrantDetermined(const EventBody& body) {
  const auto& d = body.grant_determined();
  RETURN_IF_ERROR(CheckSpendingYear(d.spending_year(), "grant_determined.spending_year"));
  RETURN_IF_ERROR(CheckAmount(d.amount_cents(), "grant_determined.amount_cents"));
  if (d.trace_digest().size() != 32) {
    return Invalid("grant_determined.trace_digest", "must be a 32-byte SHA-256 digest");
  }
  RETURN_IF_ERROR(ValidateCivilDate(d.decision_date(), "grant_determined.decision_date"));
  if (d.trace_summary_size() > 1000) {
    return Invalid("grant_determined.trace_summary", "more than 1000 nodes");
  }
  for (int i = 0; i < d.trace_summary_size(); ++i) {
    const auto& n = d.trace_summary(i);
    const std::string np = absl::StrCat("grant_determined.trace_summary[", i, "]");
    RETURN_IF_ERROR(CheckText(n.path(), FieldPath(np, "path"), true));
    if (n.digest().size() != 32) return Invalid(FieldPath(np, "digest"), "must be 32 bytes");
  }
  return CheckText(d.decision_reference(), "grant_determined.decision_reference", true);
}

}  // namespace

absl::Status CheckSpendingYear(int32_t year, absl::string_view field) {
  if (year < kFirstSpendingYear || year > ledger::kMaxYear) {
    return Invalid(field, absl::StrCat(year, " is not a spending year of the scheme (",
                                       kFirstSpendingYear, "..)"));
  }
  return absl::OkStatus();
}

absl::Status GrantPayloadRules::Check(const EventBody& body) const {
  // One case per payload and no default: a payload added to the contract does not compile here
  // (-Wswitch-enum) until its fields have their checks. Key events are the ledger's own.
  switch (body.payload_case()) {
    case EventBody::kRuleAmended:
      return ValidateRuleAmended(body.rule_amended());
    case EventBody::kBudgetLineSet:
      return ValidateBudgetLine(body.budget_line_set());
    case EventBody::kGooPlacesDeclared:
      return ValidateGooPlacesDeclared(body);
    case EventBody::kPooPersonMonthsDeclared:
      return ValidatePooPersonMonthsDeclared(body);
    case EventBody::kLivingAllowancePaid:
      return ValidateLivingAllowancePaid(body);
    case EventBody::kTransitionCostRequested:
      return ValidateTransitionCostRequested(body);
    case EventBody::kExceptionClaimFiled:
      return ValidateExceptionClaimFiled(body);
    case EventBody::kVoluntaryRepaymentReceived:
      return ValidateVoluntaryRepaymentReceived(body);
    case EventBody::kAccountabilityReportFiled:
      return ValidateAccountabilityReportFiled(body);
    case EventBody::kLocationRegistered:
      return ValidateLocationRegistered(body);
    case EventBody::kTransitionCostsDeclared:
      return ValidateTransitionCostsDeclared(body);
    case EventBody::kAdvanceRequested:
      return ValidateAdvanceRequested(body);
    case EventBody::kTransitionCostDecided:
      return ValidateTransitionCostDecided(body);
    case EventBody::kExceptionClaimDecided:
      return ValidateExceptionClaimDecided(body);
    case EventBody::kAdvancePaid:
      return ValidateAdvancePaid(body);
    case EventBody::kHardshipDecided:
      return ValidateHardshipDecided(body);
    case EventBody::kLateAccountabilityDecided:
      return ValidateLateAccountabilityDecided(body);
    case EventBody::kGrantDetermined:
      return ValidateGrantDetermined(body);
    case EventBody::kGenesis:
    case EventBody::kKeyRegistered:
    case EventBody::kKeyRevoked:
    case EventBody::kCheckpointKeyRotated:
      return absl::InternalError(absl::StrCat("payload: ", ledger::PayloadName(body),
                                              " is a key event; the ledger checks it"));
    case EventBody::PAYLOAD_NOT_SET:
      return Invalid("payload", "is required (one event payload must be set)");
  }
  return Invalid("payload", "is not a payload of the grant");
}

}  // namespace booo::replay
