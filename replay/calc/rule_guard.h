// RuleGuard: the admission rules for rule amendments that need the rule history. The ledger
// asks it about every event of the "rules" stream (ledger/core/admission_policy.h), on append and in
// the offline verifier.
//
// - Every value names a parameter of the catalogue (parameters.h) with the value kind it
//   takes (INVALID_ARGUMENT naming the value).
// - The guarantee of the scheme: a norm is never revised downward with retroactive effect. An
//   amendment (or a correction of one) that leaves a norm, on a day before its own publication
//   date, lower than the rules already in the ledger give that day, or without a value, is
//   refused (FAILED_PRECONDITION). Raising a norm retroactively, or setting one where none was
//   known (the €210 POO norm of October 2022, valid from March), is allowed.
#ifndef BOOO_REPLAY_CALC_RULE_GUARD_H_
#define BOOO_REPLAY_CALC_RULE_GUARD_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "ledger/core/admission_policy.h"
#include "replay/calc/facts.h"
#include "replay/calc/rule_timeline.h"

namespace booo::replay {

// The catalogue check alone.
absl::Status CheckParameters(const booo::v1::RuleAmended& amendment);
// The guarantee alone: `event` (a RuleAmended) takes the rules from `before` to `after`; on no
// day before its publication date may a norm that `before` knows be lower, or gone, in `after`.
// Comparing whole timelines, not just the event's own values, covers a correction that takes
// out the amendment it corrects, and history recorded out of publication order.
absl::Status CheckNoRetroactiveLowering(const RuleTimeline& before, const RuleTimeline& after,
                                        const booo::v1::EventBody& event);

// The guarantee over a history: `rules` holds every amendment (the added one at index `added`).
// Taking the amendments in publication order (then sequence), the added one's step, and every
// later-published step after it, must pass CheckNoRetroactiveLowering, judged with the rules
// published up to that step. So an amendment is judged against what was in force when it was
// published, whatever order history is recorded in, and recording an old amendment late cannot
// turn a later one into a retroactive lowering (FAILED_PRECONDITION naming that amendment).
absl::Status CheckRuleHistory(const StreamRecords& rules, size_t added);

class RuleGuard : public ledger::AdmissionPolicy {
 public:
  std::vector<std::string> Streams() const override { return {"rules"}; }
  const StreamRecords& rules() const { return rules_; }
  absl::Status Check(const ledger::PolicyEvent& event,
                     absl::Span<const ledger::PolicyEvent> pending) const override;
  void Commit(const ledger::PolicyEvent& event) override;

 private:
  StreamRecords rules_;
};

}  // namespace booo::replay

#endif  // BOOO_REPLAY_CALC_RULE_GUARD_H_
