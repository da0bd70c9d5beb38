#include "replay/calc/rule_timeline.h"

#include <algorithm>
#include <functional>

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

bool SameValue(const booo::v1::ParameterValue& a, const booo::v1::ParameterValue& b) {
  if (a.value_case() != b.value_case()) return false;
  switch (a.value_case()) {
    case booo::v1::ParameterValue::kAmountCents:
      return a.amount_cents() == b.amount_cents();
    case booo::v1::ParameterValue::kFlag:
      return a.flag() == b.flag();
    case booo::v1::ParameterValue::kDate:
      return ToEpochDays(a.date()) == ToEpochDays(b.date());
    case booo::v1::ParameterValue::kCount:
      return a.count() == b.count();
    default:
      return true;
  }
}

namespace {

void SetDays(booo::v1::DateRange& range, int64_t first, int64_t last) {
  *range.mutable_first_day() = ledger::FromEpochDays(first);
  if (last != kOpenEnd) *range.mutable_last_day() = ledger::FromEpochDays(last);
}

}  // namespace

booo::v1::TraceRuleValue RuleTimeline::Use(const RuleEntry& entry, int64_t first_day,
                                           int64_t last_day) const {
  booo::v1::TraceRuleValue use;
  use.set_parameter(entry.value.parameter());
  use.set_value(ValueText(entry.value));
  *use.mutable_valid()->mutable_first_day() = entry.value.valid_from();
  if (entry.value.has_valid_to()) *use.mutable_valid()->mutable_last_day() = entry.value.valid_to();
  use.set_amendment_sequence(entry.amendment->ref.sequence);
  use.set_amendment_leaf_hash(entry.amendment->ref.leaf_hash.bytes());
  use.set_citation(entry.amendment->body->rule_amended().citation().reference());
  use.set_citation_url(entry.amendment->body->rule_amended().citation().url());
  use.set_source(entry.value.source());

  // The entries of this parameter in application order, and `entry`'s place among them.
  auto it = entries_.find(entry.value.parameter());
  if (it == entries_.end()) return use;
  const std::vector<RuleEntry>& entries = it->second;
  const std::less<const RuleEntry*> before;  // a total order, also for unrelated pointers
  if (before(&entry, entries.data()) || !before(&entry, entries.data() + entries.size())) {
    return use;
  }
  const size_t index = static_cast<size_t>(&entry - entries.data());
  const int64_t first = std::max(first_day, entry.first_day);
  const int64_t last = std::min(last_day, entry.last_day);
  if (first > last) return use;

  // The origin can change only where an earlier entry begins or ends: cut [first, last] there.
  std::vector<int64_t> starts = {first};
  for (size_t j = 0; j < index; ++j) {
    const RuleEntry& e = entries[j];
    if (e.first_day > first && e.first_day <= last) starts.push_back(e.first_day);
    if (e.last_day != kOpenEnd && e.last_day >= first && e.last_day < last) {
      starts.push_back(e.last_day + 1);
    }
  }
  std::sort(starts.begin(), starts.end());
  starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
  const RuleEntry* previous_origin = nullptr;
  for (size_t k = 0; k < starts.size(); ++k) {
    const int64_t piece_first = starts[k];
    const int64_t piece_last = k + 1 < starts.size() ? starts[k + 1] - 1 : last;
    // Walk back through the earlier entries that cover the piece: the value stood unchanged
    // since the earliest of an unbroken run of equal values.
    const RuleEntry* origin = &entry;
    for (size_t j = index; j-- > 0;) {
      const RuleEntry& e = entries[j];
      if (e.first_day > piece_first || e.last_day < piece_first) continue;
      if (!SameValue(e.value, entry.value)) break;
      origin = &e;
    }
    if (origin == previous_origin) {
      booo::v1::RuleOrigin& run = *use.mutable_set_by(use.set_by_size() - 1);
      run.mutable_days()->clear_last_day();
      SetDays(*run.mutable_days(), ToEpochDays(run.days().first_day()), piece_last);
      continue;
    }
    previous_origin = origin;
    booo::v1::RuleOrigin& run = *use.add_set_by();
    SetDays(*run.mutable_days(), piece_first, piece_last);
    const booo::v1::RuleAmended& amendment = origin->amendment->body->rule_amended();
    run.set_amendment_sequence(origin->amendment->ref.sequence);
    run.set_amendment_leaf_hash(origin->amendment->ref.leaf_hash.bytes());
    run.set_citation(amendment.citation().reference());
    run.set_citation_url(amendment.citation().url());
    *run.mutable_publication_date() = amendment.publication_date();
    run.set_source(origin->value.source());
  }
  return use;
}

}  // namespace booo::replay
