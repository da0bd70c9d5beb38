// The pieces every page shares: escaping text for HTML, embedding JSON in a script element, the
// page shell (one file, inline styles and scripts, nothing fetched), and amounts in the Dutch
// notation the pages show first ("€ 1.234.567,89").
#ifndef BOOO_TOOLS_REPORTS_HTML_H_
#define BOOO_TOOLS_REPORTS_HTML_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace booo::reports {

// Text for an HTML text node or a double-quoted attribute value: & < > " ' escaped.
std::string Escape(absl::string_view text);

// JSON text made safe inside <script type="application/json">: every '<', '>' and '&' is written
// as a \u escape (they occur only inside strings), so the data can neither close its element
// nor open a comment that swallows the scripts after it; U+2028/9 are escaped too.
std::string JsonForScript(absl::string_view json);

// "€ 1.234.567,89", "−€ 12.000,00" (U+2212): the Dutch notation, from integer cents.
std::string DutchEuros(int64_t cents);
// <span class="amount" data-cents="…">€ …</span>: an amount the pages' toggle can re-notate.
std::string AmountSpan(int64_t cents);

// The reports' "English notation" button (assets/report.js switches every .amount).
std::string FormatToggleButton();
// <table id=… class="sortable"> with its caption and a header row of buttons, one per (column
// name, "text" or "number"), up to and including <tbody>; assets/report.js sorts by data-value.
std::string SortableTableOpen(absl::string_view id, absl::string_view caption,
                              const std::vector<std::pair<std::string, std::string>>& columns);

struct PageParts {
  std::string title;
  std::string css;                   // one inline <style>
  std::string head_extra;            // e.g. the embedded data
  std::string body_attributes;       // e.g. ` data-verification="running"`
  std::string body;                  // the page's content
  std::vector<std::pair<std::string, const char*>> scripts;  // (element id, script text)
};
// A complete document: <!DOCTYPE html>, lang="en", UTF-8, a Content-Security-Policy that allows
// no network at all (inline styles and scripts only), then the parts.
std::string Page(const PageParts& parts);

}  // namespace booo::reports

#endif  // BOOO_TOOLS_REPORTS_HTML_H_
