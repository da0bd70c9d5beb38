// The steps of the grant calculation (grant_calculation.h), one builder per trace subtree.
// Internal to replay/.
#ifndef BOOO_REPLAY_CALC_CALCULATION_STEPS_H_
#define BOOO_REPLAY_CALC_CALCULATION_STEPS_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "replay/calc/grant_calculation.h"
#include "replay/calc/trace.h"

namespace booo::replay::steps {

struct Context {
  const GrantInput& input;
  std::vector<std::string>& flags;
  const RuleTimeline& rules() const { return *input.rules; }
  const Scope& scope() const { return input.scope; }
  // The current facts with this payload, by business day, then ledger sequence: the last one
  // is the latest.
  std::vector<const FactRecord*> Facts(booo::v1::EventBody::PayloadCase kind) const;
  void Flag(const std::string& flag) const;  // once per text
};

// Days of [scope_first, scope_last] covered by records' periods, each day taken by the latest
// record (the last in `ordered`) whose period holds it. Sorted by first day; adjacent days of
// one record merged.
struct Cover {
  int64_t first_day;
  int64_t last_day;
  const FactRecord* record;
};
std::vector<Cover> LatestCover(const std::vector<const FactRecord*>& ordered,
                               const std::function<booo::v1::DateRange(const FactRecord&)>& period,
                               int64_t scope_first, int64_t scope_last);

// Realised places at one location, after later declarations replaced earlier ones day by day.
struct PlaceRun {
  int64_t first_day;
  int64_t last_day;
  int64_t places;
  const FactRecord* declaration;
};
struct Location {
  std::string accommodation;  // of its latest declaration
  std::vector<PlaceRun> runs;
};
// By location id, inside the scope.
std::map<std::string, Location> EffectivePlaces(const Context& ctx);

// The latest declaration per month (by "YYYY-MM"), for months whose first day lies in scope.
std::map<std::string, const FactRecord*> EffectivePersonMonths(const Context& ctx);

absl::StatusOr<TraceNode> GooNorm(const Context& ctx);             // "norm" under "a"
absl::StatusOr<TraceNode> PooNorm(const Context& ctx);             // "cd"
absl::StatusOr<TraceNode> VatFund(const Context& ctx);             // "vat_fund"
absl::StatusOr<TraceNode> GooLivingAllowance(const Context& ctx);  // "goo_living_allowance"
absl::StatusOr<TraceNode> PooActualCosts(const Context& ctx);      // "b"
absl::StatusOr<TraceNode> TransitionCosts(const Context& ctx);     // "e"
// Under "a", beside the norm: the exception clause's adjustment, if a claim was decided.
absl::StatusOr<std::optional<TraceNode>> ExceptionClause(const Context& ctx,
                                                         int64_t norm_total_cents);
// After the categories: findings, waiver, late accountability (each only if present).
absl::StatusOr<std::vector<TraceNode>> Adjustments(const Context& ctx);

std::string DayText(int64_t day);                            // "2023-01-31"
std::string RangeText(int64_t first_day, int64_t last_day);  // "2023-01-01..2023-01-31"
int64_t FirstDayOfMonth(int32_t year, int32_t month);        // days since 1970-01-01
int64_t LastDayOfYear(int32_t year);                         // 31 December

}  // namespace booo::replay::steps

#endif  // BOOO_REPLAY_CALC_CALCULATION_STEPS_H_
