// GrantScenario: an in-memory ledger history for the grant calculation's tests. Events get
// consecutive sequences and fake (but distinct) leaf hashes; each event's business date is
// taken from its body, exactly as the projection does. Builders make valid bodies for each
// payload with the fewest arguments a test needs.
#ifndef BOOO_TESTS_SUPPORT_GRANT_SCENARIO_H_
#define BOOO_TESTS_SUPPORT_GRANT_SCENARIO_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "booo/v1/controls_service.pb.h"
#include "booo/v1/events.pb.h"
#include "replay/calc/facts.h"
#include "replay/calc/grant_calculation.h"

namespace booo::testing {

class GrantScenario {
 public:
  // With the shipped rule books (replay/rulebook/booo-2022-2025.json, then the control
  // thresholds of controls-2022-2025.json) as events 0..n-1.
  static GrantScenario WithRuleBook();
  // Only the amendments of both books published on or before `last`: the rules as they stood.
  static GrantScenario WithRuleBookPublishedBy(booo::v1::CivilDate last);

  // Appends any event (a rule amendment or a municipality's fact); returns its sequence.
  uint64_t Add(booo::v1::EventBody body);
  uint64_t AddRule(const std::string& parameter, booo::v1::CivilDate from,
                   std::optional<booo::v1::CivilDate> to, int64_t amount_cents,
                   booo::v1::CivilDate published);
  uint64_t size() const { return next_sequence_; }

  // The grant at `at` (default: everything) for a year or a scope.
  absl::StatusOr<replay::GrantComputation> Compute(const std::string& code, int32_t year) const;
  absl::StatusOr<replay::GrantComputation> Compute(const std::string& code, replay::Scope scope,
                                                   replay::KnownAt at) const;
  replay::KnownAt Everything() const { return replay::KnownAt{next_sequence_, std::nullopt}; }

  // Every control signal for `year` as known now, deadlines judged on `as_of`: each
  // municipality's own, then persons counted twice across municipalities.
  absl::StatusOr<std::vector<booo::v1::Signal>> Signals(int32_t year,
                                                        booo::v1::CivilDate as_of) const;
  absl::StatusOr<booo::v1::SisaFigures> Sisa(const std::string& code, int32_t year) const;

 private:
  uint64_t next_sequence_ = 0;
  replay::StreamRecords rules_;
  std::map<std::string, replay::StreamRecords> municipalities_;
};

booo::v1::DateRange Range(booo::v1::CivilDate first, booo::v1::CivilDate last);
replay::Scope ScopeOf(booo::v1::CivilDate first, booo::v1::CivilDate last);

// Bodies. `received` / `decided` / `paid` is the business date.
booo::v1::EventBody GooPlaces(const std::string& id, const std::string& code,
                              const std::string& location, booo::v1::CivilDate first,
                              booo::v1::CivilDate last, int64_t places,
                              booo::v1::CivilDate received);
booo::v1::EventBody PooMonth(const std::string& id, const std::string& code, int year, int month,
                             int64_t registered, int64_t with_provision,
                             booo::v1::CivilDate received);
booo::v1::EventBody LivingAllowance(const std::string& id, const std::string& code,
                                    booo::v1::ReceptionKind kind,
                                    booo::v1::AllowanceComponent component,
                                    booo::v1::CivilDate first, booo::v1::CivilDate last,
                                    int64_t amount_cents, booo::v1::CivilDate received);
booo::v1::EventBody TransitionRequest(const std::string& id, const std::string& code,
                                      int64_t amount_cents, booo::v1::CivilDate first,
                                      booo::v1::CivilDate last, booo::v1::AllocationMethod method,
                                      booo::v1::CivilDate received);
booo::v1::EventBody TransitionDecision(const std::string& id, const std::string& code,
                                       const std::string& request_id,
                                       booo::v1::DecisionOutcome outcome, int64_t approved_cents,
                                       booo::v1::CivilDate first, booo::v1::CivilDate last,
                                       booo::v1::AllocationMethod method,
                                       booo::v1::CivilDate decided);
booo::v1::EventBody ExceptionClaim(const std::string& id, const std::string& code, int year,
                                   int64_t actual_total_cents, booo::v1::CivilDate received);
booo::v1::EventBody ExceptionDecision(const std::string& id, const std::string& code,
                                      const std::string& claim_id,
                                      booo::v1::DecisionOutcome outcome, int64_t accepted_cents,
                                      booo::v1::CivilDate decided);
booo::v1::EventBody Advance(const std::string& id, const std::string& code, int year,
                            int64_t amount_cents, booo::v1::CivilDate paid);
booo::v1::EventBody Repayment(const std::string& id, const std::string& code, int year,
                              int64_t amount_cents, booo::v1::CivilDate received);
// A report; add findings with AddFinding.
booo::v1::EventBody Report(const std::string& id, const std::string& code, int year,
                           booo::v1::CivilDate received, int64_t waiver_cents = 0);
void AddFinding(booo::v1::EventBody& report, const std::string& finding_id,
                booo::v1::CostCategory category, booo::v1::FindingKind kind, int64_t amount_cents);
booo::v1::EventBody Hardship(const std::string& id, const std::string& code,
                             const std::string& report_id, const std::string& finding_id,
                             int64_t readmitted_cents, booo::v1::CivilDate decided);
booo::v1::EventBody LateDecision(const std::string& id, const std::string& code, int year,
                                 int64_t reduction_cents, booo::v1::CivilDate decided);
booo::v1::EventBody Determination(const std::string& id, const std::string& code, int year,
                                  int64_t amount_cents, booo::v1::CivilDate decided);
// Any body as a correction of `superseded_id`.
booo::v1::EventBody Location(const std::string& id, const std::string& code,
                             const std::string& location, booo::v1::AccommodationType type,
                             int64_t capacity, booo::v1::CivilDate first, booo::v1::CivilDate last,
                             booo::v1::CivilDate received);
booo::v1::EventBody TransitionDeclared(const std::string& id, const std::string& code, int year,
                                       const std::string& request_id, int64_t amount_cents,
                                       booo::v1::CivilDate received);
booo::v1::EventBody AdvanceRequest(const std::string& id, const std::string& code, int year,
                                   int64_t amount_cents, booo::v1::CivilDate received);
// GooPlaces with another accommodation type.
booo::v1::EventBody WithType(booo::v1::EventBody places, booo::v1::AccommodationType type);
// PooMonth with person references: "p<n>" hashed to 64 hex characters for each n in `persons`.
booo::v1::EventBody WithPersons(booo::v1::EventBody month, const std::vector<int>& persons);
booo::v1::EventBody Correcting(booo::v1::EventBody body, const std::string& superseded_id);

}  // namespace booo::testing

#endif  // BOOO_TESTS_SUPPORT_GRANT_SCENARIO_H_
