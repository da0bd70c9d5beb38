// The trace: a tree of amounts, each with its formula, the rule values it used and the events it
// came from (booo.v1.TraceNode). Invariant: a node with children carries the exact sum of its
// children, so the leaves always add up to the root.
//
// Every node has a digest over its canonical encoding (TRACE_FORMAT.md) that includes its
// children's digests, so the root digest pins the whole derivation: two replays of the same
// ledger give the same bytes, on any machine, after any restart.
#ifndef BOOO_REPLAY_CALC_TRACE_H_
#define BOOO_REPLAY_CALC_TRACE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "booo/v1/grants_service.pb.h"
#include "replay/calc/facts.h"

namespace booo::replay {

using booo::v1::TraceNode;

// A key as a node carries it: '%' and '/' percent-escaped, so keys join into paths with '/'.
std::string EscapeKey(absl::string_view key);
TraceNode MakeNode(absl::string_view key, absl::string_view label);
TraceNode MakeLeaf(absl::string_view key, absl::string_view label, int64_t amount_cents,
                   absl::string_view formula);
void AddSource(TraceNode& node, const FactRecord& fact);

// Sets the amount of `node` to the sum of its children (OUT_OF_RANGE on overflow) and returns
// it. Leaves are left as they are.
absl::StatusOr<int64_t> SumChildren(TraceNode& node);

// Fills the digest of every node, bottom-up; returns the root's (32 raw bytes).
std::string ComputeDigests(TraceNode& root);
// The canonical encoding of one node (children by their digests, which must be filled).
std::string CanonicalEncoding(const TraceNode& node);

// OK when every node with children carries their sum; INTERNAL naming the path otherwise.
absl::Status CheckSums(const TraceNode& root);

// The nodes down to `max_depth` (root = 0), as path, amount and digest; digests must be filled.
std::vector<booo::v1::TraceNodeDigest> Summarize(const TraceNode& root, int max_depth);

// The node at `path` ("grant/a/norm"), or nullptr.
const TraceNode* FindNode(const TraceNode& root, absl::string_view path);

}  // namespace booo::replay

#endif  // BOOO_REPLAY_CALC_TRACE_H_
