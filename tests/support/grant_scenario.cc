#include "tests/support/grant_scenario.h"

#include <set>

#include <cstdlib>

#include "absl/strings/escaping.h"
#include "ledger/core/civil_date.h"
#include "ledger/core/crypto.h"
#include "ledger/core/event_validation.h"
#include "replay/controls/controls.h"
#include "replay/rulebook/rule_book.h"

namespace booo::testing {
namespace {

using booo::v1::CivilDate;
using booo::v1::EventBody;


EventBody Envelope(const std::string& id, const std::string& code) {
  EventBody body;
  body.set_event_id(id);
  body.set_stream(code.empty() ? "rules" : ledger::MunicipalityStream(code));
  body.set_signer_key_id("ed25519:test");
  return body;
}

}  // namespace

GrantScenario GrantScenario::WithRuleBook() {
  return WithRuleBookPublishedBy(ledger::MakeDate(9999, 12, 31));
}

GrantScenario GrantScenario::WithRuleBookPublishedBy(CivilDate last) {
  GrantScenario scenario;
  std::set<std::string> included;
  for (const char* file : {"booo-2022-2025.json", "controls-2022-2025.json"}) {
    auto book = rulebook::ReadRuleBook(std::string(BOOO_SOURCE_DIR) + "/replay/rulebook/" + file);
    if (!book.ok()) std::abort();  // the shipped rule books must parse; their own test says why
    for (const auto& a : *book) {
      if (ledger::CompareDates(a.amendment.publication_date(), last) > 0) continue;
      EventBody body = Envelope(a.event_id, "");
      body.MergeFrom(a.ToEvent());
      // A correction of an amendment left out (published later) stands alone.
      if (!included.contains(a.supersedes)) body.clear_supersedes_event_id();
      included.insert(a.event_id);
      scenario.Add(std::move(body));
    }
  }
  return scenario;
}

uint64_t GrantScenario::Add(EventBody body) {
  replay::EventRef ref;
  ref.sequence = next_sequence_++;
  ref.event_id = body.event_id();
  ref.leaf_hash = ledger::Sha256Bytes(std::to_string(ref.sequence));
  const std::optional<CivilDate> business = ledger::BusinessDate(body);
  ref.business_day = business ? ledger::ToEpochDays(*business) : 0;
  ref.recorded_at_micros = (ref.business_day + 1000) * ledger::kMicrosPerDay;
  if (body.has_rule_amended()) {
    rules_.Add(std::move(ref), std::move(body));
  } else {
    const std::string code = ledger::PayloadMunicipality(body);
    municipalities_[code].Add(std::move(ref), std::move(body));
  }
  return next_sequence_ - 1;
}

uint64_t GrantScenario::AddRule(const std::string& parameter, CivilDate from,
                                std::optional<CivilDate> to, int64_t amount_cents,
                                CivilDate published) {
  EventBody body = Envelope("rule-" + std::to_string(next_sequence_), "");
  auto* a = body.mutable_rule_amended();
  auto* v = a->add_values();
  v->set_parameter(parameter);
  *v->mutable_valid_from() = from;
  if (to) *v->mutable_valid_to() = *to;
  v->set_amount_cents(amount_cents);
  a->mutable_citation()->set_reference("test amendment");
  *a->mutable_publication_date() = published;
  return Add(std::move(body));
}

absl::StatusOr<replay::GrantComputation> GrantScenario::Compute(const std::string& code,
                                                                int32_t year) const {
  return Compute(code, replay::Scope::Year(year), Everything());
}

absl::StatusOr<replay::GrantComputation> GrantScenario::Compute(const std::string& code,
                                                                replay::Scope scope,
                                                                replay::KnownAt at) const {
  const replay::RuleTimeline rules(replay::SelectCurrent(rules_.records(), at));
  replay::GrantInput input;
  input.municipality_code = code;
  input.scope = scope;
  input.rules = &rules;
  static const replay::StreamRecords kNone;
  auto it = municipalities_.find(code);
  input.facts = replay::SelectCurrent(
      it == municipalities_.end() ? kNone.records() : it->second.records(), at);
  return replay::ComputeGrant(input);
}

absl::StatusOr<std::vector<booo::v1::Signal>> GrantScenario::Signals(int32_t year,
                                                                     CivilDate as_of) const {
  const replay::KnownAt at = Everything();
  const replay::RuleTimeline rules(replay::SelectCurrent(rules_.records(), at));
  std::vector<booo::v1::Signal> out;
  std::map<std::string, std::vector<const replay::FactRecord*>> all;
  for (const auto& [code, stream] : municipalities_) {
    replay::ControlInput input;
    input.grant_input.municipality_code = code;
    input.grant_input.scope = replay::Scope::Year(year);
    input.grant_input.rules = &rules;
    input.grant_input.facts = replay::SelectCurrent(stream.records(), at);
    all[code] = input.grant_input.facts;
    auto grant = replay::ComputeGrant(input.grant_input);
    if (!grant.ok()) return grant.status();
    input.grant = &*grant;
    input.as_of_day = ledger::ToEpochDays(as_of);
    auto signals = replay::MunicipalitySignals(input);
    if (!signals.ok()) return signals.status();
    for (auto& s : *signals) out.push_back(std::move(s));
  }
  for (auto& s : replay::DoubleCountingSignals(all, year)) out.push_back(std::move(s));
  return out;
}

absl::StatusOr<booo::v1::SisaFigures> GrantScenario::Sisa(const std::string& code,
                                                          int32_t year) const {
  const replay::KnownAt at = Everything();
  const replay::RuleTimeline rules(replay::SelectCurrent(rules_.records(), at));
  replay::GrantInput input;
  input.municipality_code = code;
  input.scope = replay::Scope::Year(year);
  input.rules = &rules;
  input.facts = replay::SelectCurrent(municipalities_.at(code).records(), at);
  auto grant = replay::ComputeGrant(input);
  if (!grant.ok()) return grant.status();
  return replay::ComputeSisaFigures(input, *grant);
}

booo::v1::DateRange Range(CivilDate first, CivilDate last) {
  booo::v1::DateRange r;
  *r.mutable_first_day() = first;
  *r.mutable_last_day() = last;
  return r;
}

replay::Scope ScopeOf(CivilDate first, CivilDate last) {
  return replay::Scope{first.year(), ledger::ToEpochDays(first), ledger::ToEpochDays(last)};
}

EventBody GooPlaces(const std::string& id, const std::string& code, const std::string& location,
                    CivilDate first, CivilDate last, int64_t places, CivilDate received) {
  EventBody b = Envelope(id, code);
  auto* d = b.mutable_goo_places_declared();
  d->set_municipality_code(code);
  d->set_location_id(location);
  d->set_accommodation_type(booo::v1::ACCOMMODATION_TYPE_REGULAR_BUILDING);
  *d->mutable_period() = Range(first, last);
  d->set_places(places);
  *d->mutable_received_date() = received;
  return b;
}

EventBody PooMonth(const std::string& id, const std::string& code, int year, int month,
                   int64_t registered, int64_t with_provision, CivilDate received) {
  EventBody b = Envelope(id, code);
  auto* d = b.mutable_poo_person_months_declared();
  d->set_municipality_code(code);
  d->mutable_month()->set_year(year);
  d->mutable_month()->set_month(month);
  d->set_registered_persons(registered);
  d->set_persons_with_provision(with_provision);
  *d->mutable_received_date() = received;
  return b;
}

EventBody LivingAllowance(const std::string& id, const std::string& code,
                          booo::v1::ReceptionKind kind, booo::v1::AllowanceComponent component,
                          CivilDate first, CivilDate last, int64_t amount_cents,
                          CivilDate received) {
  EventBody b = Envelope(id, code);
  auto* d = b.mutable_living_allowance_paid();
  d->set_municipality_code(code);
  d->set_reception_kind(kind);
  d->set_component(component);
  *d->mutable_period() = Range(first, last);
  d->set_amount_cents(amount_cents);
  *d->mutable_received_date() = received;
  return b;
}

EventBody TransitionRequest(const std::string& id, const std::string& code, int64_t amount_cents,
                            CivilDate first, CivilDate last, booo::v1::AllocationMethod method,
                            CivilDate received) {
  EventBody b = Envelope(id, code);
  auto* d = b.mutable_transition_cost_requested();
  d->set_municipality_code(code);
  d->set_location_id("LOC-T");
  d->set_description("making a building fit for reception");
  d->set_amount_cents(amount_cents);
  *d->mutable_period() = Range(first, last);
  d->set_allocation_method(method);
  *d->mutable_received_date() = received;
  return b;
}

EventBody TransitionDecision(const std::string& id, const std::string& code,
                             const std::string& request_id, booo::v1::DecisionOutcome outcome,
                             int64_t approved_cents, CivilDate first, CivilDate last,
                             booo::v1::AllocationMethod method, CivilDate decided) {
  EventBody b = Envelope(id, code);
  auto* d = b.mutable_transition_cost_decided();
  d->set_municipality_code(code);
  d->set_request_event_id(request_id);
  d->set_outcome(outcome);
  d->set_approved_amount_cents(approved_cents);
  if (outcome != booo::v1::DECISION_OUTCOME_REJECTED) {
    *d->mutable_period() = Range(first, last);
    d->set_allocation_method(method);
  }
  d->set_decision_reference("NOO/TK/" + id);
  *d->mutable_decision_date() = decided;
  return b;
}

EventBody ExceptionClaim(const std::string& id, const std::string& code, int year,
                         int64_t actual_total_cents, CivilDate received) {
  EventBody b = Envelope(id, code);
  auto* d = b.mutable_exception_claim_filed();
  d->set_municipality_code(code);
  d->set_spending_year(year);
  d->set_actual_total_cents(actual_total_cents);
  *d->mutable_received_date() = received;
  return b;
}

EventBody ExceptionDecision(const std::string& id, const std::string& code,
                            const std::string& claim_id, booo::v1::DecisionOutcome outcome,
                            int64_t accepted_cents, CivilDate decided) {
  EventBody b = Envelope(id, code);
  auto* d = b.mutable_exception_claim_decided();
  d->set_municipality_code(code);
  d->set_claim_event_id(claim_id);
  d->set_outcome(outcome);
  d->set_accepted_total_cents(accepted_cents);
  d->set_decision_reference("NOO/UC/" + id);
  *d->mutable_decision_date() = decided;
  return b;
}

EventBody Advance(const std::string& id, const std::string& code, int year, int64_t amount_cents,
                  CivilDate paid) {
  EventBody b = Envelope(id, code);
  auto* d = b.mutable_advance_paid();
  d->set_municipality_code(code);
  d->set_spending_year(year);
  d->set_amount_cents(amount_cents);
  *d->mutable_payment_date() = paid;
  return b;
}

EventBody Repayment(const std::string& id, const std::string& code, int year, int64_t amount_cents,
                    CivilDate received) {
  EventBody b = Envelope(id, code);
  auto* d = b.mutable_voluntary_repayment_received();
  d->set_municipality_code(code);
  d->set_spending_year(year);
  d->set_amount_cents(amount_cents);
  *d->mutable_received_date() = received;
  return b;
}

EventBody Report(const std::string& id, const std::string& code, int year, CivilDate received,
                 int64_t waiver_cents) {
  EventBody b = Envelope(id, code);
  auto* d = b.mutable_accountability_report_filed();
  d->set_municipality_code(code);
  d->set_spending_year(year);
  *d->mutable_received_date() = received;
  d->set_voluntary_waiver_cents(waiver_cents);
  return b;
}

void AddFinding(EventBody& report, const std::string& finding_id, booo::v1::CostCategory category,
                booo::v1::FindingKind kind, int64_t amount_cents) {
  auto* f = report.mutable_accountability_report_filed()->add_findings();
  f->set_finding_id(finding_id);
  f->set_category(category);
  f->set_kind(kind);
  f->set_amount_cents(amount_cents);
  f->set_description("finding " + finding_id);
}

EventBody Hardship(const std::string& id, const std::string& code, const std::string& report_id,
                   const std::string& finding_id, int64_t readmitted_cents, CivilDate decided) {
  EventBody b = Envelope(id, code);
  auto* d = b.mutable_hardship_decided();
  d->set_municipality_code(code);
  d->set_report_event_id(report_id);
  d->set_finding_id(finding_id);
  d->set_readmitted_cents(readmitted_cents);
  d->set_decision_reference("NOO/HD/" + id);
  *d->mutable_decision_date() = decided;
  return b;
}

EventBody LateDecision(const std::string& id, const std::string& code, int year,
                       int64_t reduction_cents, CivilDate decided) {
  EventBody b = Envelope(id, code);
  auto* d = b.mutable_late_accountability_decided();
  d->set_municipality_code(code);
  d->set_spending_year(year);
  d->set_reduction_cents(reduction_cents);
  d->set_decision_reference("NOO/LA/" + id);
  *d->mutable_decision_date() = decided;
  return b;
}

EventBody Determination(const std::string& id, const std::string& code, int year,
                        int64_t amount_cents, CivilDate decided) {
  EventBody b = Envelope(id, code);
  auto* d = b.mutable_grant_determined();
  d->set_municipality_code(code);
  d->set_spending_year(year);
  d->set_amount_cents(amount_cents);
  d->set_trace_digest(std::string(32, '\0'));
  *d->mutable_decision_date() = decided;
  d->set_decision_reference("NOO/VS/" + id);
  return b;
}

EventBody Location(const std::string& id, const std::string& code, const std::string& location,
                   booo::v1::AccommodationType type, int64_t capacity, CivilDate first,
                   CivilDate last, CivilDate received) {
  EventBody b = Envelope(id, code);
  auto* d = b.mutable_location_registered();
  d->set_municipality_code(code);
  d->set_location_id(location);
  d->set_accommodation_type(type);
  d->set_capacity(capacity);
  *d->mutable_valid() = Range(first, last);
  *d->mutable_received_date() = received;
  return b;
}

EventBody TransitionDeclared(const std::string& id, const std::string& code, int year,
                             const std::string& request_id, int64_t amount_cents,
                             CivilDate received) {
  EventBody b = Envelope(id, code);
  auto* d = b.mutable_transition_costs_declared();
  d->set_municipality_code(code);
  d->set_spending_year(year);
  d->set_request_event_id(request_id);
  d->set_location_id("LOC-T");
  d->set_amount_cents(amount_cents);
  *d->mutable_received_date() = received;
  return b;
}

EventBody AdvanceRequest(const std::string& id, const std::string& code, int year,
                         int64_t amount_cents, CivilDate received) {
  EventBody b = Envelope(id, code);
  auto* d = b.mutable_advance_requested();
  d->set_municipality_code(code);
  d->set_spending_year(year);
  d->set_amount_cents(amount_cents);
  *d->mutable_received_date() = received;
  return b;
}

EventBody WithType(EventBody places, booo::v1::AccommodationType type) {
  places.mutable_goo_places_declared()->set_accommodation_type(type);
  return places;
}

EventBody WithPersons(EventBody month, const std::vector<int>& persons) {
  auto* d = month.mutable_poo_person_months_declared();
  d->clear_person_refs();
  for (int n : persons) {
    d->add_person_refs(absl::BytesToHexString(ledger::Sha256Bytes("p" + std::to_string(n))));
  }
  return month;
}

EventBody Correcting(EventBody body, const std::string& superseded_id) {
  body.set_supersedes_event_id(superseded_id);
  return body;
}

}  // namespace booo::testing
