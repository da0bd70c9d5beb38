// The grant's payload rules: the field checks of every event the BooO ledger carries besides
// the key events (declarations, claims, decisions, payments, rule amendments, budget lines):
// dates and ranges, amounts and counts within limits, enums set, a citizen service number
// never accepted as a person reference, the housing component only in private reception, a
// determination's trace digest. Injected into the ledger and the offline verifier
// (ledger/core/payload_rules.h). Stateless and thread-safe.
#ifndef BOOO_REPLAY_CALC_GRANT_PAYLOAD_RULES_H_
#define BOOO_REPLAY_CALC_GRANT_PAYLOAD_RULES_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "ledger/core/payload_rules.h"

namespace booo::replay {

// A spending year of the scheme: kFirstSpendingYear up to the last year a civil date holds.
// INVALID_ARGUMENT naming `field` otherwise. The one check of a year, for events and queries.
absl::Status CheckSpendingYear(int32_t year, absl::string_view field);

class GrantPayloadRules final : public ledger::PayloadRules {
 public:
  absl::Status Check(const booo::v1::EventBody& body) const override;
};

}  // namespace booo::replay

#endif  // BOOO_REPLAY_CALC_GRANT_PAYLOAD_RULES_H_
