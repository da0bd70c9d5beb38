#include "replay/calc/rule_guard.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "ledger/core/civil_date.h"
#include "replay/calc/calculation_steps.h"
#include "replay/calc/money.h"
#include "replay/calc/parameters.h"

namespace booo::replay {
namespace {

using booo::v1::ParameterValue;

std::string KindName(ParameterValue::ValueCase kind) {
  switch (kind) {
    case ParameterValue::kAmountCents:
      return "amount_cents";
    case ParameterValue::kFlag:
      return "flag";
    case ParameterValue::kDate:
      return "date";
    case ParameterValue::kCount:
      return "count";
    default:
      return "(none)";
  }
}

}  // namespace

absl::Status CheckParameters(const booo::v1::RuleAmended& amendment) {
  for (int i = 0; i < amendment.values_size(); ++i) {
    const ParameterValue& value = amendment.values(i);
    const std::string field = absl::StrCat("rule_amended.values[", i, "]");
    const ParameterSpec* spec = FindParameter(value.parameter());
    if (spec == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ".parameter: unknown parameter \"", value.parameter(),
          "\"; the calculation reads only the parameters listed in replay/rulebook/README.md"));
    }
    if (value.value_case() != spec->kind) {
      return absl::InvalidArgumentError(absl::StrCat(field, ": ", spec->name, " takes ",
                                                     KindName(spec->kind), ", not ",
                                                     KindName(value.value_case())));
    }
  }
  return absl::OkStatus();
}

namespace {

// The field to blame for a change on `day`: the value of the amendment that sets the parameter
// there, or the correction's supersedes_event_id when the amendment no longer sets it at all.
std::string FieldFor(const booo::v1::EventBody& event, absl::string_view parameter, int64_t day) {
  const auto& values = event.rule_amended().values();
  for (int i = values.size() - 1; i >= 0; --i) {
    const ParameterValue& v = values[i];
    if (v.parameter() != parameter) continue;
    const int64_t last = v.has_valid_to() ? ledger::ToEpochDays(v.valid_to()) : kOpenEnd;
    if (ledger::ToEpochDays(v.valid_from()) <= day && day <= last) {
      return absl::StrCat("rule_amended.values[", i, "]");
    }
  }
  return event.supersedes_event_id().empty() ? "rule_amended" : "supersedes_event_id";
}

}  // namespace

absl::Status CheckNoRetroactiveLowering(const RuleTimeline& before, const RuleTimeline& after,
                                        const booo::v1::EventBody& event) {
  const booo::v1::CivilDate& published = event.rule_amended().publication_date();
  booo::v1::CivilDate first_day;
  first_day.set_year(ledger::kMinYear);
  first_day.set_month(1);
  first_day.set_day(1);
  const int64_t first = ledger::ToEpochDays(first_day);
  const int64_t last = ledger::ToEpochDays(published) - 1;
  if (first > last) return absl::OkStatus();
  for (const ParameterSpec& spec : ParameterCatalogue()) {
    if (!spec.is_norm) continue;
    for (const auto& was : before.Segments(spec.name, first, last)) {
      if (was.entry == nullptr) continue;
      const int64_t old_cents = was.entry->value.amount_cents();
      for (const auto& now : after.Segments(spec.name, was.first_day, was.last_day)) {
        if (now.entry != nullptr && now.entry->value.amount_cents() >= old_cents) continue;
        const std::string change =
            now.entry == nullptr
                ? absl::StrCat("removes ", spec.name, " (", FormatEuros(old_cents), ")")
                : absl::StrCat("lowers ", spec.name, " from ", FormatEuros(old_cents), " to ",
                               FormatEuros(now.entry->value.amount_cents()));
        return absl::FailedPreconditionError(absl::StrCat(
            FieldFor(event, spec.name, now.first_day), ": ", change, " for ",
            steps::RangeText(now.first_day, now.last_day),
            ", before the amendment's publication date ", ledger::FormatDate(published),
            "; a norm is never revised downward with retroactive effect"));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status CheckRuleHistory(const StreamRecords& rules, size_t added) {
  const std::vector<FactRecord>& records = rules.records();
  // The amendments in the order the law took effect: publication date, then ledger sequence.
  std::vector<size_t> order(records.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  auto published = [&](size_t i) {
    return ledger::ToEpochDays(records[i].body->rule_amended().publication_date());
  };
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (published(a) != published(b)) return published(a) < published(b);
    return records[a].ref.sequence < records[b].ref.sequence;
  });
  std::vector<size_t> rank(records.size());
  for (size_t k = 0; k < order.size(); ++k) rank[order[k]] = k;
  // The added amendment's own step, and every later-published step it now precedes: each must
  // leave every norm, on the days before its publication, at least where it was.
  for (size_t k = rank[added]; k < order.size(); ++k) {
    const RuleTimeline before(SelectCurrentIf(records, [&](size_t i) { return rank[i] < k; }));
    const RuleTimeline after(SelectCurrentIf(records, [&](size_t i) { return rank[i] <= k; }));
    const FactRecord& step = records[order[k]];
    absl::Status status = CheckNoRetroactiveLowering(before, after, *step.body);
    if (status.ok()) continue;
    if (order[k] == added) return status;
    return absl::FailedPreconditionError(
        absl::StrCat("rule_amended.publication_date: with this amendment in its place (published ",
                     ledger::FormatDate(records[added].body->rule_amended().publication_date()),
                     "), the later amendment ", step.ref.event_id, " (published ",
                     ledger::FormatDate(step.body->rule_amended().publication_date()),
                     ") would revise a norm downward with retroactive effect: ", status.message()));
  }
  return absl::OkStatus();
}

absl::Status RuleGuard::Check(const ledger::PolicyEvent& event,
                              absl::Span<const ledger::PolicyEvent> pending) const {
  if (!event.body.has_rule_amended()) return absl::OkStatus();
  if (absl::Status s = CheckParameters(event.body.rule_amended()); !s.ok()) return s;
  // The rules as the ledger would hold them with this event (the same group's earlier events
  // included).
  StreamRecords rules = rules_;
  for (const ledger::PolicyEvent& p : pending) {
    if (p.body.has_rule_amended()) {
      rules.Add(EventRef{p.sequence, p.recorded_at_micros, "", p.body.event_id(), 0}, p.body);
    }
  }
  rules.Add(EventRef{event.sequence, event.recorded_at_micros, "", event.body.event_id(), 0},
            event.body);
  return CheckRuleHistory(rules, rules.records().size() - 1);
}

void RuleGuard::Commit(const ledger::PolicyEvent& event) {
  if (!event.body.has_rule_amended()) return;
  rules_.Add(EventRef{event.sequence, event.recorded_at_micros, "", event.body.event_id(), 0},
             event.body);
}

}  // namespace booo::replay
