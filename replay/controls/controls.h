// Controls: the ministry's checks on the scheme, as a projection like the grant. Pure functions
// from the rule timeline and the current facts to signals (booo.v1.Signal), each naming its
// rule, severity, municipality and period, a sentence for people, the figures compared, the
// thresholds used (dated rule parameters) and the source events. And the reports built on the
// same facts: SiSa accountability figures and the accommodation mix.
//
// The rules (README.md in this folder lists them with their thresholds):
//   poo_living_allowance_above_ceiling, poo_housing_component_above_ceiling,
//   places_above_capacity, location_not_registered, goo_cost_per_place_day_implausible,
//   transition_costs_unapproved, transition_costs_above_approval,
//   accountability_missing, accountability_late, determination_overdue,
//   advance_requested_late, advances_exceed_grant, person_counted_twice,
//   expensive_accommodation_share, goo_living_allowance_above_ceiling,
//   poo_person_refs_missing, transition_costs_incurred_before_approval, norm_unknown.
#ifndef BOOO_REPLAY_CONTROLS_CONTROLS_H_
#define BOOO_REPLAY_CONTROLS_CONTROLS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "booo/v1/controls_service.pb.h"
#include "replay/calc/grant_calculation.h"

namespace booo::replay {

struct ControlInput {
  GrantInput grant_input;  // the municipality, the spending year (whole), rules, facts
  const GrantComputation* grant = nullptr;  // ComputeGrant(grant_input)
  int64_t as_of_day = 0;  // the day deadlines are judged on (days since 1970-01-01)
};

// Every signal about one municipality and spending year.
absl::StatusOr<std::vector<booo::v1::Signal>> MunicipalitySignals(const ControlInput& input);

// Persons counted by two municipalities in one month of `year`: one signal per municipality
// and month, naming the other. `facts_by_code`: each municipality's current facts.
std::vector<booo::v1::Signal> DoubleCountingSignals(
    const std::map<std::string, std::vector<const FactRecord*>>& facts_by_code, int32_t year);

// The SiSa indicator values for the grant's municipality and year, each with its events.
booo::v1::SisaFigures ComputeSisaFigures(const GrantInput& input, const GrantComputation& grant);

// GOO place-days per month by accommodation type (declared days in the scope).
absl::StatusOr<std::vector<booo::v1::AccommodationMixRow>> ComputeAccommodationMix(
    const GrantInput& input);

}  // namespace booo::replay

#endif  // BOOO_REPLAY_CONTROLS_CONTROLS_H_
