// RuleGuard: the admission rules for rule amendments that need the rule history. The ledger
// asks it about every event of the "rules" stream (ledger/admission_policy.h), on append and in
// the offline verifier.
//
// - Every value names a parameter of the catalogue (parameters.h) with the value kind it
//   takes (INVALID_ARGUMENT naming the value).
// - The guarantee of the scheme: a norm is never revised downward with retroactive effect. An
//   amendment that sets a norm, for a day before its own publication date, below the value the
//   rules already in the ledger give that day is refused (FAILED_PRECONDITION). Raising a
//   norm retroactively, or setting one where none was known (the €210 POO norm of
//   October 2022, valid from March), is allowed.
#ifndef BOOO_REPLAY_RULE_GUARD_H_
#define BOOO_REPLAY_RULE_GUARD_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "ledger/admission_policy.h"
#include "replay/facts.h"
#include "replay/rule_timeline.h"

namespace booo::replay {

// The catalogue check alone.
absl::Status CheckParameters(const booo::v1::RuleAmended& amendment);
// The guarantee alone, against the rules as `known` gives them.
absl::Status CheckNoRetroactiveLowering(const RuleTimeline& known,
                                        const booo::v1::RuleAmended& amendment);

class RuleGuard : public ledger::AdmissionPolicy {
 public:
  std::vector<std::string> Streams() const override { return {"rules"}; }
  absl::Status Check(const ledger::PolicyEvent& event,
                     absl::Span<const ledger::PolicyEvent> pending) const override;
  void Commit(const ledger::PolicyEvent& event) override;

 private:
  StreamRecords rules_;
};

}  // namespace booo::replay

#endif  // BOOO_REPLAY_RULE_GUARD_H_
