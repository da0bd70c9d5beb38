// Signal building, the per-municipality orchestration and the cross-municipality rule.
#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "ledger/core/civil_date.h"
#include "ledger/core/event_validation.h"
#include "replay/controls/controls_internal.h"
#include "replay/calc/money.h"

namespace booo::replay {
namespace controls {

booo::v1::Signal MakeSignal(absl::string_view rule, booo::v1::Severity severity,
                            const std::string& code, int32_t year, int64_t first_day,
                            int64_t last_day, std::string message) {
  booo::v1::Signal s;
  s.set_rule(std::string(rule));
  s.set_severity(severity);
  s.set_municipality_code(code);
  s.set_spending_year(year);
  *s.mutable_period()->mutable_first_day() = ledger::FromEpochDays(first_day);
  *s.mutable_period()->mutable_last_day() = ledger::FromEpochDays(last_day);
  s.set_message(std::move(message));
  return s;
}

std::string FigureText(int64_t value, absl::string_view unit) {
  if (unit == "cents") return FormatEuros(value);
  if (unit == "date") return ledger::FormatDate(ledger::FromEpochDays(value));
  if (unit == "basis-points") {
    return absl::StrFormat("%d.%02d %%", value / 100, std::abs(value % 100));
  }
  return absl::StrCat(FormatCount(value), " ", unit);
}

void AddFigure(booo::v1::Signal& signal, absl::string_view name, int64_t value,
               absl::string_view unit) {
  booo::v1::SignalFigure* f = signal.add_figures();
  f->set_name(std::string(name));
  if (unit == "date") {
    // The wire carries a date figure as YYYYMMDD (controls_service.proto).
    const booo::v1::CivilDate d = ledger::FromEpochDays(value);
    f->set_value(int64_t{d.year()} * 10000 + d.month() * 100 + d.day());
  } else {
    f->set_value(value);
  }
  f->set_unit(std::string(unit));
  f->set_text(FigureText(value, unit));
}

void AddSource(booo::v1::Signal& signal, const FactRecord& fact) {
  for (const auto& existing : signal.sources()) {
    if (existing.sequence() == fact.ref.sequence) return;
  }
  booo::v1::TraceSource* source = signal.add_sources();
  source->set_sequence(fact.ref.sequence);
  source->set_leaf_hash(fact.ref.leaf_hash.bytes());
  source->set_event_id(fact.ref.event_id);
  source->set_kind(ledger::PayloadName(*fact.body));
}

void AddRule(booo::v1::Signal& signal, const RuleTimeline& rules, const RuleEntry* entry) {
  if (entry == nullptr) return;
  // The days the signal concerns, where the value covers them. A deadline signal's days (from
  // the deadline to the day judged) lie after the spending year the value is for: then the
  // value's day nearest to them, its last (the year's end, the day the deadline was looked up).
  const int64_t signal_first = ledger::ToEpochDays(signal.period().first_day());
  const int64_t signal_last = ledger::ToEpochDays(signal.period().last_day());
  const int64_t first = std::max(signal_first, entry->first_day);
  const int64_t last = std::min(signal_last, entry->last_day);
  if (first <= last) {
    *signal.add_rules() = rules.Use(*entry, first, last);
  } else {
    *signal.add_rules() =
        rules.Use(*entry, signal_first > entry->last_day ? entry->last_day : entry->first_day);
  }
}

}  // namespace controls

absl::StatusOr<std::vector<booo::v1::Signal>> MunicipalitySignals(const ControlInput& input) {
  std::vector<std::string> unused_flags;
  const steps::Context ctx{input.grant_input, unused_flags};
  std::vector<booo::v1::Signal> out;
  if (absl::Status s = controls::AllowanceCeilings(ctx, out); !s.ok()) return s;
  if (absl::Status s = controls::Capacity(ctx, out); !s.ok()) return s;
  if (absl::Status s = controls::CostPerPlaceDay(ctx, out); !s.ok()) return s;
  if (absl::Status s = controls::TransitionCostDeclarations(ctx, *input.grant, out); !s.ok()) {
    return s;
  }
  controls::Deadlines(ctx, input.as_of_day, out);
  if (absl::Status s = controls::AdvancesAgainstGrant(ctx, *input.grant, out); !s.ok()) return s;
  if (absl::Status s = controls::ExpensiveShare(ctx, out); !s.ok()) return s;
  if (absl::Status s = controls::GooLivingAllowanceCeiling(ctx, out); !s.ok()) return s;
  controls::PersonRefsMissing(ctx, out);
  controls::TransitionCostsBeforeApproval(ctx, out);
  if (absl::Status s = controls::NormUnknown(ctx, out); !s.ok()) return s;
  return out;
}

std::vector<booo::v1::Signal> DoubleCountingSignals(
    const std::map<std::string, std::vector<const FactRecord*>>& facts_by_code, int32_t year) {
  // person reference + month -> the municipalities (and their declarations) that count it.
  std::map<std::pair<std::string, int32_t>, std::map<std::string, const FactRecord*>> counted;
  for (const auto& [code, facts] : facts_by_code) {
    // The latest declaration per month (by business day, then sequence) is the one that counts.
    std::map<int32_t, const FactRecord*> latest;
    std::vector<const FactRecord*> ordered;
    for (const FactRecord* f : facts) {
      if (f->body->has_poo_person_months_declared() &&
          f->body->poo_person_months_declared().month().year() == year) {
        ordered.push_back(f);
      }
    }
    std::stable_sort(ordered.begin(), ordered.end(), [](const FactRecord* a, const FactRecord* b) {
      return std::pair(a->ref.business_day, a->ref.sequence) <
             std::pair(b->ref.business_day, b->ref.sequence);
    });
    for (const FactRecord* f : ordered)
      latest[f->body->poo_person_months_declared().month().month()] = f;
    for (const auto& [month, f] : latest) {
      for (const std::string& ref : f->body->poo_person_months_declared().person_refs()) {
        counted[{ref, month}][code] = f;
      }
    }
  }
  // (month, code, other code) -> shared persons and the two declarations.
  struct Shared {
    int64_t persons = 0;
    const FactRecord* mine = nullptr;
    const FactRecord* theirs = nullptr;
  };
  std::map<std::tuple<int32_t, std::string, std::string>, Shared> shared;
  for (const auto& [key, codes] : counted) {
    if (codes.size() < 2) continue;
    for (const auto& [code, mine] : codes) {
      for (const auto& [other, theirs] : codes) {
        if (other == code) continue;
        Shared& s = shared[{key.second, code, other}];
        ++s.persons;
        s.mine = mine;
        s.theirs = theirs;
      }
    }
  }
  std::vector<booo::v1::Signal> out;
  for (const auto& [key, s] : shared) {
    const auto& [month, code, other] = key;
    const int64_t first = controls::FirstDayOfMonth(year, month);
    const int64_t last = first + ledger::DaysInMonth(year, month) - 1;
    booo::v1::Signal signal = controls::MakeSignal(
        "person_counted_twice", booo::v1::SEVERITY_HIGH, code, year, first, last,
        absl::StrFormat("%d %s declared by %s for %04d-%02d %s also declared by %s for the same "
                        "month: a person-month counts once.",
                        s.persons, s.persons == 1 ? "person" : "persons", code, year, month,
                        s.persons == 1 ? "is" : "are", other));
    controls::AddFigure(signal, "persons counted by both", s.persons, "persons");
    controls::AddSource(signal, *s.mine);
    controls::AddSource(signal, *s.theirs);
    out.push_back(std::move(signal));
  }
  return out;
}

}  // namespace booo::replay
