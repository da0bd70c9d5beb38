// AdmissionPolicy: domain rules that need the ledger's history, judged by a layer above the
// log. The ledger knows signatures, keys, streams and corrections; whether an event is
// acceptable in the light of earlier events of its kind (a rule amendment that lowers a norm
// retroactively) is decided by the projection that understands those events (replay/), and the
// ledger only asks. Keeping the interface here keeps replay/ depending on ledger/, not the other
// way round.
//
// The same policy is asked by the server on every append and by the offline verifier on every
// leaf, so both judge a history the same way.
#ifndef BOOO_LEDGER_CORE_ADMISSION_POLICY_H_
#define BOOO_LEDGER_CORE_ADMISSION_POLICY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "booo/v1/events.pb.h"

namespace booo::ledger {

struct PolicyEvent {
  booo::v1::EventBody body;  // parsed and validated
  uint64_t sequence = 0;
  int64_t recorded_at_micros = 0;
};

// Thread safety: the ledger calls Check and Commit from one thread at a time (its writer, or
// Open before the writer starts); implementations need no locking of their own for that.
class AdmissionPolicy {
 public:
  virtual ~AdmissionPolicy() = default;
  // The streams whose events the policy judges; it never sees other events.
  virtual std::vector<std::string> Streams() const = 0;
  // May `event` follow every committed event and then `pending` (admitted before it in the
  // same group commit, not yet durable, in order)? OK, or the refusal with its code and a
  // message naming the field.
  virtual absl::Status Check(const PolicyEvent& event,
                             absl::Span<const PolicyEvent> pending) const = 0;
  // Records an event that is now durable, in log order.
  virtual void Commit(const PolicyEvent& event) = 0;
};

}  // namespace booo::ledger

#endif  // BOOO_LEDGER_CORE_ADMISSION_POLICY_H_
