#include "ledger/core/event_validation.h"

#include <algorithm>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "ledger/core/civil_date.h"
#include "ledger/core/payload_table.h"
#include "ledger/core/status_macros.h"
#include "ledger/core/strict_wire.h"

namespace booo::ledger {
namespace {

using booo::v1::EventBody;

absl::Status Invalid(absl::string_view field, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", why));
}

std::string F(absl::string_view prefix, absl::string_view field) {
  return absl::StrCat(prefix, ".", field);
}

absl::Status CheckMunicipality(absl::string_view code, absl::string_view field) {
  if (code.empty()) return Invalid(field, "is required");
  if (!IsMunicipalityCode(code)) {
    return Invalid(field,
                   absl::StrCat("\"", code, "\" is not a municipality code (GM + 4 digits)"));
  }
  return absl::OkStatus();
}

absl::Status CheckAmount(int64_t cents, absl::string_view field) {
  if (cents < 0) return Invalid(field, absl::StrCat(cents, " must not be negative"));
  if (cents > kMaxAmountCents) {
    return absl::OutOfRangeError(
        absl::StrCat(field, ": ", cents, " cents exceeds the limit of ", kMaxAmountCents));
  }
  return absl::OkStatus();
}

absl::Status CheckCount(int64_t count, absl::string_view field) {
  if (count < 0) return Invalid(field, absl::StrCat(count, " must not be negative"));
  if (count > kMaxCount) {
    return absl::OutOfRangeError(
        absl::StrCat(field, ": ", count, " exceeds the limit of ", kMaxCount));
  }
  return absl::OkStatus();
}

absl::Status CheckText(absl::string_view text, absl::string_view field, bool required) {
  if (required && text.empty()) return Invalid(field, "is required");
  if (text.size() > kMaxTextBytes) return Invalid(field, "is longer than 4096 bytes");
  return absl::OkStatus();
}

absl::Status CheckYear(int32_t year, absl::string_view field) {
  if (year < 2022 || year > kMaxYear) {
    return Invalid(field, absl::StrCat(year, " is not a spending year of the scheme (2022..)"));
  }
  return absl::OkStatus();
}

template <typename IsValidFn>
absl::Status CheckEnum(int value, absl::string_view field, IsValidFn is_valid) {
  if (value == 0) return Invalid(field, "is required");
  if (!is_valid(value)) return Invalid(field, absl::StrCat("unknown value ", value));
  return absl::OkStatus();
}

absl::Status CheckRefEventId(absl::string_view id, absl::string_view field) {
  if (!IsValidEventId(id)) return Invalid(field, "must be an event id");
  return absl::OkStatus();
}

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

absl::Status CheckNoteKeyName(const std::string& name, const std::string& field) {
  if (name.empty() || name.size() > 256 || name.find_first_of(" +\n\t") != std::string::npos) {
    return Invalid(field, "must be 1..256 characters without space or +");
  }
  return absl::OkStatus();
}

absl::Status ValidateGenesis(const booo::v1::LedgerGenesis& g) {
  if (g.origin().empty() || g.origin().size() > 256) {
    return Invalid("genesis.origin", "must be 1..256 characters");
  }
  for (char c : g.origin()) {
    if (c <= ' ' || c == 0x7f) return Invalid("genesis.origin", "must not contain spaces");
  }
  if (g.ministry_root_public_key().size() != 32) {
    return Invalid("genesis.ministry_root_public_key", "must be 32 bytes");
  }
  if (g.checkpoint_public_key().size() != 32) {
    return Invalid("genesis.checkpoint_public_key", "must be 32 bytes");
  }
  return CheckNoteKeyName(g.checkpoint_key_name(), "genesis.checkpoint_key_name");
}

absl::Status ValidateCheckpointKeyRotated(const booo::v1::CheckpointKeyRotated& r) {
  if (r.checkpoint_public_key().size() != 32) {
    return Invalid("checkpoint_key_rotated.checkpoint_public_key", "must be 32 bytes");
  }
  RETURN_IF_ERROR(
      CheckNoteKeyName(r.checkpoint_key_name(), "checkpoint_key_rotated.checkpoint_key_name"));
  return CheckText(r.reason(), "checkpoint_key_rotated.reason", false);
}

absl::Status ValidateKeyRegistered(const booo::v1::KeyRegistered& k) {
  if (k.public_key().size() != 32) return Invalid("key_registered.public_key", "must be 32 bytes");
  if (k.key_id().empty()) return Invalid("key_registered.key_id", "is required");
  RETURN_IF_ERROR(CheckEnum(k.role(), "key_registered.role", booo::v1::Role_IsValid));
  if (k.role() == booo::v1::ROLE_MUNICIPALITY) {
    RETURN_IF_ERROR(CheckMunicipality(k.municipality_code(), "key_registered.municipality_code"));
  } else if (!k.municipality_code().empty()) {
    return Invalid("key_registered.municipality_code", "is only for municipality keys");
  }
  return CheckText(k.label(), "key_registered.label", false);
}

absl::Status ValidateRuleAmended(const booo::v1::RuleAmended& r) {
  if (r.values().empty()) return Invalid("rule_amended.values", "must hold at least one value");
  if (r.values_size() > 1000) return Invalid("rule_amended.values", "more than 1000 values");
  for (int i = 0; i < r.values_size(); ++i) {
    const auto& v = r.values(i);
    const std::string p = absl::StrCat("rule_amended.values[", i, "]");
    if (v.parameter().empty() || v.parameter().size() > 128) {
      return Invalid(F(p, "parameter"), "must be 1..128 characters");
    }
    for (char c : v.parameter()) {
      if (!(absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '_')) {
        return Invalid(F(p, "parameter"), "may hold only a-z, 0-9 and _");
      }
    }
    RETURN_IF_ERROR(ValidateCivilDate(v.valid_from(), F(p, "valid_from")));
    if (v.has_valid_to()) {
      RETURN_IF_ERROR(ValidateCivilDate(v.valid_to(), F(p, "valid_to")));
      if (CompareDates(v.valid_from(), v.valid_to()) > 0) {
        return Invalid(F(p, "valid_to"), "is before valid_from");
      }
    }
    switch (v.value_case()) {
      case booo::v1::ParameterValue::kAmountCents:
        RETURN_IF_ERROR(CheckAmount(v.amount_cents(), F(p, "amount_cents")));
        break;
      case booo::v1::ParameterValue::kCount:
        RETURN_IF_ERROR(CheckCount(v.count(), F(p, "count")));
        break;
      case booo::v1::ParameterValue::kDate:
        RETURN_IF_ERROR(ValidateCivilDate(v.date(), F(p, "date")));
        break;
      case booo::v1::ParameterValue::kFlag:
        break;
      case booo::v1::ParameterValue::VALUE_NOT_SET:
        return Invalid(F(p, "value"), "is required");
    }
    RETURN_IF_ERROR(CheckText(v.source(), F(p, "source"), false));
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
  RETURN_IF_ERROR(CheckYear(d.spending_year(), "exception_claim_filed.spending_year"));
  RETURN_IF_ERROR(
      CheckAmount(d.actual_total_cents(), "exception_claim_filed.actual_total_cents"));
  RETURN_IF_ERROR(ValidateCivilDate(d.received_date(), "exception_claim_filed.received_date"));
  return CheckText(d.justification(), "exception_claim_filed.justification", false);
}

absl::Status ValidateVoluntaryRepaymentReceived(const EventBody& body) {
  const auto& d = body.voluntary_repayment_received();
  RETURN_IF_ERROR(CheckYear(d.spending_year(), "voluntary_repayment_received.spending_year"));
  RETURN_IF_ERROR(CheckAmount(d.amount_cents(), "voluntary_repayment_received.amount_cents"));
  if (d.amount_cents() == 0) {
    return Invalid("voluntary_repayment_received.amount_cents", "must be positive");
  }
  return ValidateCivilDate(d.received_date(), "voluntary_repayment_received.received_date");
}

absl::Status ValidateAccountabilityReportFiled(const EventBody& body) {
  const auto& d = body.accountability_report_filed();
  const std::string p = "accountability_report_filed";
  RETURN_IF_ERROR(CheckYear(d.spending_year(), F(p, "spending_year")));
  RETURN_IF_ERROR(ValidateCivilDate(d.received_date(), F(p, "received_date")));
  RETURN_IF_ERROR(CheckAmount(d.voluntary_waiver_cents(), F(p, "voluntary_waiver_cents")));
  if (d.findings_size() > 1000) return Invalid(F(p, "findings"), "more than 1000 findings");
  for (int i = 0; i < d.findings_size(); ++i) {
    const auto& f = d.findings(i);
    const std::string fp = absl::StrCat(p, ".findings[", i, "]");
    RETURN_IF_ERROR(CheckText(f.finding_id(), F(fp, "finding_id"), true));
    for (int j = 0; j < i; ++j) {
      if (d.findings(j).finding_id() == f.finding_id()) {
        return Invalid(F(fp, "finding_id"), "is not unique in the report");
      }
    }
    RETURN_IF_ERROR(CheckEnum(f.category(), F(fp, "category"), booo::v1::CostCategory_IsValid));
    RETURN_IF_ERROR(CheckEnum(f.kind(), F(fp, "kind"), booo::v1::FindingKind_IsValid));
    RETURN_IF_ERROR(CheckAmount(f.amount_cents(), F(fp, "amount_cents")));
    RETURN_IF_ERROR(CheckText(f.description(), F(fp, "description"), false));
  }
  return absl::OkStatus();
}

absl::Status ValidateLocationRegistered(const EventBody& body) {
  const auto& d = body.location_registered();
  const std::string p = "location_registered";
  RETURN_IF_ERROR(CheckText(d.location_id(), F(p, "location_id"), true));
  RETURN_IF_ERROR(CheckEnum(d.accommodation_type(), F(p, "accommodation_type"),
                            booo::v1::AccommodationType_IsValid));
  RETURN_IF_ERROR(CheckCount(d.capacity(), F(p, "capacity")));
  RETURN_IF_ERROR(ValidateDateRange(d.valid(), F(p, "valid")));
  return ValidateCivilDate(d.received_date(), F(p, "received_date"));
}

absl::Status ValidateTransitionCostsDeclared(const EventBody& body) {
  const auto& d = body.transition_costs_declared();
  const std::string p = "transition_costs_declared";
  RETURN_IF_ERROR(CheckYear(d.spending_year(), F(p, "spending_year")));
  if (!d.request_event_id().empty()) {
    RETURN_IF_ERROR(CheckRefEventId(d.request_event_id(), F(p, "request_event_id")));
  }
  RETURN_IF_ERROR(CheckText(d.location_id(), F(p, "location_id"), true));
  RETURN_IF_ERROR(CheckAmount(d.amount_cents(), F(p, "amount_cents")));
  return ValidateCivilDate(d.received_date(), F(p, "received_date"));
}

absl::Status ValidateAdvanceRequested(const EventBody& body) {
  const auto& d = body.advance_requested();
  const std::string p = "advance_requested";
  RETURN_IF_ERROR(CheckYear(d.spending_year(), F(p, "spending_year")));
  RETURN_IF_ERROR(CheckAmount(d.amount_cents(), F(p, "amount_cents")));
  if (d.amount_cents() == 0) return Invalid(F(p, "amount_cents"), "must be positive");
  return ValidateCivilDate(d.received_date(), F(p, "received_date"));
}

absl::Status ValidateBudgetLine(const booo::v1::BudgetLineSet& d) {
  const std::string p = "budget_line_set";
  RETURN_IF_ERROR(CheckYear(d.budget_year(), F(p, "budget_year")));
  RETURN_IF_ERROR(CheckText(d.line(), F(p, "line"), true));
  RETURN_IF_ERROR(CheckAmount(d.amount_cents(), F(p, "amount_cents")));
  RETURN_IF_ERROR(ValidateCivilDate(d.publication_date(), F(p, "publication_date")));
  RETURN_IF_ERROR(CheckText(d.citation().reference(), F(p, "citation.reference"), true));
  RETURN_IF_ERROR(CheckText(d.citation().url(), F(p, "citation.url"), false));
  return CheckText(d.source(), F(p, "source"), false);
}

absl::Status CheckDecision(int outcome, int64_t amount, absl::string_view prefix,
                           absl::string_view amount_field) {
  RETURN_IF_ERROR(CheckEnum(outcome, F(prefix, "outcome"), booo::v1::DecisionOutcome_IsValid));
  RETURN_IF_ERROR(CheckAmount(amount, F(prefix, amount_field)));
  if (outcome == booo::v1::DECISION_OUTCOME_REJECTED && amount != 0) {
    return Invalid(F(prefix, amount_field), "must be 0 when the outcome is REJECTED");
  }
  return absl::OkStatus();
}

absl::Status ValidateTransitionCostDecided(const EventBody& body) {
  const auto& d = body.transition_cost_decided();
  const std::string p = "transition_cost_decided";
  RETURN_IF_ERROR(CheckRefEventId(d.request_event_id(), F(p, "request_event_id")));
  RETURN_IF_ERROR(
      CheckDecision(d.outcome(), d.approved_amount_cents(), p, "approved_amount_cents"));
  if (d.outcome() != booo::v1::DECISION_OUTCOME_REJECTED) {
    RETURN_IF_ERROR(ValidateDateRange(d.period(), F(p, "period")));
    RETURN_IF_ERROR(CheckEnum(d.allocation_method(), F(p, "allocation_method"),
                              booo::v1::AllocationMethod_IsValid));
  }
  RETURN_IF_ERROR(ValidateCivilDate(d.decision_date(), F(p, "decision_date")));
  return CheckText(d.decision_reference(), F(p, "decision_reference"), true);
}

absl::Status ValidateExceptionClaimDecided(const EventBody& body) {
  const auto& d = body.exception_claim_decided();
  const std::string p = "exception_claim_decided";
  RETURN_IF_ERROR(CheckRefEventId(d.claim_event_id(), F(p, "claim_event_id")));
  RETURN_IF_ERROR(
      CheckDecision(d.outcome(), d.accepted_total_cents(), p, "accepted_total_cents"));
  RETURN_IF_ERROR(ValidateCivilDate(d.decision_date(), F(p, "decision_date")));
  return CheckText(d.decision_reference(), F(p, "decision_reference"), true);
}

absl::Status ValidateAdvancePaid(const EventBody& body) {
  const auto& d = body.advance_paid();
  RETURN_IF_ERROR(CheckYear(d.spending_year(), "advance_paid.spending_year"));
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
  RETURN_IF_ERROR(CheckYear(d.spending_year(), F(p, "spending_year")));
  RETURN_IF_ERROR(CheckAmount(d.reduction_cents(), F(p, "reduction_cents")));
  RETURN_IF_ERROR(ValidateCivilDate(d.decision_date(), F(p, "decision_date")));
  return CheckText(d.decision_reference(), F(p, "decision_reference"), true);
}

absl::Status ValidateGrantDetermined(const EventBody& body) {
  const auto& d = body.grant_determined();
  RETURN_IF_ERROR(CheckYear(d.spending_year(), "grant_determined.spending_year"));
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
    RETURN_IF_ERROR(CheckText(n.path(), F(np, "path"), true));
    if (n.digest().size() != 32) return Invalid(F(np, "digest"), "must be 32 bytes");
  }
  return CheckText(d.decision_reference(), "grant_determined.decision_reference", true);
}

absl::Status ValidateEnvelopeFields(const EventBody& body) {
  if (body.event_id().empty()) return Invalid("event_id", "is required");
  if (!IsValidEventId(body.event_id())) {
    return Invalid("event_id", "must be 1..128 characters of A-Z a-z 0-9 . _ : -");
  }
  if (body.signer_key_id().empty()) return Invalid("signer_key_id", "is required");
  if (body.signer_key_id().size() > 256) return Invalid("signer_key_id", "is too long");
  if (body.client_time_micros() < 0) return Invalid("client_time_micros", "must not be negative");
  if (!body.supersedes_event_id().empty()) {
    RETURN_IF_ERROR(CheckRefEventId(body.supersedes_event_id(), "supersedes_event_id"));
    if (body.supersedes_event_id() == body.event_id()) {
      return Invalid("supersedes_event_id", "an event cannot supersede itself");
    }
  }
  if (body.payload_case() == EventBody::PAYLOAD_NOT_SET) {
    return Invalid("payload", "is required (one event payload must be set)");
  }
  if (FindPayload(body) == nullptr) return Invalid("payload", "is not a payload this ledger knows");
  const std::string stream = ExpectedStream(body);
  if (body.stream() != stream) {
    return Invalid("stream", absl::StrCat("is \"", body.stream(), "\" but a ", PayloadName(body),
                                          " event belongs to stream \"", stream, "\""));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ParseEventBodyInto(absl::string_view body_bytes, EventBody& body) {
  if (body_bytes.empty()) return Invalid("body", "is empty");
  // What was signed must be exactly what is read: no unknown field at any depth, no field the
  // parser would override or merge, no second oneof member (see strict_wire.h).
  RETURN_IF_ERROR(CheckStrictWire(body_bytes, *EventBody::descriptor()));
  if (!body.ParseFromArray(body_bytes.data(), static_cast<int>(body_bytes.size()))) {
    return Invalid("body", "is not a serialized booo.v1.EventBody");
  }
  return absl::OkStatus();
}

absl::StatusOr<EventBody> ParseEventBody(absl::string_view body_bytes) {
  EventBody body;
  RETURN_IF_ERROR(ParseEventBodyInto(body_bytes, body));
  return body;
}

absl::Status ValidateEventBody(const EventBody& body) {
  RETURN_IF_ERROR(ValidateEnvelopeFields(body));
  const PayloadInfo* payload = FindPayload(body);
  if (payload->municipality != nullptr) {
    RETURN_IF_ERROR(CheckMunicipality(PayloadMunicipality(body),
                                      F(payload->name(), payload->municipality->name())));
  }
  // One case per payload and no default: a payload added to the contract does not compile
  // here (-Wswitch-enum) until its fields have their checks.
  switch (body.payload_case()) {
    case EventBody::kGenesis:
      return ValidateGenesis(body.genesis());
    case EventBody::kKeyRegistered:
      return ValidateKeyRegistered(body.key_registered());
    case EventBody::kKeyRevoked:
      if (body.key_revoked().key_id().empty()) return Invalid("key_revoked.key_id", "is required");
      return CheckText(body.key_revoked().reason(), "key_revoked.reason", false);
    case EventBody::kCheckpointKeyRotated:
      return ValidateCheckpointKeyRotated(body.checkpoint_key_rotated());
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
    case EventBody::PAYLOAD_NOT_SET:
      return Invalid("payload", "is required (one event payload must be set)");
  }
  return Invalid("payload", "is not a payload this ledger knows");
}

namespace {

const google::protobuf::Message* PayloadMessage(const EventBody& body, const PayloadInfo& info) {
  return &body.GetReflection()->GetMessage(body, info.field);
}

}  // namespace

std::string PayloadMunicipality(const EventBody& body) {
  const PayloadInfo* info = FindPayload(body);
  if (info == nullptr || info->municipality == nullptr) return "";
  const google::protobuf::Message* payload = PayloadMessage(body, *info);
  return payload->GetReflection()->GetString(*payload, info->municipality);
}

std::string ExpectedStream(const EventBody& body) {
  const PayloadInfo* info = FindPayload(body);
  if (info == nullptr) return "";
  switch (info->stream) {
    case StreamKind::kKeys:
      return "keys";
    case StreamKind::kRules:
      return "rules";
    case StreamKind::kBudget:
      return "budget";
    case StreamKind::kMunicipality:
      return MunicipalityStream(PayloadMunicipality(body));
  }
  return "";
}

SignerRole RequiredRole(const EventBody& body) { return FindPayload(body)->signer; }

std::optional<booo::v1::CivilDate> BusinessDate(const EventBody& body) {
  const PayloadInfo* info = FindPayload(body);
  if (info == nullptr || info->business_date == nullptr) return std::nullopt;
  const google::protobuf::Message* payload = PayloadMessage(body, *info);
  // The table holds only CivilDate fields, of the generated type.
  return static_cast<const booo::v1::CivilDate&>(
      payload->GetReflection()->GetMessage(*payload, info->business_date));
}

std::string BusinessDateField(const EventBody& body) {
  const PayloadInfo* info = FindPayload(body);
  if (info == nullptr || info->business_date == nullptr) return "";
  return F(info->name(), info->business_date->name());
}

bool IsKeyEvent(const EventBody& body) {
  const PayloadInfo* info = FindPayload(body);
  return info != nullptr && info->stream == StreamKind::kKeys;
}

std::string PayloadName(const EventBody& body) {
  const PayloadInfo* info = FindPayload(body);
  return info == nullptr ? "" : info->name();
}

bool IsMunicipalityCode(absl::string_view code) {
  if (code.size() != 6 || code[0] != 'G' || code[1] != 'M') return false;
  for (size_t i = 2; i < 6; ++i) {
    if (!absl::ascii_isdigit(code[i])) return false;
  }
  return true;
}

bool IsValidEventId(absl::string_view id) {
  if (id.empty() || id.size() > kMaxEventIdBytes) return false;
  for (char c : id) {
    if (!(absl::ascii_isalnum(c) || c == '.' || c == '_' || c == ':' || c == '-')) return false;
  }
  return true;
}

std::string MunicipalityStream(absl::string_view code) {
  return absl::StrCat("municipality/", code);
}

}  // namespace booo::ledger
