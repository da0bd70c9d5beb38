#include "replay/calc/parameters.h"

namespace booo::replay {

const std::vector<ParameterSpec>& ParameterCatalogue() {
  using V = booo::v1::ParameterValue;
  static const auto* catalogue = new std::vector<ParameterSpec>{
      {param::kGooNorm, V::kAmountCents, true,
       "municipal reception (GOO): norm per realised place per day (category a)"},
      {param::kPooNorm, V::kAmountCents, true,
       "private reception (POO): norm per registered person per month with a provision "
       "(categories c and d)"},
      {param::kGooLivingAllowanceActual, V::kFlag, false,
       "true: the GOO living allowance is paid at actual cost, outside the GOO norm"},
      {param::kPooProvisionsActual, V::kFlag, false,
       "true: the POO living allowance and housing component are paid at actual cost "
       "(category b)"},
      {param::kExceptionClause, V::kFlag, false,
       "true: the exception clause (art. 3 lid 2) may replace the category-a norm amount by "
       "the actual costs"},
      {param::kSpendingPeriod, V::kFlag, false,
       "true on every day inside the spending period (art. 4); costs of other days are not "
       "eligible"},
      {param::kVatFundGoo, V::kAmountCents, false,
       "VAT compensation fund contribution per GOO place per day (ministry-level transfer)"},
      {param::kVatFundPoo, V::kAmountCents, false,
       "VAT compensation fund contribution per POO person-month (ministry-level transfer)"},
      {param::kAccountabilityDeadline, V::kDate, false,
       "for the spending year holding the valid day: the SiSa accountability deadline"},
      {param::kDeterminationDeadline, V::kDate, false,
       "for the spending year holding the valid day: the determination deadline"},
      {param::kVoluntaryWaiverAllowed, V::kFlag, false,
       "for the spending year holding the valid day: a municipality may give budget back in "
       "its accountability (voluntary waiver)"},
      {param::kPooLivingAllowanceCeiling, V::kAmountCents, false,
       "control: the highest plausible POO living allowance per person per month"},
      {param::kPooHousingCeiling, V::kAmountCents, false,
       "control: the highest plausible POO housing component per person per month"},
      {param::kGooLivingAllowanceCeiling, V::kAmountCents, false,
       "control: the highest plausible GOO living allowance (at actual cost) per person per "
       "month, judged against the realised places"},
      {param::kAdvanceDeadline, V::kDate, false,
       "for the spending year holding the valid day: the last day to apply for an advance"},
      {param::kGooCostMin, V::kAmountCents, false,
       "control: the lowest plausible actual category-a cost per realised place-day"},
      {param::kGooCostMax, V::kAmountCents, false,
       "control: the highest plausible actual category-a cost per realised place-day"},
      {param::kExpensiveShareMax, V::kCount, false,
       "control: the share of GOO place-days in hotels, holiday parks and ships (basis points) above which a "
       "municipality is signalled"},
      {param::kSisaTolerance, V::kCount, false,
       "for the spending year holding the valid day: the SiSa tolerance, basis points of the "
       "grant"},
      {param::kSingleTransactionThreshold, V::kAmountCents, false,
       "for the spending year holding the valid day: the accountant tests at least one "
       "transaction above this amount"},
  };
  return *catalogue;
}

const ParameterSpec* FindParameter(absl::string_view name) {
  for (const ParameterSpec& spec : ParameterCatalogue()) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

}  // namespace booo::replay
