// Building signals: shared by the control rules. Internal to replay/.
#ifndef BOOO_REPLAY_CONTROLS_CONTROLS_INTERNAL_H_
#define BOOO_REPLAY_CONTROLS_CONTROLS_INTERNAL_H_

#include <map>
#include <string>
#include <vector>

#include "absl/numeric/int128.h"
#include "booo/v1/controls_service.pb.h"
#include "ledger/core/status_macros.h"
#include "replay/calc/calculation_steps.h"
#include "replay/controls/controls.h"

// `lhs = *expr;` or return its status (ledger/core/status_macros.h's ASSIGN_OR_RETURN, for
// statements that declare a structured binding or reuse a name).
#define ASSIGN_OR_RETURN_CONTROL(lhs, expr)                 \
  auto BOOO_STATUS_CONCAT(control_, __LINE__) = (expr);     \
  if (!BOOO_STATUS_CONCAT(control_, __LINE__).ok())         \
    return BOOO_STATUS_CONCAT(control_, __LINE__).status(); \
  lhs = *BOOO_STATUS_CONCAT(control_, __LINE__)

namespace booo::replay::controls {

booo::v1::Signal MakeSignal(absl::string_view rule, booo::v1::Severity severity,
                            const std::string& code, int32_t year, int64_t first_day,
                            int64_t last_day, std::string message);
// `unit`: "cents", "date" (value = days since 1970-01-01, shown as a date), "basis-points", or
// a count unit ("places", "place-days", "persons", "person-months", "days").
void AddFigure(booo::v1::Signal& signal, absl::string_view name, int64_t value,
               absl::string_view unit);
void AddSource(booo::v1::Signal& signal, const FactRecord& fact);
// The threshold `entry` (one of `rules`) with its legal basis for the signal's days.
void AddRule(booo::v1::Signal& signal, const RuleTimeline& rules, const RuleEntry* entry);
std::string FigureText(int64_t value, absl::string_view unit);

// The rules, each appending its signals.
absl::Status AllowanceCeilings(const steps::Context& ctx, std::vector<booo::v1::Signal>& out);
absl::Status Capacity(const steps::Context& ctx, std::vector<booo::v1::Signal>& out);
absl::Status CostPerPlaceDay(const steps::Context& ctx, std::vector<booo::v1::Signal>& out);
absl::Status TransitionCostDeclarations(const steps::Context& ctx, const GrantComputation& grant,
                                        std::vector<booo::v1::Signal>& out);
void Deadlines(const steps::Context& ctx, int64_t as_of_day, std::vector<booo::v1::Signal>& out);
absl::Status AdvancesAgainstGrant(const steps::Context& ctx, const GrantComputation& grant,
                                  std::vector<booo::v1::Signal>& out);
absl::Status ExpensiveShare(const steps::Context& ctx, std::vector<booo::v1::Signal>& out);
absl::Status GooLivingAllowanceCeiling(const steps::Context& ctx,
                                       std::vector<booo::v1::Signal>& out);
void PersonRefsMissing(const steps::Context& ctx, std::vector<booo::v1::Signal>& out);
void TransitionCostsBeforeApproval(const steps::Context& ctx, std::vector<booo::v1::Signal>& out);
absl::Status NormUnknown(const steps::Context& ctx, std::vector<booo::v1::Signal>& out);

// GOO place-days per (year, month) by accommodation type, over the scope's declared days.
absl::StatusOr<std::map<std::pair<int32_t, int32_t>, booo::v1::AccommodationMixRow>> MonthlyMix(
    const steps::Context& ctx);

// The expensive accommodation types: hotels, holiday parks and ships. Stcrt. 2022, 27515
// (explanation to art. I A, repeated in the M&O analysis BooO 2024, A6) names them together as
// the "duurdere accommodatietypes" the exception clause is for ("in het bijzonder hotels,
// vakantieparken en schepen"); the cost study and the 2023 memo name only hotels and ships, and
// give no figure that sets holiday parks apart, so the regulation's own words decide.
inline absl::int128 ExpensivePlaceDays(const booo::v1::AccommodationMixRow& row) {
  return absl::int128(row.hotel_place_days()) + row.holiday_park_place_days() +
         row.ship_place_days();
}

using steps::FirstDayOfMonth;
using steps::LastDayOfYear;

}  // namespace booo::replay::controls

#endif  // BOOO_REPLAY_CONTROLS_CONTROLS_INTERNAL_H_
