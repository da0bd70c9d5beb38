// ledgerctl report rules: every norm over time as a step chart, and every value as a table row.
#include <algorithm>
#include <limits>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "ledger/core/civil_date.h"
#include "replay/calc/rule_timeline.h"
#include "tools/reports/html.h"
#include "tools/reports/page_assets.h"
#include "tools/reports/report_pages.h"
#include "tools/reports/svg_chart.h"

namespace booo::reports {
namespace {

constexpr int64_t kOpen = std::numeric_limits<int64_t>::max();

int64_t FirstDay(const booo::v1::ParameterValue& v) { return ledger::ToEpochDays(v.valid_from()); }
int64_t LastDay(const booo::v1::ParameterValue& v) {
  return v.has_valid_to() ? ledger::ToEpochDays(v.valid_to()) : kOpen;
}
int64_t Published(const RecordedAmendment& a) {
  return ledger::ToEpochDays(a.amendment.publication_date());
}
std::string Day(int64_t day) {
  return day == kOpen ? "open-ended" : ledger::FormatDate(ledger::FromEpochDays(day));
}

// Amounts and counts are drawn; flags and dates are only listed.
bool Drawable(const booo::v1::ParameterValue& v) {
  return v.has_amount_cents() || v.value_case() == booo::v1::ParameterValue::kCount;
}
int64_t Magnitude(const booo::v1::ParameterValue& v) {
  return v.has_amount_cents() ? v.amount_cents() : v.count();
}
std::string ValueFor(const booo::v1::ParameterValue& v) {
  return v.has_amount_cents() ? DutchEuros(v.amount_cents()) : replay::ValueText(v);
}
std::string ValueHtml(const booo::v1::ParameterValue& v) {
  return v.has_amount_cents() ? AmountSpan(v.amount_cents()) : Escape(replay::ValueText(v));
}

std::string Citation(const RecordedAmendment& a) {
  return a.amendment.citation().reference().empty() ? a.event_id
                                                    : a.amendment.citation().reference();
}

std::string StepChart(const std::string& parameter, const std::vector<RuleStep>& steps,
                      const std::vector<const RecordedAmendment*>& touching, int64_t axis_first,
                      int64_t axis_last, int index) {
  constexpr double kLeft = 90, kWidth = 760, kTop = 20, kHeight = 170, kBottom = 44;
  int64_t top = 1;
  for (const RuleStep& s : steps) top = std::max(top, Magnitude(*s.value));
  const std::vector<int64_t> ticks = RoundTicks(0, top, 3);
  const LinearScale x{static_cast<double>(axis_first), static_cast<double>(axis_last + 1), kLeft,
                      kLeft + kWidth};
  const LinearScale y{0, static_cast<double>(ticks.back()), kTop + kHeight, kTop};
  const std::string id = absl::StrCat("rule-", index);
  std::string svg = SvgOpen(id, kLeft + kWidth + 20, kTop + kHeight + kBottom, id + "-caption");
  const bool euros = steps.front().value->has_amount_cents();
  for (int64_t t : ticks) {
    std::string label = euros ? DutchEuros(t) : absl::StrCat(t);
    absl::StrAppend(&svg, SvgLine(kLeft, y(t), kLeft + kWidth, y(t), "gridline"),
                    SvgText(kLeft - 6, y(t) + 4, label, "axis", "end"));
  }
  // Year boundaries on the time axis.
  const int first_year = ledger::FromEpochDays(axis_first).year();
  const int last_year = ledger::FromEpochDays(axis_last).year();
  for (int year = first_year; year <= last_year + 1; ++year) {
    const int64_t day = ledger::ToEpochDays(ledger::MakeDate(year, 1, 1));
    if (day < axis_first || day > axis_last + 1) continue;
    absl::StrAppend(&svg, SvgLine(x(day), kTop, x(day), kTop + kHeight + 4, "axis"));
    if (x(day) + 30 < kLeft + kWidth) {
      absl::StrAppend(&svg, SvgText(x(day) + 3, kTop + kHeight + 16, absl::StrCat(year), "axis"));
    }
  }
  // The steps: each run of days with one value, titled with the instrument that set it.
  for (const RuleStep& s : steps) {
    const int64_t last = std::min(s.last_day, axis_last);
    if (last < axis_first) continue;
    const double x1 = x(std::max(s.first_day, axis_first)), x2 = x(last + 1), h = y(Magnitude(*s.value));
    const std::string title = absl::StrCat(
        parameter, " = ", ValueFor(*s.value), " from ", Day(s.first_day), " to ",
        Day(s.last_day), ", set by ", Citation(*s.set_by), " (published ",
        ledger::FormatDate(s.set_by->amendment.publication_date()), ", event #",
        s.set_by->sequence, ")", s.retroactive ? "; retroactive: published after these days began" : "");
    if (s.retroactive) {
      absl::StrAppend(&svg, SvgRect(x1, h, x2 - x1, kTop + kHeight - h, "retroactive", title));
    }
    absl::StrAppend(&svg, SvgLine(x1, h, x2, h, "step-line", title));
  }
  for (size_t i = 1; i < steps.size(); ++i) {
    if (steps[i].first_day != steps[i - 1].last_day + 1 || steps[i].first_day <= axis_first) continue;
    absl::StrAppend(&svg, SvgLine(x(steps[i].first_day), y(Magnitude(*steps[i - 1].value)),
                                  x(steps[i].first_day), y(Magnitude(*steps[i].value)),
                                  "step-line"));
  }
  // Publication dates: when each amendment touching this parameter became known.
  for (const RecordedAmendment* a : touching) {
    const int64_t day = std::clamp(Published(*a), axis_first, axis_last);
    // Retroactive when it gave days before its publication a new value (a restatement of the
    // value already in force does not count).
    bool retroactive = false;
    for (const RuleStep& s : steps) retroactive = retroactive || (s.set_by == a && s.retroactive);
    absl::StrAppend(
        &svg,
        SvgLine(x(day), kTop - 6, x(day), kTop + kHeight,
                retroactive ? "publication-marker retroactive" : "publication-marker",
                absl::StrCat("published ", ledger::FormatDate(a->amendment.publication_date()),
                             ": ", Citation(*a), " (event #", a->sequence, ")",
                             retroactive ? "; retroactive: it changed days before its publication" : "")));
  }
  absl::StrAppend(&svg, "</svg>");
  return svg;
}

std::string ValuesTable(const RulesReport& report) {
  std::string out = SortableTableOpen(
      "rule-values", "Every value every amendment sets, in ledger order.",
      {{"Event", "number"}, {"Published", "text"}, {"Instrument", "text"}, {"Parameter", "text"},
       {"From", "text"}, {"To", "text"}, {"Value", "text"}, {"Reaches back", "text"}});
  for (const RecordedAmendment& a : report.amendments) {
    const std::string published = ledger::FormatDate(a.amendment.publication_date());
    const std::string& url = a.amendment.citation().url();
    const std::string instrument =
        url.empty() ? Escape(Citation(a))
                    : absl::StrCat("<a href=\"", Escape(url), "\">", Escape(Citation(a)), "</a>");
    for (const auto& v : a.amendment.values()) {
      const bool retroactive = Published(a) > FirstDay(v);
      absl::StrAppend(
          &out, "<tr><td class=\"num\" data-value=\"", a.sequence, "\">", a.sequence,
          "</td><td data-value=\"", published, "\">", published, "</td><td data-value=\"",
          Escape(Citation(a)), "\">", instrument, "</td><th scope=\"row\" data-value=\"",
          Escape(v.parameter()), "\">", Escape(v.parameter()), "</th><td data-value=\"",
          Day(FirstDay(v)), "\">", Day(FirstDay(v)), "</td><td data-value=\"", Day(LastDay(v)),
          "\">", Day(LastDay(v)), "</td><td class=\"num\" data-value=\"",
          Escape(replay::ValueText(v)), "\">", ValueHtml(v), "</td><td data-value=\"",
          retroactive ? "yes" : "no", "\">", retroactive ? "yes" : "no", "</td></tr>\n");
    }
  }
  absl::StrAppend(&out, "</tbody>\n</table>\n");
  return out;
}

}  // namespace

std::vector<RuleStep> RuleSteps(const std::vector<RecordedAmendment>& amendments,
                                const std::string& parameter) {
  // Application order: publication date, then ledger sequence (rule_timeline.h).
  std::vector<const RecordedAmendment*> order;
  for (const RecordedAmendment& a : amendments) order.push_back(&a);
  std::stable_sort(order.begin(), order.end(), [](const auto* a, const auto* b) {
    return std::make_pair(Published(*a), a->sequence) < std::make_pair(Published(*b), b->sequence);
  });
  // Cut the days at every boundary any value of this parameter has, and at publication dates;
  // in each piece the value applied last wins.
  std::set<int64_t> cuts;
  for (const auto* a : order) {
    for (const auto& v : a->amendment.values()) {
      if (v.parameter() != parameter) continue;
      cuts.insert(FirstDay(v));
      if (LastDay(v) != kOpen) cuts.insert(LastDay(v) + 1);
      // Days before a publication were set retroactively, the days from it on were not.
      if (Published(*a) > FirstDay(v) && Published(*a) <= LastDay(v)) cuts.insert(Published(*a));
    }
  }
  std::vector<RuleStep> steps;
  for (auto it = cuts.begin(); it != cuts.end(); ++it) {
    const int64_t first = *it;
    const int64_t last = std::next(it) == cuts.end() ? kOpen : *std::next(it) - 1;
    RuleStep step{first, last, nullptr, nullptr, false};
    for (const auto* a : order) {
      for (const auto& v : a->amendment.values()) {
        if (v.parameter() != parameter || FirstDay(v) > first || LastDay(v) < first) continue;
        // A restatement of the value in force does not set it: the instrument that first gave
        // this value to these days does (TraceRuleValue.set_by).
        if (step.value == nullptr || !replay::SameValue(*step.value, v)) step.set_by = a;
        step.value = &v;
      }
    }
    if (step.value == nullptr) continue;
    step.retroactive = Published(*step.set_by) > first;
    // One step per run of one value from one instrument.
    if (!steps.empty() && steps.back().last_day + 1 == first && steps.back().set_by == step.set_by &&
        replay::SameValue(*steps.back().value, *step.value) &&
        steps.back().retroactive == step.retroactive) {
      steps.back().last_day = last;
    } else {
      steps.push_back(step);
    }
  }
  return steps;
}

std::string RenderRulesPage(const RulesReport& report) {
  // The parameters, in the order they first appear, and the time axis all charts share.
  std::vector<std::string> parameters;
  int64_t axis_first = kOpen, axis_last = std::numeric_limits<int64_t>::min();
  for (const RecordedAmendment& a : report.amendments) {
    axis_last = std::max(axis_last, Published(a));
    for (const auto& v : a.amendment.values()) {
      if (std::find(parameters.begin(), parameters.end(), v.parameter()) == parameters.end()) {
        parameters.push_back(v.parameter());
      }
      axis_first = std::min(axis_first, FirstDay(v));
      axis_last = std::max(axis_last, FirstDay(v) + 180);  // an open-ended value shows a while
      if (LastDay(v) != kOpen) axis_last = std::max(axis_last, LastDay(v));
    }
  }
  // Values may reach back long before the first amendment (a default valid "since ever"): the
  // axis starts with the year of the first publication.
  int64_t first_published = kOpen;
  for (const RecordedAmendment& a : report.amendments) {
    first_published = std::min(first_published, Published(a));
  }
  const int first_year = ledger::FromEpochDays(first_published).year();
  axis_first = std::max(axis_first, ledger::ToEpochDays(ledger::MakeDate(first_year, 1, 1)));
  std::string charts;
  int index = 0;
  for (const std::string& parameter : parameters) {
    const std::vector<RuleStep> steps = RuleSteps(report.amendments, parameter);
    if (steps.empty() || !Drawable(*steps.front().value)) continue;
    std::vector<const RecordedAmendment*> touching;
    for (const RecordedAmendment& a : report.amendments) {
      for (const auto& v : a.amendment.values()) {
        if (v.parameter() == parameter) {
          touching.push_back(&a);
          break;
        }
      }
    }
    int retroactive = 0;
    for (const RuleStep& s : steps) retroactive += s.retroactive;
    absl::StrAppend(
        &charts, "<figure class=\"rule-chart\">\n<figcaption id=\"rule-", index, "-caption\"><strong>",
        Escape(parameter), "</strong>: ", steps.size(), " periods, set by ", touching.size(),
        " amendments", retroactive > 0 ? absl::StrCat("; ", retroactive, " set retroactively (shaded)") : "",
        ". Hover a step or a publication mark for its instrument.</figcaption>\n",
        StepChart(parameter, steps, touching, axis_first, axis_last, index), "\n</figure>\n");
    ++index;
  }
  PageParts page;
  page.title = "BooO rule timeline";
  page.css = kReportCss;
  page.body_attributes = " data-amounts=\"nl\"";
  page.body = absl::StrCat(
      "<header>\n<h1>BooO rule timeline</h1>\n<p>Each norm over time as the ledger's ",
      report.amendments.size(), " rule amendments set it (the first ", report.tree_size,
      " events). A later publication overrides an earlier one on the days it covers. Vertical "
      "marks are publication dates; a shaded step was set after its days had begun: a "
      "retroactive change. Source: ",
      Escape(report.source), ". Written ", Escape(report.generated_at),
      ".</p>\n", FormatToggleButton(), "</header>\n<main>\n<section aria-labelledby=\"charts-"
      "heading\">\n<h2 id=\"charts-heading\">Norms over time</h2>\n",
      charts,
      "</section>\n<section aria-labelledby=\"values-heading\">\n<h2 id=\"values-heading\">All "
      "values</h2>\n",
      ValuesTable(report), "</section>\n</main>\n");
  page.scripts = {{"report-script", kReportJs}};
  return Page(page);
}

}  // namespace booo::reports
