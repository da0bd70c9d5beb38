// Admission: may this signed event be appended at this position of the log? The one place where
// the trust rules live, shared by the server (on every append) and by the offline verifier (on
// every leaf), so both judge an event the same way. Pure: no I/O, no clock.
#ifndef BOOO_LEDGER_CORE_ADMISSION_H_
#define BOOO_LEDGER_CORE_ADMISSION_H_

#include <cstdint>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "booo/v1/events.pb.h"
#include "ledger/core/key_registry.h"

namespace booo::ledger {

struct AdmissionInput {
  const booo::v1::EventBody* body = nullptr;  // parsed and ValidateEventBody-checked
  absl::string_view body_bytes;               // exactly as signed
  absl::string_view signature;
  uint64_t sequence = 0;  // the position it would take
  // True when the caller already verified the signature against the same key's public key (a
  // key's public key never changes, so the result still holds).
  bool signature_verified = false;
  // The recorded-at time it would get (microseconds since the Unix epoch, UTC).
  int64_t recorded_at_micros = 0;
};

// Checks, in this order, each with its own code:
// - the log's first event must be the genesis and only the first (FAILED_PRECONDITION);
// - the signer key is known (NOT_FOUND, field signer_key_id);
// - the signature verifies (UNAUTHENTICATED, field signature);
// - the key is not revoked (PERMISSION_DENIED);
// - the key's role may sign this payload, and a municipality key only for its own
//   municipality (PERMISSION_DENIED);
// - its business date (BusinessDate) is not after the day it is recorded: facts are recorded
//   when they happen or later, never ahead. One day of slack covers the Dutch clock running
//   ahead of UTC (INVALID_ARGUMENT naming the date field);
// - key events obey the registry's state rules (KeyRegistry::CheckKeyEvent).
absl::Status AdmitEvent(const AdmissionInput& input, const KeyRegistry& keys);

// The signature rule alone: OK, INVALID_ARGUMENT for a malformed key or signature,
// UNAUTHENTICATED when it does not verify over `body_bytes`. Message names field "signature".
absl::Status CheckEventSignature(const booo::v1::EventBody& body, absl::string_view body_bytes,
                                 absl::string_view signature, absl::string_view public_key);

}  // namespace booo::ledger

#endif  // BOOO_LEDGER_CORE_ADMISSION_H_
