// The rule timeline: "the value of parameter P on valid day d", from the rule amendments a
// query sees. Amendments apply in order of (publication date, ledger sequence): the law that
// is published later wins on the days it covers, whatever order the history was recorded in.
#ifndef BOOO_REPLAY_CALC_RULE_TIMELINE_H_
#define BOOO_REPLAY_CALC_RULE_TIMELINE_H_

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "booo/v1/events.pb.h"
#include "booo/v1/grants_service.pb.h"
#include "replay/calc/facts.h"

namespace booo::replay {

inline constexpr int64_t kOpenEnd = std::numeric_limits<int64_t>::max();

// One dated value, as one amendment set it. Days are days since 1970-01-01, both inclusive.
struct RuleEntry {
  int64_t first_day = 0;
  int64_t last_day = kOpenEnd;
  booo::v1::ParameterValue value;
  const FactRecord* amendment = nullptr;  // the RuleAmended event (outlives the timeline)
};

class RuleTimeline {
 public:
  RuleTimeline() = default;
  // `amendments`: the current RuleAmended records a query sees (see SelectCurrent).
  // `applied_last`, when given, applies after all of them whatever its publication date: a
  // proposal being simulated overrides the rules in force on the days it covers.
  explicit RuleTimeline(const std::vector<const FactRecord*>& amendments,
                        const FactRecord* applied_last = nullptr);

  // The entry in force for `parameter` on `day`, or nullptr when none is known.
  const RuleEntry* ValueOn(absl::string_view parameter, int64_t day) const;

  // [first_day, last_day] cut into maximal runs with one entry in force (nullptr: none).
  struct Segment {
    int64_t first_day;
    int64_t last_day;
    const RuleEntry* entry;
  };
  std::vector<Segment> Segments(absl::string_view parameter, int64_t first_day,
                                int64_t last_day) const;

  // A flag parameter on a day: its value, or false when none is known.
  bool FlagOn(absl::string_view parameter, int64_t day) const;

  // The trace's record of `entry` (one of this timeline's) used for the days
  // [first_day, last_day] (clipped to the entry's own days): the amendment it was read from,
  // its source text, and per run of those days the amendment that first set the value (see
  // TraceRuleValue.set_by).
  booo::v1::TraceRuleValue Use(const RuleEntry& entry, int64_t first_day, int64_t last_day) const;
  booo::v1::TraceRuleValue Use(const RuleEntry& entry, int64_t day) const {
    return Use(entry, day, day);
  }

 private:
  // Per parameter, in application order (later overrides earlier).
  absl::flat_hash_map<std::string, std::vector<RuleEntry>> entries_;
};

// For people: "€83.00", "true", "2024-07-15", "12".
std::string ValueText(const booo::v1::ParameterValue& value);
// The same value: same kind and same amount, flag, date or count.
bool SameValue(const booo::v1::ParameterValue& a, const booo::v1::ParameterValue& b);

}  // namespace booo::replay

#endif  // BOOO_REPLAY_CALC_RULE_TIMELINE_H_
