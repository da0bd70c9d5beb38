#include "replay/calc/rule_timeline.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "ledger/core/civil_date.h"
#include "replay/calc/money.h"

namespace booo::replay {

using ledger::ToEpochDays;

RuleTimeline::RuleTimeline(const std::vector<const FactRecord*>& amendments,
                           const FactRecord* applied_last) {
  std::vector<const FactRecord*> ordered = amendments;
  std::stable_sort(ordered.begin(), ordered.end(), [](const FactRecord* a, const FactRecord* b) {
    const int64_t pa = ToEpochDays(a->body->rule_amended().publication_date());
    const int64_t pb = ToEpochDays(b->body->rule_amended().publication_date());
    if (pa != pb) return pa < pb;
    return a->ref.sequence < b->ref.sequence;
  });
  if (applied_last != nullptr) ordered.push_back(applied_last);
  for (const FactRecord* record : ordered) {
    for (const booo::v1::ParameterValue& value : record->body->rule_amended().values()) {
      RuleEntry entry;
      entry.first_day = ToEpochDays(value.valid_from());
      entry.last_day = value.has_valid_to() ? ToEpochDays(value.valid_to()) : kOpenEnd;
      entry.value = value;
      entry.amendment = record;
      entries_[value.parameter()].push_back(std::move(entry));
    }
  }
}

const RuleEntry* RuleTimeline::ValueOn(absl::string_view parameter, int64_t day) const {
  auto it = entries_.find(parameter);
  if (it == entries_.end()) return nullptr;
  const std::vector<RuleEntry>& entries = it->second;
  for (auto e = entries.rbegin(); e != entries.rend(); ++e) {
    if (e->first_day <= day && day <= e->last_day) return &*e;
  }
  return nullptr;
}

std::vector<RuleTimeline::Segment> RuleTimeline::Segments(absl::string_view parameter,
                                                          int64_t first_day,
                                                          int64_t last_day) const {
  // Every day on which the entry in force can change, inside the range.
  std::vector<int64_t> starts = {first_day};
  if (auto it = entries_.find(parameter); it != entries_.end()) {
    for (const RuleEntry& e : it->second) {
      if (e.first_day > first_day && e.first_day <= last_day) starts.push_back(e.first_day);
      if (e.last_day != kOpenEnd && e.last_day >= first_day && e.last_day < last_day) {
        starts.push_back(e.last_day + 1);
      }
    }
  }
  std::sort(starts.begin(), starts.end());
  starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
  std::vector<Segment> segments;
  for (size_t i = 0; i < starts.size(); ++i) {
    const int64_t end = i + 1 < starts.size() ? starts[i + 1] - 1 : last_day;
    const RuleEntry* entry = ValueOn(parameter, starts[i]);
    if (!segments.empty() && segments.back().entry == entry) {
      segments.back().last_day = end;
    } else {
      segments.push_back(Segment{starts[i], end, entry});
    }
  }
  return segments;
}

bool RuleTimeline::FlagOn(absl::string_view parameter, int64_t day) const {
  const RuleEntry* entry = ValueOn(parameter, day);
  return entry != nullptr && entry->value.has_flag() && entry->value.flag();
}

std::string ValueText(const booo::v1::ParameterValue& value) {
  switch (value.value_case()) {
    case booo::v1::ParameterValue::kAmountCents:
      return FormatEuros(value.amount_cents());
    case booo::v1::ParameterValue::kFlag:
      return value.flag() ? "true" : "false";
    case booo::v1::ParameterValue::kDate:
      return ledger::FormatDate(value.date());
    case booo::v1::ParameterValue::kCount:
      return absl::StrCat(value.count());
    default:
      return "(none)";
  }
}

booo::v1::TraceRuleValue RuleUse(const RuleEntry& entry) {
  booo::v1::TraceRuleValue use;
  use.set_parameter(entry.value.parameter());
  use.set_value(ValueText(entry.value));
  *use.mutable_valid()->mutable_first_day() = entry.value.valid_from();
  if (entry.value.has_valid_to()) *use.mutable_valid()->mutable_last_day() = entry.value.valid_to();
  use.set_amendment_sequence(entry.amendment->ref.sequence);
  use.set_amendment_leaf_hash(entry.amendment->ref.leaf_hash.bytes());
  use.set_citation(entry.amendment->body->rule_amended().citation().reference());
  use.set_citation_url(entry.amendment->body->rule_amended().citation().url());
  return use;
}

}  // namespace booo::replay
