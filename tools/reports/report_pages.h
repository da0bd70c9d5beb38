// The ministry's pictures: all municipalities' balances for a spending year as known on a date
// (a sortable table, a bar chart of grant against advances and repayments with the balance,
// the totals), and the rule timeline (each norm over time as a step chart, publication dates
// marked, citations on hover, retroactive changes set apart). Self-contained HTML, inline SVG.
#ifndef BOOO_TOOLS_REPORTS_REPORT_PAGES_H_
#define BOOO_TOOLS_REPORTS_REPORT_PAGES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "booo/v1/events.pb.h"
#include "booo/v1/grants_service.pb.h"

namespace booo::reports {

struct BalancesReport {
  booo::v1::ListBalancesResponse balances;
  int32_t spending_year = 0;  // 0: every year
  std::string known_on;       // "2024-12-31", or "" for the whole ledger
  std::string source;         // "ledgerd at …" or "export file …"
  std::string generated_at;
};
std::string RenderBalancesPage(const BalancesReport& report);

// One RuleAmended event as the ledger holds it.
struct RecordedAmendment {
  uint64_t sequence = 0;
  std::string event_id;
  std::string supersedes_event_id;
  booo::v1::RuleAmended amendment;
};
struct RulesReport {
  std::vector<RecordedAmendment> amendments;  // in ledger order; superseded ones are dropped
  uint64_t tree_size = 0;
  std::string source;
  std::string generated_at;
};
std::string RenderRulesPage(const RulesReport& report);

// The value of each parameter over time, as the ledger's amendments set it: amendments apply in
// order of (publication date, sequence) and a later one overrides an earlier one on the days it
// covers (replay/calc/rule_timeline.h). Days are days since 1970-01-01, inclusive.
struct RuleStep {
  int64_t first_day = 0;
  int64_t last_day = 0;                      // INT64_MAX: open-ended
  const booo::v1::ParameterValue* value = nullptr;
  // The amendment that first gave these days their value; a later restatement of the same
  // value does not count (as TraceRuleValue.set_by).
  const RecordedAmendment* set_by = nullptr;
  bool retroactive = false;  // published after first_day: the days were already past
};
std::vector<RuleStep> RuleSteps(const std::vector<RecordedAmendment>& amendments,
                                const std::string& parameter);

}  // namespace booo::reports

#endif  // BOOO_TOOLS_REPORTS_REPORT_PAGES_H_
