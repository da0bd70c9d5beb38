#include "tools/reports/html.h"

#include "absl/strings/str_cat.h"

namespace booo::reports {

std::string Escape(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string JsonForScript(absl::string_view json) {
  // '<', '>' and '&' only ever occur inside JSON strings, where \u escapes mean the same: with
  // none of them left, no "</script>" and no "<!--" can end or swallow the element.
  std::string out;
  out.reserve(json.size());
  for (size_t i = 0; i < json.size(); ++i) {
    switch (json[i]) {
      case '<': out += "\\u003c"; break;
      case '>': out += "\\u003e"; break;
      case '&': out += "\\u0026"; break;
      default:
        if (json.substr(i, 3) == "\xE2\x80\xA8" || json.substr(i, 3) == "\xE2\x80\xA9") {
          out += json[i + 2] == '\xA8' ? "\\u2028" : "\\u2029";
          i += 2;
        } else {
          out += json[i];
        }
    }
  }
  return out;
}

std::string DutchEuros(int64_t cents) {
  // Via unsigned arithmetic: -INT64_MIN does not fit an int64_t.
  const bool negative = cents < 0;
  const uint64_t magnitude = negative ? 0 - static_cast<uint64_t>(cents) : cents;
  std::string whole = std::to_string(magnitude / 100);
  std::string grouped;
  for (size_t i = 0; i < whole.size(); ++i) {
    if (i > 0 && (whole.size() - i) % 3 == 0) grouped += '.';
    grouped += whole[i];
  }
  const uint64_t fraction = magnitude % 100;
  return absl::StrCat(negative ? "\xE2\x88\x92" : "", "\xE2\x82\xAC ", grouped, ",",
                      fraction < 10 ? "0" : "", fraction);
}

std::string AmountSpan(int64_t cents) {
  return absl::StrCat("<span class=\"amount\" data-cents=\"", cents, "\">", DutchEuros(cents),
                      "</span>");
}

std::string FormatToggleButton() {
  return "<p><button type=\"button\" id=\"format-toggle\" aria-pressed=\"false\">Show amounts in "
         "English notation</button></p>\n";
}

std::string SortableTableOpen(absl::string_view id, absl::string_view caption,
                              const std::vector<std::pair<std::string, std::string>>& columns) {
  std::string out = absl::StrCat("<table id=\"", id, "\" class=\"sortable\">\n<caption>",
                                 Escape(caption), "</caption>\n<thead><tr>");
  for (const auto& [name, kind] : columns) {
    absl::StrAppend(&out, "<th scope=\"col\" aria-sort=\"none\" data-sort=\"", kind,
                    "\"><button type=\"button\">", Escape(name), "</button></th>");
  }
  absl::StrAppend(&out, "</tr></thead>\n<tbody>\n");
  return out;
}

std::string Page(const PageParts& parts) {
  std::string out = absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
      // No fetch, no image, no font, no frame from anywhere: the page is the whole evidence.
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:\">\n",
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
      "<title>", Escape(parts.title), "</title>\n<style>\n", parts.css, "</style>\n",
      parts.head_extra, "</head>\n<body", parts.body_attributes, ">\n", parts.body);
  for (const auto& [id, script] : parts.scripts) {
    absl::StrAppend(&out, "<script id=\"", id, "\">\n", script, "</script>\n");
  }
  absl::StrAppend(&out, "</body>\n</html>\n");
  return out;
}

}  // namespace booo::reports
