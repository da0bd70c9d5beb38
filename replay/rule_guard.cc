#include "replay/rule_guard.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "ledger/civil_date.h"
#include "replay/calculation_steps.h"
#include "replay/money.h"
#include "replay/parameters.h"

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

absl::Status CheckNoRetroactiveLowering(const RuleTimeline& known,
                                        const booo::v1::RuleAmended& amendment) {
  const int64_t published = ledger::ToEpochDays(amendment.publication_date());
  for (int i = 0; i < amendment.values_size(); ++i) {
    const ParameterValue& value = amendment.values(i);
    const ParameterSpec* spec = FindParameter(value.parameter());
    if (spec == nullptr || !spec->is_norm || !value.has_amount_cents()) continue;
    const int64_t first = ledger::ToEpochDays(value.valid_from());
    const int64_t last = std::min(
        value.has_valid_to() ? ledger::ToEpochDays(value.valid_to()) : kOpenEnd, published - 1);
    if (first > last) continue;  // nothing before its publication
    for (const auto& segment : known.Segments(value.parameter(), first, last)) {
      if (segment.entry == nullptr) continue;
      const int64_t before = segment.entry->value.amount_cents();
      if (value.amount_cents() < before) {
        return absl::FailedPreconditionError(absl::StrCat(
            "rule_amended.values[", i, "]: lowers ", value.parameter(), " from ",
            FormatEuros(before), " to ", FormatEuros(value.amount_cents()), " for ",
            steps::RangeText(segment.first_day, segment.last_day),
            ", before the amendment's publication date ",
            ledger::FormatDate(amendment.publication_date()),
            "; a norm is never revised downward with retroactive effect"));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status RuleGuard::Check(const ledger::PolicyEvent& event,
                              absl::Span<const ledger::PolicyEvent> pending) const {
  if (!event.body.has_rule_amended()) return absl::OkStatus();
  const booo::v1::RuleAmended& amendment = event.body.rule_amended();
  if (absl::Status s = CheckParameters(amendment); !s.ok()) return s;
  // The rules as the ledger will hold them just before this event, corrections applied; the
  // event itself, if a correction, does not yet replace what it corrects.
  StreamRecords known = rules_;
  for (const ledger::PolicyEvent& p : pending) {
    if (p.body.has_rule_amended()) known.Add(EventRef{p.sequence, p.recorded_at_micros, "",
                                                      p.body.event_id(), 0},
                                             p.body);
  }
  const KnownAt everything{event.sequence, std::nullopt};
  const RuleTimeline timeline(SelectCurrent(known.records(), everything));
  return CheckNoRetroactiveLowering(timeline, amendment);
}

void RuleGuard::Commit(const ledger::PolicyEvent& event) {
  if (!event.body.has_rule_amended()) return;
  rules_.Add(EventRef{event.sequence, event.recorded_at_micros, "", event.body.event_id(), 0},
             event.body);
}

}  // namespace booo::replay
