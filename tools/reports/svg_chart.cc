#include "tools/reports/svg_chart.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tools/reports/html.h"

namespace booo::reports {
namespace {

std::string N(double v) { return absl::StrFormat("%.1f", v); }

std::string Titled(std::string open_tag, absl::string_view name, absl::string_view title) {
  if (title.empty()) return open_tag + "/>";
  return absl::StrCat(open_tag, "><title>", Escape(title), "</title></", name, ">");
}

}  // namespace

double LinearScale::operator()(double value) const {
  if (domain_high == domain_low) return range_low;
  return range_low + (value - domain_low) * (range_high - range_low) / (domain_high - domain_low);
}

std::vector<int64_t> RoundTicks(int64_t low, int64_t high, int count) {
  if (low > high || count < 1) return {};
  const double span = std::max<double>(1.0, static_cast<double>(high) - static_cast<double>(low));
  const double raw = span / count;
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  double step = power;
  for (double factor : {1.0, 2.0, 5.0, 10.0}) {
    step = factor * power;
    if (step >= raw) break;
  }
  const int64_t s = std::max<int64_t>(1, static_cast<int64_t>(step));
  int64_t first = low / s * s;
  if (first > low) first -= s;
  std::vector<int64_t> ticks;
  for (int64_t t = first;; t += s) {
    ticks.push_back(t);
    if (t >= high || ticks.size() > 1000) break;
  }
  return ticks;
}

std::string SvgOpen(absl::string_view id, double width, double height,
                    absl::string_view labelled_by) {
  return absl::StrCat("<svg id=\"", id, "\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" ",
                      "aria-labelledby=\"", labelled_by, "\" font-size=\"11\" width=\"", N(width), "\" height=\"",
                      N(height), "\" viewBox=\"0 0 ", N(width), " ", N(height), "\">");
}

std::string SvgRect(double x, double y, double width, double height, absl::string_view css_class,
                    absl::string_view title) {
  return Titled(absl::StrCat("<rect class=\"", css_class, "\" x=\"", N(x), "\" y=\"", N(y),
                             "\" width=\"", N(std::max(0.0, width)), "\" height=\"",
                             N(std::max(0.0, height)), "\""),
                "rect", title);
}

std::string SvgLine(double x1, double y1, double x2, double y2, absl::string_view css_class,
                    absl::string_view title) {
  return Titled(absl::StrCat("<line class=\"", css_class, "\" x1=\"", N(x1), "\" y1=\"", N(y1),
                             "\" x2=\"", N(x2), "\" y2=\"", N(y2), "\""),
                "line", title);
}

std::string SvgText(double x, double y, absl::string_view text, absl::string_view css_class,
                    absl::string_view anchor) {
  return absl::StrCat("<text class=\"", css_class, "\" x=\"", N(x), "\" y=\"", N(y),
                      "\" text-anchor=\"", anchor, "\">", Escape(text), "</text>");
}

}  // namespace booo::reports
