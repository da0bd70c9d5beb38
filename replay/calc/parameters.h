// The rule parameters the grant calculation reads. Their values, validity and sources are data
// (signed RuleAmended events, shipped in rulebook/); only their names and meaning are code,
// because each one is read by a formula. A new parameter needs a new formula, so it is added
// here together with the code that reads it.
#ifndef BOOO_REPLAY_CALC_PARAMETERS_H_
#define BOOO_REPLAY_CALC_PARAMETERS_H_

#include <vector>

#include "absl/strings/string_view.h"
#include "booo/v1/events.pb.h"

namespace booo::replay {

// The value kind a parameter takes (the ParameterValue oneof case).
using ValueKind = booo::v1::ParameterValue::ValueCase;

struct ParameterSpec {
  absl::string_view name;
  ValueKind kind;
  // A norm (normbedrag): never revised downward with retroactive effect.
  bool is_norm;
  absl::string_view meaning;
};

namespace param {
inline constexpr absl::string_view kGooNorm = "goo_norm_per_place_day";
inline constexpr absl::string_view kPooNorm = "poo_norm_per_person_month";
inline constexpr absl::string_view kGooLivingAllowanceActual =
    "goo_living_allowance_at_actual_cost";
inline constexpr absl::string_view kPooProvisionsActual = "poo_provisions_at_actual_cost";
inline constexpr absl::string_view kExceptionClause = "exception_clause_available";
inline constexpr absl::string_view kSpendingPeriod = "spending_period";
inline constexpr absl::string_view kVatFundGoo = "vat_fund_goo_per_place_day";
inline constexpr absl::string_view kVatFundPoo = "vat_fund_poo_per_person_month";
inline constexpr absl::string_view kAccountabilityDeadline = "accountability_deadline";
inline constexpr absl::string_view kDeterminationDeadline = "determination_deadline";
inline constexpr absl::string_view kVoluntaryWaiverAllowed = "voluntary_waiver_allowed";
// Control thresholds (replay/rulebook/controls-2022-2025.json).
inline constexpr absl::string_view kPooLivingAllowanceCeiling =
    "poo_living_allowance_ceiling_per_person_month";
inline constexpr absl::string_view kPooHousingCeiling =
    "poo_housing_component_ceiling_per_person_month";
inline constexpr absl::string_view kGooLivingAllowanceCeiling =
    "goo_living_allowance_ceiling_per_person_month";
inline constexpr absl::string_view kAdvanceDeadline = "advance_application_deadline";
inline constexpr absl::string_view kGooCostMin = "goo_cost_per_place_day_min";
inline constexpr absl::string_view kGooCostMax = "goo_cost_per_place_day_max";
inline constexpr absl::string_view kExpensiveShareMax = "expensive_accommodation_share_max";
inline constexpr absl::string_view kSisaTolerance = "sisa_tolerance";
inline constexpr absl::string_view kSingleTransactionThreshold =
    "accountant_single_transaction_test_threshold";
}  // namespace param

const std::vector<ParameterSpec>& ParameterCatalogue();
// nullptr when `name` is not in the catalogue.
const ParameterSpec* FindParameter(absl::string_view name);

}  // namespace booo::replay

#endif  // BOOO_REPLAY_CALC_PARAMETERS_H_
