#include "replay/calc/trace_render.h"

#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ledger/core/civil_date.h"
#include "replay/calc/money.h"

namespace booo::replay {

std::string CsvField(const std::string& s);

namespace {

std::string DaysText(const booo::v1::DateRange& days) {
  const std::string first = ledger::FormatDate(days.first_day());
  if (!days.has_last_day()) return absl::StrCat(first, " onward");
  const std::string last = ledger::FormatDate(days.last_day());
  return first == last ? first : absl::StrCat(first, " to ", last);
}

// "goo_norm_per_place_day=€83.00@12 (memo) set by @9 (Stcrt. 2022, 27515)".
std::string RuleText(const booo::v1::TraceRuleValue& r) {
  std::string text = absl::StrCat(r.parameter(), "=", r.value(), "@", r.amendment_sequence(), " (",
                                  r.citation(), ")");
  for (const auto& origin : r.set_by()) {
    absl::StrAppend(&text, " set by @", origin.amendment_sequence(), " (", origin.citation(),
                    ") for ", DaysText(origin.days()));
  }
  return text;
}

std::string SourceText(const booo::v1::TraceSource& s) {
  return absl::StrCat(s.sequence(), ":", absl::BytesToHexString(s.leaf_hash()), ":", s.event_id());
}

void RenderText(const booo::v1::TraceNode& node, const std::string& indent, const std::string& path,
                std::string& out) {
  absl::StrAppend(&out, indent, FormatEuros(node.amount_cents()), "  ", node.label(), "\n");
  const std::string detail = indent + "    ";
  if (!node.formula().empty()) absl::StrAppend(&out, detail, "= ", node.formula(), "\n");
  for (const auto& r : node.rules()) {
    absl::StrAppend(&out, detail, "rule ", r.parameter(), " = ", r.value(), " (read from #",
                    r.amendment_sequence(), ", ", r.citation(), ")\n");
    for (const auto& origin : r.set_by()) {
      absl::StrAppend(&out, detail, "  set by #", origin.amendment_sequence(), ", ",
                      origin.citation(), ", for ", DaysText(origin.days()), ": ",
                      origin.source(), "\n");
    }
  }
  for (const auto& s : node.sources()) {
    absl::StrAppend(&out, detail, "from #", s.sequence(), " ", s.kind(), " ", s.event_id(),
                    " leaf ", absl::BytesToHexString(s.leaf_hash()).substr(0, 16), "\n");
  }
  for (const auto& n : node.notes()) absl::StrAppend(&out, detail, "note: ", n, "\n");
  if (node.omitted_children() > 0) {
    absl::StrAppend(&out, detail, "… ", node.omitted_children(),
                    " parts not shown (ledgerctl grant --trace-path ", path, ")\n");
  }
  for (const auto& child : node.children()) {
    RenderText(child, indent + "  ", absl::StrCat(path, "/", child.key()), out);
  }
}

void RenderCsv(const booo::v1::TraceNode& node, const std::string& path, std::string& out) {
  if (!node.children().empty()) {
    for (const auto& child : node.children()) {
      RenderCsv(child, absl::StrCat(path, "/", child.key()), out);
    }
    return;
  }
  std::vector<std::string> rules;
  for (const auto& r : node.rules()) rules.push_back(RuleText(r));
  std::vector<std::string> sources;
  for (const auto& s : node.sources()) sources.push_back(SourceText(s));
  absl::StrAppend(&out, CsvField(path), ",", node.amount_cents(), ",",
                  CsvField(FormatEuros(node.amount_cents())), ",", CsvField(node.formula()), ",",
                  CsvField(absl::StrJoin(rules, "; ")), ",", CsvField(absl::StrJoin(sources, "; ")),
                  ",", CsvField(absl::StrJoin(node.notes(), "; ")), "\r\n");
}

}  // namespace

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string RenderTraceText(const booo::v1::TraceNode& root, absl::string_view root_path) {
  std::string out;
  RenderText(root, "", root_path.empty() ? root.key() : std::string(root_path), out);
  absl::StrAppend(&out, "trace digest ", absl::BytesToHexString(root.digest()), "\n");
  return out;
}

std::string RenderTraceCsv(const booo::v1::TraceNode& root) {
  std::string out = "path,amount_cents,amount,formula,rule_values,sources,notes\r\n";
  RenderCsv(root, root.key(), out);
  return out;
}

}  // namespace booo::replay
