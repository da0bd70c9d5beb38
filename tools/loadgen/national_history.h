// A deterministic, realistic history of the whole scheme for load and benchmarks: every
// municipality, its reception locations with accommodation types and capacities, place
// declarations (daily by default) and corrections, monthly private-reception declarations and
// living allowances, advances and their applications, transition-cost requests and decisions,
// exception claims and decisions, accountability reports with findings, determinations and
// voluntary repayments, from March 2022 to March 2026. The same seed gives the same events, byte
// for byte; every event is meant to pass the ledger's validation and admission.
#ifndef BOOO_TOOLS_LOADGEN_NATIONAL_HISTORY_H_
#define BOOO_TOOLS_LOADGEN_NATIONAL_HISTORY_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "booo/v1/events.pb.h"

namespace booo::loadgen {

struct HistoryOptions {
  uint64_t seed = 1;
  int municipalities = 342;
  int locations = 2000;
  booo::v1::CivilDate first_day;  // default 2022-03-01
  booo::v1::CivilDate last_day;   // default 2026-03-31
  // Place declarations cover this many days each (1: daily, the realistic ~3 million events).
  int days_per_declaration = 1;
  // Nothing is dated after this day (accountability, determinations and repayments run on past
  // last_day): the ledger refuses facts dated after the day it records them. Default: the
  // generator's own end, last_day + 640 days.
  booo::v1::CivilDate end_day;
};

// Who signs an event: the ministry, or municipality number `municipality` (0-based).
struct PlannedEvent {
  booo::v1::EventBody body;  // event id, stream and payload set; signer filled by the writer
  int municipality = -1;     // -1: the ministry
  // The generator's day (days since 1970-01-01). Events of one day never refer to each other,
  // so a writer may append them concurrently; what they refer to came on an earlier day.
  int64_t day = 0;
};

// "GM" + 4 digits for municipality i (0-based); distinct for i < 9999.
std::string MunicipalityCode(int i);

// Calls `emit` with every event in an order the ledger accepts (by business date; what an event
// refers to always comes first). Stops at the first error `emit` returns.
absl::Status GenerateHistory(const HistoryOptions& options,
                             const std::function<absl::Status(PlannedEvent)>& emit);

}  // namespace booo::loadgen

#endif  // BOOO_TOOLS_LOADGEN_NATIONAL_HISTORY_H_
