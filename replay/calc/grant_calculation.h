// The grant calculation: a pure function from the rule timeline and one municipality's facts to
// the grant for one spending year (or a valid-time scope inside it), with its trace. No I/O, no
// clock: the same inputs give the same trace, byte for byte.
//
// It applies the scheme's steps in order (see README.md in this folder for each rule, its
// ranges and its rounding):
//   a   GOO norm per realised place-day, split at every rate change and spending-period edge;
//       replaced by the accepted actual costs under a granted exception claim
//   GOO living allowance at actual cost, from the day the rules say so
//   b   POO living allowance and housing component at actual cost
//   c/d POO norm per person-month with a provision
//   e   transition costs approved by a decision, allocated by its method
//   then the accountant's findings (less hardship re-admissions), the voluntary waiver and a
//   reduction for late accountability; the settlement nets advances and voluntary repayments.
#ifndef BOOO_REPLAY_CALC_GRANT_CALCULATION_H_
#define BOOO_REPLAY_CALC_GRANT_CALCULATION_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "booo/v1/grants_service.pb.h"
#include "replay/calc/facts.h"
#include "replay/calc/rule_timeline.h"

namespace booo::replay {

// The scheme's first spending year (it covers days from 1 March 2022 on). Later years are open:
// a rule book says which norms are known for them.
inline constexpr int32_t kFirstSpendingYear = 2022;

// The valid-time scope: days since 1970-01-01, both inclusive, inside one spending year.
struct Scope {
  int32_t year = 0;
  int64_t first_day = 0;
  int64_t last_day = 0;
  bool WholeYear() const;
  static Scope Year(int32_t year);
};

struct GrantInput {
  std::string municipality_code;
  Scope scope;
  const RuleTimeline* rules = nullptr;
  // The municipality's current facts (SelectCurrent of its stream), in log order.
  std::vector<const FactRecord*> facts;
  // Owns what `facts` point into when the caller parsed them for this query (may be null).
  std::shared_ptr<const void> keep_alive;
};

struct GrantComputation {
  booo::v1::TraceNode trace;       // root "grant": the computed grant
  booo::v1::TraceNode settlement;  // root "settlement": the balance
  booo::v1::TraceNode vat_fund;    // root "vat_fund": the VAT compensation fund contribution
  int64_t computed_grant_cents = 0;
  const FactRecord* determination = nullptr;  // the current GrantDetermined for the year
  int64_t grant_cents = 0;                    // determined, else computed
  int64_t advances_cents = 0;
  int64_t repayments_cents = 0;
  int64_t net_paid_cents = 0;
  int64_t balance_cents = 0;
  int64_t vat_fund_cents = 0;
  std::vector<std::string> flags;
  // Owns what `determination` points into (GrantInput::keep_alive, passed on).
  std::shared_ptr<const void> keep_alive;
};

// OUT_OF_RANGE when an amount overflows int64 cents; INVALID_ARGUMENT for a scope outside its
// year. Digests are filled on all three trees.
absl::StatusOr<GrantComputation> ComputeGrant(const GrantInput& input);

}  // namespace booo::replay

#endif  // BOOO_REPLAY_CALC_GRANT_CALCULATION_H_
