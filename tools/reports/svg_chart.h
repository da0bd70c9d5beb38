// A few SVG primitives and a linear scale with round ticks: enough for the reports' bar and
// step charts, drawn as inline SVG text with no library and no network. Coordinates are
// written with one decimal; every shape may carry a <title> (shown on hover, read by screen
// readers).
#ifndef BOOO_TOOLS_REPORTS_SVG_CHART_H_
#define BOOO_TOOLS_REPORTS_SVG_CHART_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace booo::reports {

// Maps [domain_low, domain_high] onto [range_low, range_high].
struct LinearScale {
  double domain_low = 0, domain_high = 1, range_low = 0, range_high = 1;
  double operator()(double value) const;
};

// About `count` round tick values (1, 2 or 5 times a power of ten apart) covering [low, high];
// the first is <= low and the last >= high. Empty when low > high.
std::vector<int64_t> RoundTicks(int64_t low, int64_t high, int count);

// "<svg …>" opening a chart: role="img", labelled by the element `labelled_by`.
std::string SvgOpen(absl::string_view id, double width, double height,
                    absl::string_view labelled_by);
std::string SvgRect(double x, double y, double width, double height, absl::string_view css_class,
                    absl::string_view title = "");
std::string SvgLine(double x1, double y1, double x2, double y2, absl::string_view css_class,
                    absl::string_view title = "");
// `anchor`: "start", "middle" or "end".
std::string SvgText(double x, double y, absl::string_view text, absl::string_view css_class,
                    absl::string_view anchor = "start");

}  // namespace booo::reports

#endif  // BOOO_TOOLS_REPORTS_SVG_CHART_H_
