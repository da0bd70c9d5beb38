// What changes the sum of the categories: the exception clause (both directions), the
// accountant's findings less hardship re-admissions, the voluntary waiver and the reduction for
// late accountability.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "ledger/core/civil_date.h"
#include "replay/calc/calculation_steps.h"
#include "replay/calc/money.h"
#include "replay/calc/parameters.h"

namespace booo::replay::steps {
namespace {

using booo::v1::EventBody;
using ledger::ToEpochDays;

// The latest current fact of `kind` for the scope's spending year, or nullptr.
template <typename YearOf>
const FactRecord* LatestForYear(const Context& ctx, EventBody::PayloadCase kind, YearOf year_of) {
  const FactRecord* latest = nullptr;
  for (const FactRecord* f : ctx.Facts(kind)) {
    if (year_of(*f->body) == ctx.scope().year) latest = f;
  }
  return latest;
}

std::string KindText(booo::v1::FindingKind kind) {
  return kind == booo::v1::FINDING_KIND_FOUT ? "fout (error)" : "onzeker (uncertainty)";
}

absl::StatusOr<TraceNode> Findings(const Context& ctx, const FactRecord& report) {
  const auto& r = report.body->accountability_report_filed();
  TraceNode node = MakeNode("findings", "accountant's findings (fout / onzeker), excluded");
  AddSource(node, report);
  // The latest hardship decision per finding of this report re-admits all or part of it.
  std::map<std::string, const FactRecord*> hardship;
  for (const FactRecord* f : ctx.Facts(EventBody::kHardshipDecided)) {
    const auto& h = f->body->hardship_decided();
    if (Answers(report, h.report_event_id())) hardship[h.finding_id()] = f;
  }
  for (const auto& finding : r.findings()) {
    TraceNode fn = MakeNode(finding.finding_id(), absl::StrCat("finding ", finding.finding_id(),
                                                               ": ", finding.description()));
    TraceNode excluded =
        MakeLeaf("excluded", "excluded", -finding.amount_cents(),
                 absl::StrCat(KindText(finding.kind()), " of ", FormatEuros(finding.amount_cents()),
                              " in ", booo::v1::CostCategory_Name(finding.category()),
                              ", excluded = ", FormatEuros(-finding.amount_cents())));
    AddSource(excluded, report);
    *fn.add_children() = std::move(excluded);
    if (auto it = hardship.find(finding.finding_id()); it != hardship.end()) {
      const auto& h = it->second->body->hardship_decided();
      const int64_t readmitted = std::min(h.readmitted_cents(), finding.amount_cents());
      TraceNode leaf = MakeLeaf(
          "readmitted", "re-admitted by a hardship decision (onbillijkheid van overwegende aard)",
          readmitted,
          absl::StrCat("re-admitted by decision ", h.decision_reference(), " = ",
                       FormatEuros(readmitted)));
      if (h.readmitted_cents() > finding.amount_cents()) {
        leaf.add_notes(absl::StrCat("the decision re-admits ", FormatEuros(h.readmitted_cents()),
                                    ", more than the finding; capped at the finding"));
      }
      AddSource(leaf, *it->second);
      *fn.add_children() = std::move(leaf);
    }
    if (absl::StatusOr<int64_t> sum = SumChildren(fn); !sum.ok()) return sum.status();
    *node.add_children() = std::move(fn);
  }
  if (node.children().empty()) node.set_formula("no findings = €0.00");
  if (absl::StatusOr<int64_t> sum = SumChildren(node); !sum.ok()) return sum.status();
  return node;
}

TraceNode Waiver(const Context& ctx, const FactRecord& report) {
  const int64_t waiver = report.body->accountability_report_filed().voluntary_waiver_cents();
  const int64_t year_end = LastDayOfYear(ctx.scope().year);
  TraceNode leaf = MakeLeaf("waiver", "voluntary waiver in the accountability report", 0, "");
  AddSource(leaf, report);
  if (const RuleEntry* rule = ctx.rules().ValueOn(param::kVoluntaryWaiverAllowed, year_end)) {
    *leaf.add_rules() = ctx.rules().Use(*rule, year_end);
  }
  if (ctx.rules().FlagOn(param::kVoluntaryWaiverAllowed, year_end)) {
    leaf.set_amount_cents(-waiver);
    leaf.set_formula(
        absl::StrCat("budget given back: ", FormatEuros(waiver), " = ", FormatEuros(-waiver)));
  } else {
    leaf.set_formula(absl::StrCat("waiver of ", FormatEuros(waiver),
                                  " not possible for this spending year = €0.00"));
    leaf.add_notes("the rules allow no voluntary waiver for this spending year");
  }
  return leaf;
}

}  // namespace

absl::StatusOr<std::optional<TraceNode>> ExceptionClause(const Context& ctx,
                                                         int64_t norm_total_cents) {
  std::vector<const FactRecord*> claims;
  for (const FactRecord* f : ctx.Facts(EventBody::kExceptionClaimFiled)) {
    if (f->body->exception_claim_filed().spending_year() == ctx.scope().year) claims.push_back(f);
  }
  if (claims.empty()) return std::nullopt;
  // The latest decision on any of the year's claims (or on what a claim corrects).
  const FactRecord* decision = nullptr;
  const FactRecord* decided_claim = nullptr;
  for (const FactRecord* f : ctx.Facts(EventBody::kExceptionClaimDecided)) {
    for (const FactRecord* claim : claims) {
      if (Answers(*claim, f->body->exception_claim_decided().claim_event_id())) {
        decision = f;
        decided_claim = claim;
      }
    }
  }
  TraceNode leaf =
      MakeLeaf("exception_clause",
               "exception clause (art. 3 lid 2): actual costs instead of the norm", 0, "");
  if (decision == nullptr) {
    const FactRecord* claim = claims.back();
    AddSource(leaf, *claim);
    leaf.set_formula(absl::StrCat(
        "claim of ", FormatEuros(claim->body->exception_claim_filed().actual_total_cents()),
        " awaiting a decision: the norm-based amount stands = €0.00"));
    ctx.Flag("an exception claim awaits the ministry's decision");
    return leaf;
  }
  const auto& d = decision->body->exception_claim_decided();
  AddSource(leaf, *decided_claim);
  AddSource(leaf, *decision);
  const int64_t year_end = LastDayOfYear(ctx.scope().year);
  const RuleEntry* clause = ctx.rules().ValueOn(param::kExceptionClause, year_end);
  if (clause != nullptr) *leaf.add_rules() = ctx.rules().Use(*clause, year_end);
  const bool granted = d.outcome() != booo::v1::DECISION_OUTCOME_REJECTED;
  const std::string decided = absl::StrCat("decision ", d.decision_reference(), " of ",
                                           ledger::FormatDate(d.decision_date()));
  if (granted && !ctx.rules().FlagOn(param::kExceptionClause, year_end)) {
    // A granted claim without a clause to grant it under: say so, rather than leave category a
    // at the norm without a word.
    leaf.add_notes(absl::StrCat(decided, " granted actual costs, but no exception clause is known "
                                "for ", ctx.scope().year, " at this ledger point"));
    ctx.Flag(absl::StrCat("an exception claim was granted (", decided,
                          ") but no exception clause is known for the year at this ledger point"));
  } else if (granted && clause != nullptr) {
    // The clause is known now; was it when the decision was taken?
    const booo::v1::TraceRuleValue use = ctx.rules().Use(*clause, year_end);
    if (!use.set_by().empty() && ledger::CompareDates(d.decision_date(),
                                                      use.set_by(0).publication_date()) < 0) {
      leaf.add_notes(absl::StrCat(decided, " precedes the publication of the exception clause (",
                                  use.set_by(0).citation(), ", ",
                                  ledger::FormatDate(use.set_by(0).publication_date()), ")"));
      ctx.Flag(absl::StrCat("an exception claim was decided (", decided,
                            ") before the exception clause was published"));
    }
  }
  if (d.outcome() == booo::v1::DECISION_OUTCOME_REJECTED) {
    leaf.set_formula(absl::StrCat("claim rejected by decision ", d.decision_reference(),
                                  ": the norm-based amount stands = €0.00"));
  } else if (!ctx.scope().WholeYear()) {
    leaf.set_formula("granted for the whole spending year; not applied to a partial scope = €0.00");
    leaf.add_notes("the exception clause replaces a whole year's category-a total");
  } else if (!ctx.rules().FlagOn(param::kExceptionClause, year_end)) {
    leaf.set_formula("the exception clause is not available for this year = €0.00");
  } else {
    const int64_t accepted = d.accepted_total_cents();
    absl::StatusOr<int64_t> deviation =
        CheckedAdd(accepted, -norm_total_cents, "a.exception_clause");
    if (!deviation.ok()) return deviation.status();
    leaf.set_amount_cents(*deviation);
    leaf.set_formula(absl::StrCat("actual category-a costs accepted ", FormatEuros(accepted),
                                  " (decision ", d.decision_reference(), ") − norm-based amount ",
                                  FormatEuros(norm_total_cents), " = ", FormatEuros(*deviation),
                                  " (deviation ",
                                  FormatDeviationPercent(accepted, norm_total_cents), ")"));
  }
  return leaf;
}

absl::StatusOr<std::vector<TraceNode>> Adjustments(const Context& ctx) {
  std::vector<TraceNode> out;
  const int32_t year = ctx.scope().year;
  const FactRecord* report = LatestForYear(
      ctx, EventBody::kAccountabilityReportFiled,
      [](const EventBody& b) { return b.accountability_report_filed().spending_year(); });
  const FactRecord* late = LatestForYear(
      ctx, EventBody::kLateAccountabilityDecided,
      [](const EventBody& b) { return b.late_accountability_decided().spending_year(); });
  if (report == nullptr && late == nullptr) return out;
  if (!ctx.scope().WholeYear()) {
    ctx.Flag(
        "findings, waiver and late-accountability decisions concern the whole spending "
        "year and are not applied to a partial scope");
    return out;
  }
  if (report != nullptr) {
    absl::StatusOr<TraceNode> findings = Findings(ctx, *report);
    if (!findings.ok()) return findings.status();
    out.push_back(*std::move(findings));
    if (report->body->accountability_report_filed().voluntary_waiver_cents() > 0) {
      out.push_back(Waiver(ctx, *report));
    }
  }
  const RuleEntry* deadline =
      ctx.rules().ValueOn(param::kAccountabilityDeadline, LastDayOfYear(year));
  const bool report_late = report != nullptr && deadline != nullptr && deadline->value.has_date() &&
                           report->first_business_day > ToEpochDays(deadline->value.date());
  if (report_late) {
    ctx.Flag(absl::StrCat("late accountability: received ",
                          ledger::FormatDate(ledger::FromEpochDays(report->first_business_day)),
                          ", after the deadline ", ledger::FormatDate(deadline->value.date())));
  }
  if (late != nullptr || report_late) {
    TraceNode leaf =
        MakeLeaf("late", "late accountability", 0, "late; no lower amount decided (yet) = €0.00");
    if (deadline != nullptr) *leaf.add_rules() = ctx.rules().Use(*deadline, LastDayOfYear(year));
    if (report_late) leaf.add_notes("the accountability arrived after its deadline");
    if (late != nullptr) {
      const auto& d = late->body->late_accountability_decided();
      leaf.set_amount_cents(-d.reduction_cents());
      leaf.set_formula(absl::StrCat("lower amount set by decision ", d.decision_reference(), ": ",
                                    FormatEuros(-d.reduction_cents())));
      AddSource(leaf, *late);
    }
    out.push_back(std::move(leaf));
  }
  return out;
}

}  // namespace booo::replay::steps
