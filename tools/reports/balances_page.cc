// ledgerctl report balances: the table, the chart and the totals for all municipalities.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "tools/reports/html.h"
#include "tools/reports/page_assets.h"
#include "tools/reports/report_pages.h"
#include "tools/reports/svg_chart.h"

namespace booo::reports {
namespace {

// The grant a row settles against: the determined amount once there is one.
int64_t GrantOf(const booo::v1::BalanceRow& r) {
  return r.determined() ? r.determined_grant_cents() : r.computed_grant_cents();
}

std::string RowName(const booo::v1::BalanceRow& r) {
  return absl::StrCat(r.municipality_code(), " ", r.spending_year());
}

std::string ChartTitle(const booo::v1::BalanceRow& r) {
  return absl::StrCat(RowName(r), ": grant ", DutchEuros(GrantOf(r)),
                      r.determined() ? " (determined)" : " (computed, not determined)",
                      "; advances ", DutchEuros(r.advances_cents()), "; repayments ",
                      DutchEuros(r.repayments_cents()), "; balance ",
                      DutchEuros(r.balance_cents()));
}

// Euros without cents for axis labels: "€ 2.000.000".
std::string AxisEuros(int64_t cents) {
  std::string text = DutchEuros(cents - cents % 100);
  return text.substr(0, text.size() - 3);
}

// Per row, two bars on one axis (the grant; the advances, with the part repaid set apart) and,
// on a second axis centred on zero, the balance: right of zero to pay, left to reclaim.
std::string BalancesChart(const booo::v1::ListBalancesResponse& b) {
  constexpr double kLabel = 110, kMain = 520, kGap = 60, kBalance = 260, kRow = 22, kTop = 56;
  const double width = kLabel + kMain + kGap + kBalance + 50;
  const double height = kTop + kRow * static_cast<double>(b.rows_size()) + 30;
  int64_t top = 1, reach = 1;
  for (const auto& r : b.rows()) {
    top = std::max({top, GrantOf(r), r.advances_cents()});
    reach = std::max(reach, r.balance_cents() < 0 ? -r.balance_cents() : r.balance_cents());
  }
  const std::vector<int64_t> main_ticks = RoundTicks(0, top, 4);
  const std::vector<int64_t> balance_ticks = RoundTicks(0, reach, 1);
  const int64_t balance_end = balance_ticks.empty() ? reach : balance_ticks.back();
  const LinearScale x{0, static_cast<double>(main_ticks.back()), kLabel, kLabel + kMain};
  const double zero = kLabel + kMain + kGap + kBalance / 2;
  const LinearScale bx{static_cast<double>(-balance_end), static_cast<double>(balance_end),
                       zero - kBalance / 2, zero + kBalance / 2};
  std::string svg = SvgOpen("balances-chart", width, height, "balances-chart-caption");
  // Legend (laid out by text length: about 6.5 px per character at 11 px) and axes.
  absl::StrAppend(&svg, "<g class=\"legend\">");
  double legend_x = kLabel;
  for (const auto& [css, text] : std::vector<std::pair<std::string, std::string>>{
           {"bar-grant", "grant (determined, else computed)"},
           {"bar-advances", "advances"},
           {"bar-repayments", "of which repaid"},
           {"marker-balance", "balance: to pay (right of zero) or to reclaim (left)"}}) {
    absl::StrAppend(&svg, SvgRect(legend_x, 8, 12, 10, css),
                    SvgText(legend_x + 16, 17, text, "legend"));
    legend_x += 16 + 6.5 * static_cast<double>(text.size()) + 18;
  }
  absl::StrAppend(&svg, "</g>");
  for (int64_t t : main_ticks) {
    absl::StrAppend(&svg, SvgLine(x(t), kTop - 6, x(t), height - 26, "gridline"),
                    SvgText(x(t), kTop - 12, AxisEuros(t), "axis", "middle"));
  }
  for (int64_t t : {-balance_end, int64_t{0}, balance_end}) {
    absl::StrAppend(&svg, SvgLine(bx(t), kTop - 6, bx(t), height - 26, t == 0 ? "axis" : "gridline"),
                    SvgText(bx(t), height - 10, AxisEuros(t), "axis", "middle"));
  }
  double y = kTop;
  for (const auto& r : b.rows()) {
    const std::string title = ChartTitle(r);
    const int64_t repaid = std::min(r.repayments_cents(), r.advances_cents());
    absl::StrAppend(&svg, "<g class=\"chart-row\">",
                    SvgText(kLabel - 8, y + 14, RowName(r), "axis", "end"),
                    SvgRect(x(0), y + 2, x(GrantOf(r)) - x(0), 8, "bar-grant", title),
                    SvgRect(x(0), y + 11, x(r.advances_cents()) - x(0), 8, "bar-advances", title),
                    SvgRect(x(r.advances_cents() - repaid), y + 11,
                            x(r.advances_cents()) - x(r.advances_cents() - repaid), 8,
                            "bar-repayments", title));
    const double end = bx(r.balance_cents());
    absl::StrAppend(&svg, SvgRect(std::min(zero, end), y + 5, std::abs(end - zero), 11,
                                  "marker-balance", title),
                    "</g>");
    y += kRow;
  }
  absl::StrAppend(&svg, "</svg>");
  return svg;
}

std::string Cell(int64_t cents) {
  return absl::StrCat("<td class=\"num\" data-value=\"", cents, "\">", AmountSpan(cents),
                      "</td>");
}

std::string BalancesTable(const booo::v1::ListBalancesResponse& b) {
  std::string out = SortableTableOpen(
      "balances", "Per municipality and spending year. Sort by a column with its header's button.",
      {{"Municipality", "text"}, {"Year", "number"}, {"Computed", "number"},
       {"Determined", "number"}, {"Advances", "number"}, {"Repayments", "number"},
       {"Balance", "number"}, {"VAT fund", "number"}, {"Flags", "number"}});
  for (const auto& r : b.rows()) {
    absl::StrAppend(
        &out, "<tr><th scope=\"row\" data-value=\"", Escape(r.municipality_code()), "\">",
        Escape(r.municipality_code()), "</th><td class=\"num\" data-value=\"", r.spending_year(),
        "\">", r.spending_year(), "</td>", Cell(r.computed_grant_cents()),
        r.determined() ? Cell(r.determined_grant_cents())
                       : "<td class=\"num\" data-value=\"-9223372036854775808\">not yet</td>",
        Cell(r.advances_cents()), Cell(r.repayments_cents()), Cell(r.balance_cents()),
        Cell(r.vat_fund_contribution_cents()), "<td class=\"num\" data-value=\"", r.flags(),
        "\">", r.flags(), "</td></tr>\n");
  }
  absl::StrAppend(&out, "</tbody>\n</table>\n");
  return out;
}

std::string Totals(const booo::v1::ListBalancesResponse& b) {
  const booo::v1::BalanceTotals& t = b.totals();
  auto item = [](const char* name, const std::string& value) {
    return absl::StrCat("<div><dt>", name, "</dt><dd>", value, "</dd></div>");
  };
  return absl::StrCat(
      "<section id=\"totals\" aria-labelledby=\"totals-heading\">\n<h2 id=\"totals-heading\">"
      "Totals</h2>\n<dl>",
      item("Municipalities", absl::StrCat(t.municipalities())),
      item("Determinations", absl::StrCat(t.determined())),
      item("Computed grants", AmountSpan(t.computed_grant_cents())),
      item("Grants (determined, else computed)", AmountSpan(t.grant_cents())),
      item("Advances", AmountSpan(t.advances_cents())),
      item("Voluntary repayments", AmountSpan(t.repayments_cents())),
      item("To pay to municipalities", AmountSpan(t.to_pay_cents())),
      item("To reclaim from municipalities", AmountSpan(t.to_reclaim_cents())),
      item("VAT fund contribution (not deducted)", AmountSpan(t.vat_fund_contribution_cents())),
      "</dl>\n</section>\n");
}

}  // namespace

std::string RenderBalancesPage(const BalancesReport& report) {
  const booo::v1::ListBalancesResponse& b = report.balances;
  const std::string year =
      report.spending_year == 0 ? "all spending years" : absl::StrCat(report.spending_year);
  const std::string known =
      report.known_on.empty() ? "as the whole ledger knows it" : "as known on " + report.known_on;
  PageParts page;
  page.title = absl::StrCat("BooO balances, ", year, ", ", known);
  page.css = kReportCss;
  page.body_attributes = " data-amounts=\"nl\"";
  page.body = absl::StrCat(
      "<header>\n<h1>BooO balances: ", Escape(year), "</h1>\n<p>", Escape(known),
      "; ledger point: the first ", b.tree_size(), " events. Source: ", Escape(report.source),
      ". Written ", Escape(report.generated_at),
      ".</p>\n", FormatToggleButton(), "</header>\n<main>\n",
      Totals(b),
      "<section aria-labelledby=\"chart-heading\">\n<h2 id=\"chart-heading\">Grant against "
      "advances and repayments</h2>\n<figure>\n<figcaption id=\"balances-chart-caption\">Per "
      "municipality: the grant (determined, else computed) and the advances paid, with the part "
      "voluntarily repaid; right, the balance (grant minus advances plus repayments): to the "
      "right of zero still to pay, to the left to reclaim.</figcaption>\n",
      BalancesChart(b), "\n</figure>\n</section>\n",
      "<section aria-labelledby=\"table-heading\">\n<h2 id=\"table-heading\">All "
      "municipalities</h2>\n",
      BalancesTable(b), "</section>\n</main>\n");
  page.scripts = {{"report-script", kReportJs}};
  return Page(page);
}

}  // namespace booo::reports
