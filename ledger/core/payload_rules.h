// The field rules of the payloads a ledger carries for its domain, beyond what the ledger itself
// checks of every body (the envelope, the key events, and the stream, signer role and
// municipality code a payload's declaration implies: ledger/core/payload_table.h). They are
// injected, as the AdmissionPolicy is, into the Ledger (LedgerOptions) and the offline verifier
// (VerifyOptions), so that ledger/ knows nothing of the grant; the grant's are
// replay/calc/grant_payload_rules.h. Without them a ledger admits no domain payload.
#ifndef BOOO_LEDGER_CORE_PAYLOAD_RULES_H_
#define BOOO_LEDGER_CORE_PAYLOAD_RULES_H_

#include "absl/status/status.h"
#include "booo/v1/events.pb.h"

namespace booo::ledger {

class PayloadRules {
 public:
  virtual ~PayloadRules() = default;
  // Called for a body whose envelope is valid and whose payload is not a key event. OK, or
  // INVALID_ARGUMENT naming the field ("goo_places_declared.period: ..."), or OUT_OF_RANGE for
  // an amount over the limit. Stateless and thread-safe: it judges the body alone.
  virtual absl::Status Check(const booo::v1::EventBody& body) const = 0;
};

}  // namespace booo::ledger

#endif  // BOOO_LEDGER_CORE_PAYLOAD_RULES_H_
