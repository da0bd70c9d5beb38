// The pages' C++ half: Dutch amounts at their boundaries, escaping, the embedded evidence, the
// rule timeline's steps (overrides, retroactivity) and the charts' scales. The scripts are
// tested in a real browser (tests/browser/).
#include <limits>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/core/civil_date.h"
#include "tools/reports/dossier_page.h"
#include "tools/reports/html.h"
#include "tools/reports/report_pages.h"
#include "tools/reports/svg_chart.h"

namespace booo::reports {
namespace {

using ::testing::HasSubstr;

TEST(DutchEuros, Boundaries) {
  EXPECT_EQ(DutchEuros(0), "€ 0,00");
  EXPECT_EQ(DutchEuros(1), "€ 0,01");
  EXPECT_EQ(DutchEuros(-1), "−€ 0,01");
  EXPECT_EQ(DutchEuros(99), "€ 0,99");
  EXPECT_EQ(DutchEuros(100), "€ 1,00");
  EXPECT_EQ(DutchEuros(99999), "€ 999,99");
  EXPECT_EQ(DutchEuros(100000), "€ 1.000,00");
  EXPECT_EQ(DutchEuros(123456789), "€ 1.234.567,89");
  EXPECT_EQ(DutchEuros(-1200000), "−€ 12.000,00");
  EXPECT_EQ(DutchEuros(std::numeric_limits<int64_t>::max()), "€ 92.233.720.368.547.758,07");
  EXPECT_EQ(DutchEuros(std::numeric_limits<int64_t>::min()), "−€ 92.233.720.368.547.758,08");
  EXPECT_EQ(AmountSpan(-5), "<span class=\"amount\" data-cents=\"-5\">−€ 0,05</span>");
}

TEST(Html, EscapesTextAndScriptData) {
  EXPECT_EQ(Escape("<a href=\"x\">&'</a>"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
  EXPECT_EQ(JsonForScript(R"({"a":"</script><!--<b>&"})"),
            R"({"a":"\u003c/script\u003e\u003c!--\u003cb\u003e\u0026"})");
  EXPECT_EQ(JsonForScript("\"\xE2\x80\xA8\""), "\"\\u2028\"");
  PageParts parts;
  parts.title = "t<";
  parts.body = "<p>x</p>";
  const std::string page = Page(parts);
  EXPECT_THAT(page, HasSubstr("<title>t&lt;</title>"));
  EXPECT_THAT(page, HasSubstr("default-src 'none'"));  // nothing may be fetched
  EXPECT_THAT(page, HasSubstr("<html lang=\"en\">"));
}

TEST(Svg, RoundTicksCoverTheRange) {
  EXPECT_EQ(RoundTicks(0, 100, 4), (std::vector<int64_t>{0, 50, 100}));
  const std::vector<int64_t> ticks = RoundTicks(0, 386004659, 4);
  ASSERT_GE(ticks.size(), 3u);
  EXPECT_EQ(ticks.front(), 0);
  EXPECT_GE(ticks.back(), 386004659);
  EXPECT_EQ(ticks[1] - ticks[0], 100000000);  // 1, 2 or 5 times a power of ten
  EXPECT_TRUE(RoundTicks(5, 4, 3).empty());
  const LinearScale x{0, 10, 100, 200};
  EXPECT_DOUBLE_EQ(x(5), 150);
}

booo::v1::ParameterValue Amount(const std::string& parameter, int from_y, int from_m,
                                int from_d, int64_t cents) {
  booo::v1::ParameterValue v;
  v.set_parameter(parameter);
  *v.mutable_valid_from() = ledger::MakeDate(from_y, from_m, from_d);
  v.set_amount_cents(cents);
  return v;
}

RecordedAmendment Amendment(uint64_t sequence, int py, int pm, int pd,
                            std::vector<booo::v1::ParameterValue> values) {
  RecordedAmendment a;
  a.sequence = sequence;
  a.event_id = "a" + std::to_string(sequence);
  *a.amendment.mutable_publication_date() = ledger::MakeDate(py, pm, pd);
  a.amendment.mutable_citation()->set_reference("Stcrt. " + std::to_string(sequence));
  for (auto& v : values) *a.amendment.add_values() = v;
  return a;
}

TEST(RuleSteps, LaterPublicationOverridesAndRetroactivityIsMarked) {
  // €100 from 1 Mar 2022 (published 1 Apr 2022: retroactive); €83 from 15 Oct 2022 published
  // 14 Oct 2022 (not retroactive); a raise to €90 for 2022-10-15.. published in 2023, recorded
  // before the €83 amendment in the ledger: publication order decides, not ledger order.
  auto v100 = Amount("norm", 2022, 3, 1, 10000);
  auto v83 = Amount("norm", 2022, 10, 15, 8300);
  auto v90 = Amount("norm", 2022, 10, 15, 9000);
  *v90.mutable_valid_to() = ledger::MakeDate(2022, 12, 31);
  std::vector<RecordedAmendment> amendments = {Amendment(1, 2022, 4, 1, {v100}),
                                               Amendment(2, 2023, 1, 10, {v90}),
                                               Amendment(3, 2022, 10, 14, {v83})};
  const std::vector<RuleStep> steps = RuleSteps(amendments, "norm");
  ASSERT_EQ(steps.size(), 4u);
  // 1 Mar .. 31 Mar 2022: €100, set before publication: retroactive; then €100 not retroactive.
  EXPECT_EQ(steps[0].value->amount_cents(), 10000);
  EXPECT_TRUE(steps[0].retroactive);
  EXPECT_EQ(ledger::FormatDate(ledger::FromEpochDays(steps[0].last_day)), "2022-03-31");
  EXPECT_FALSE(steps[1].retroactive);
  EXPECT_EQ(ledger::FormatDate(ledger::FromEpochDays(steps[1].last_day)), "2022-10-14");
  // 15 Oct .. 31 Dec 2022: the €90 raise published in 2023 wins, retroactively.
  EXPECT_EQ(steps[2].value->amount_cents(), 9000);
  EXPECT_EQ(steps[2].set_by->sequence, 2u);
  EXPECT_TRUE(steps[2].retroactive);
  EXPECT_EQ(ledger::FormatDate(ledger::FromEpochDays(steps[2].first_day)), "2022-10-15");
  EXPECT_EQ(ledger::FormatDate(ledger::FromEpochDays(steps[2].last_day)), "2022-12-31");
  // From 1 Jan 2023 the €83 value (open-ended) is in force again.
  EXPECT_EQ(steps[3].value->amount_cents(), 8300);
  EXPECT_EQ(steps[3].last_day, std::numeric_limits<int64_t>::max());
  EXPECT_FALSE(steps[3].retroactive);

  // A re-setting published in 2023 that restates €83 from 15 Oct 2022 changes nothing: the
  // days keep the instrument that set the value, and are not retroactive.
  std::vector<RecordedAmendment> restated = amendments;
  restated.push_back(Amendment(4, 2023, 10, 19, {v83}));
  const std::vector<RuleStep> same = RuleSteps(restated, "norm");
  ASSERT_EQ(same.size(), 4u);
  EXPECT_EQ(same[3].set_by->sequence, 3u);
  EXPECT_FALSE(same[3].retroactive);

  RulesReport report{amendments, 10, "test", "2026-12-06T00:00:00Z"};
  const std::string page = RenderRulesPage(report);
  EXPECT_THAT(page, HasSubstr("class=\"rule-chart\""));
  EXPECT_THAT(page, HasSubstr("publication-marker retroactive"));
  EXPECT_THAT(page, HasSubstr("<title>published 2023-01-10: Stcrt. 2 (event #2)"));
  EXPECT_THAT(page, HasSubstr("€ 90,00"));
}

TEST(BalancesPage, TableChartAndTotals) {
  BalancesReport report;
  report.spending_year = 2022;
  report.known_on = "2024-12-31";
  auto* row = report.balances.add_rows();
  row->set_municipality_code("GM0363");
  row->set_spending_year(2022);
  row->set_computed_grant_cents(386004659);
  row->set_advances_cents(200000000);
  row->set_repayments_cents(1000000);
  row->set_balance_cents(187004659);
  report.balances.mutable_totals()->set_municipalities(1);
  const std::string page = RenderBalancesPage(report);
  EXPECT_THAT(page, HasSubstr("<table id=\"balances\" class=\"sortable\">"));
  EXPECT_THAT(page, HasSubstr("<svg id=\"balances-chart\""));
  EXPECT_THAT(page, HasSubstr("id=\"totals\""));
  EXPECT_THAT(page, HasSubstr("data-cents=\"187004659\">€ 1.870.046,59</span>"));
  EXPECT_THAT(page, HasSubstr("GM0363 2022: grant € 3.860.046,59 (computed, not determined)"));
  EXPECT_THAT(page, HasSubstr("as known on 2024-12-31"));
}

TEST(Dossier, CitationsAndEvidence) {
  DossierInput input;
  auto& s = input.settlement;
  s.set_verdict(booo::v1::SETTLEMENT_VERDICT_MATCH);
  s.set_municipality_code("GM0363");
  s.set_spending_year(2022);
  s.mutable_determination()->set_sequence(58);
  s.mutable_determination()->set_amount_cents(-7);
  auto* trace = s.mutable_replayed_trace();
  trace->set_key("grant");
  auto* child = trace->add_children();
  child->set_key("a");
  child->add_sources()->set_sequence(17);
  auto* rule = child->add_rules();
  rule->set_parameter("norm");
  rule->set_amendment_sequence(9);
  rule->set_amendment_leaf_hash(std::string(32, 'h'));
  auto* origin = rule->add_set_by();
  origin->set_amendment_sequence(4);
  origin->set_amendment_leaf_hash(std::string(32, 'o'));
  child->add_rules()->set_parameter("no_amendment");  // cites nothing
  const auto why = TraceCitations(*trace);
  ASSERT_EQ(why.size(), 3u);
  EXPECT_EQ(why.at(17), std::vector<std::string>{"source of grant/a"});
  EXPECT_EQ(why.at(9), std::vector<std::string>{"rule norm read from"});
  EXPECT_EQ(why.at(4), std::vector<std::string>{"rule norm set by"});

  input.events[17].event.set_sequence(17);
  input.events[17].event.set_body(std::string("\x0a\x02</", 4));
  input.events[17].signer_registration = 3;
  input.checkpoint.note = "origin\n59\nroot\n\n— k sig\n";
  const nlohmann::json evidence = DossierEvidence(input);
  EXPECT_EQ(evidence["format"], "booo-dossier/1");
  EXPECT_EQ(evidence["settlement"]["determination"]["amount_cents"], "-7");  // a string: int64
  EXPECT_EQ(evidence["trace"]["children"][0]["path"], "grant/a");
  EXPECT_EQ(evidence["events"][0]["body"], "CgI8Lw==");
  EXPECT_EQ(evidence["events"][0]["signer_registration"], 3);
  EXPECT_TRUE(evidence["checkpoint"]["key_record_sequence"].is_null());
  const std::string page = RenderDossierPage(input);
  EXPECT_THAT(page, HasSubstr("<script type=\"application/json\" id=\"dossier-data\">"));
  EXPECT_THAT(page, HasSubstr("<script id=\"dossier-verify\">"));
  EXPECT_THAT(page, HasSubstr("data-verification=\"running\""));
}

}  // namespace
}  // namespace booo::reports
