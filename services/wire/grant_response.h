// The wire side of a grant: a GrantComputation as the Grants service's messages, the trace
// selection a request asks for, and the request checks every query shares.
#ifndef BOOO_SERVICES_WIRE_GRANT_RESPONSE_H_
#define BOOO_SERVICES_WIRE_GRANT_RESPONSE_H_

#include <memory>
#include <set>
#include <string>

#include "absl/status/status.h"
#include "booo/v1/grants_service.pb.h"
#include "replay/calc/facts.h"
#include "replay/calc/grant_calculation.h"

namespace booo::wire {

booo::v1::BalanceDirection DirectionOf(int64_t balance_cents);
booo::v1::Determination ToDetermination(const replay::FactRecord& determination);
booo::v1::GetGrantResponse ToGetGrantResponse(const std::string& code, const replay::Scope& scope,
                                              replay::GrantComputation computation);
booo::v1::BalanceRow ToBalanceRow(const std::string& code, int32_t year,
                                  const replay::GrantComputation& computation);
booo::v1::BalanceRow ToBalanceRow(const booo::v1::GetGrantResponse& grant);

// A grant answer's three traces, held apart from the rest of the answer so that a cached
// answer can be served without copying megabytes of trace the request did not ask for.
// A GetGrantResponse in wire form: `bytes` followed by `tail`. Protobuf reads a concatenation
// of two serialized messages as one message with the fields of both, so a cached answer's
// bytes are shared between requests and only the fields that differ per request (tree_size,
// known_at) are serialized anew into the tail.
struct SerializedGrant {
  std::shared_ptr<const std::string> bytes;
  std::string tail;
};

struct GrantTraces {
  booo::v1::TraceNode trace;
  booo::v1::TraceNode settlement;
  booo::v1::TraceNode vat_fund;
};
// Moves the traces out of `answer` (which keeps everything else).
GrantTraces TakeTraces(booo::v1::GetGrantResponse& answer);
// Puts into `answer` the part of `traces` the request selects (GetGrantRequest.trace_depth and
// trace_path): copies of the selected nodes, children kept to the depth asked. NOT_FOUND
// naming trace_path when the grant's trace has no such node.
absl::Status SelectTraces(const GrantTraces& traces, const booo::v1::GetGrantRequest& request,
                          booo::v1::GetGrantResponse& answer);

// Request checks shared by every query: INVALID_ARGUMENT naming the field. An empty code or a
// zero year passes when not `required` (a filter left unset).
absl::Status CheckCode(const std::string& code, bool required);
absl::Status CheckYear(int32_t year, bool required, absl::string_view field);

// Sums rows with checked arithmetic (OUT_OF_RANGE on overflow).
class BalanceTotalsBuilder {
 public:
  absl::Status Add(const booo::v1::BalanceRow& row);
  booo::v1::BalanceTotals Build() const { return totals_; }

 private:
  booo::v1::BalanceTotals totals_;
  std::set<std::string> municipalities_;
};

}  // namespace booo::wire

#endif  // BOOO_SERVICES_WIRE_GRANT_RESPONSE_H_
