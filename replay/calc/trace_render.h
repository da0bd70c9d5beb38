// The trace for people and for spreadsheets. (For machines, the TraceNode message itself:
// its JSON mapping is what `ledgerctl grant --format json` prints.)
#ifndef BOOO_REPLAY_CALC_TRACE_RENDER_H_
#define BOOO_REPLAY_CALC_TRACE_RENDER_H_

#include <string>

#include "absl/strings/string_view.h"
#include "booo/v1/grants_service.pb.h"

namespace booo::replay {

// An indented tree: one line per node with its amount and label, then its formula, rule values
// (with amendment sequence and citation), sources (sequence and leaf hash) and notes. A node
// whose children were left out (GetGrantRequest.trace_depth) says how many, and the path to ask
// for them; `root_path` is the root's path when it is not a tree's root (trace_path).
std::string RenderTraceText(const booo::v1::TraceNode& root, absl::string_view root_path = "");

// CSV (RFC 4180), one line per leaf amount:
// path,amount_cents,amount,formula,rule_values,sources,notes
// rule_values: "parameter=value@sequence (citation)" joined by "; "; sources:
// "sequence:leaf-hash-hex:event-id" joined by "; ".
std::string RenderTraceCsv(const booo::v1::TraceNode& root);

// One CSV field (RFC 4180): quoted when it holds a comma, quote or line break.
std::string CsvField(const std::string& s);

}  // namespace booo::replay

#endif  // BOOO_REPLAY_CALC_TRACE_RENDER_H_
