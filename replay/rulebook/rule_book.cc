#include "replay/rulebook/rule_book.h"

#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "ledger/core/civil_date.h"
#include "ledger/core/status_macros.h"
#include "nlohmann/json.hpp"

namespace booo::rulebook {
namespace {

using nlohmann::json;


absl::Status Invalid(const std::string& where, const std::string& why) {
  return absl::InvalidArgumentError(absl::StrCat(where, ": ", why));
}

absl::Status OnlyKeys(const json& object, const std::set<std::string>& allowed,
                      const std::string& where) {
  if (!object.is_object()) return Invalid(where, "must be a JSON object");
  for (const auto& [key, value] : object.items()) {
    if (!allowed.contains(key)) return Invalid(where, absl::StrCat("unknown field \"", key, "\""));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> Text(const json& object, const std::string& key,
                                 const std::string& where, bool required) {
  if (!object.contains(key)) {
    if (required) return Invalid(absl::StrCat(where, ".", key), "is required");
    return std::string();
  }
  if (!object[key].is_string()) return Invalid(absl::StrCat(where, ".", key), "must be a string");
  return object[key].get<std::string>();
}

absl::StatusOr<booo::v1::ParameterValue> ParseValue(const json& v, const std::string& where) {
  RETURN_IF_ERROR(OnlyKeys(
      v, {"parameter", "valid_from", "valid_to", "amount_cents", "flag", "date", "count", "source"},
      where));
  booo::v1::ParameterValue value;
  ASSIGN_OR_RETURN(*value.mutable_parameter(), Text(v, "parameter", where, true));
  ASSIGN_OR_RETURN(std::string from, Text(v, "valid_from", where, true));
  ASSIGN_OR_RETURN(*value.mutable_valid_from(), ParseDate(from, where + ".valid_from"));
  ASSIGN_OR_RETURN(std::string to, Text(v, "valid_to", where, false));
  if (!to.empty()) {
    ASSIGN_OR_RETURN(*value.mutable_valid_to(), ParseDate(to, where + ".valid_to"));
  }
  ASSIGN_OR_RETURN(*value.mutable_source(), Text(v, "source", where, false));
  int kinds = 0;
  if (v.contains("amount_cents")) {
    if (!v["amount_cents"].is_number_integer()) return Invalid(where, "amount_cents: integer");
    value.set_amount_cents(v["amount_cents"].get<int64_t>());
    ++kinds;
  }
  if (v.contains("count")) {
    if (!v["count"].is_number_integer()) return Invalid(where, "count: integer");
    value.set_count(v["count"].get<int64_t>());
    ++kinds;
  }
  if (v.contains("flag")) {
    if (!v["flag"].is_boolean()) return Invalid(where, "flag: true or false");
    value.set_flag(v["flag"].get<bool>());
    ++kinds;
  }
  if (v.contains("date")) {
    ASSIGN_OR_RETURN(std::string date, Text(v, "date", where, true));
    ASSIGN_OR_RETURN(*value.mutable_date(), ParseDate(date, where + ".date"));
    ++kinds;
  }
  if (kinds != 1) return Invalid(where, "give exactly one of amount_cents, flag, date, count");
  return value;
}

absl::StatusOr<RuleBookAmendment> AmendmentFromJson(const json& a, const std::string& where) {
  RETURN_IF_ERROR(
      OnlyKeys(a, {"event_id", "supersedes", "publication_date", "citation", "summary", "values"},
               where));
  RuleBookAmendment out;
  ASSIGN_OR_RETURN(out.event_id, Text(a, "event_id", where, false));
  ASSIGN_OR_RETURN(out.supersedes, Text(a, "supersedes", where, false));
  ASSIGN_OR_RETURN(std::string published, Text(a, "publication_date", where, true));
  ASSIGN_OR_RETURN(*out.amendment.mutable_publication_date(),
                   ParseDate(published, where + ".publication_date"));
  ASSIGN_OR_RETURN(*out.amendment.mutable_summary(), Text(a, "summary", where, false));
  if (!a.contains("citation")) return Invalid(where + ".citation", "is required");
  RETURN_IF_ERROR(OnlyKeys(a["citation"], {"reference", "url"}, where + ".citation"));
  ASSIGN_OR_RETURN(*out.amendment.mutable_citation()->mutable_reference(),
                   Text(a["citation"], "reference", where + ".citation", true));
  ASSIGN_OR_RETURN(*out.amendment.mutable_citation()->mutable_url(),
                   Text(a["citation"], "url", where + ".citation", false));
  if (!a.contains("values") || !a["values"].is_array()) {
    return Invalid(where + ".values", "must be an array");
  }
  for (size_t i = 0; i < a["values"].size(); ++i) {
    ASSIGN_OR_RETURN(*out.amendment.add_values(),
                     ParseValue(a["values"][i], absl::StrCat(where, ".values[", i, "]")));
  }
  return out;
}

absl::StatusOr<json> ParseJson(std::string_view text, const std::string& where) {
  json parsed = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return Invalid(where, "is not valid JSON");
  return parsed;
}

}  // namespace

absl::StatusOr<booo::v1::CivilDate> ParseDate(const std::string& text, const std::string& flag) {
  int y = 0, m = 0, d = 0;
  char tail = 0;
  booo::v1::CivilDate date;
  if (text.size() != 10 || std::sscanf(text.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3) {
    return Invalid(flag, absl::StrCat("\"", text, "\" is not a date YYYY-MM-DD"));
  }
  date.set_year(y);
  date.set_month(m);
  date.set_day(d);
  RETURN_IF_ERROR(ledger::ValidateCivilDate(date, flag));
  return date;
}

booo::v1::EventBody RuleBookAmendment::ToEvent() const {
  booo::v1::EventBody body;
  body.set_event_id(event_id);
  body.set_stream("rules");
  if (!supersedes.empty()) body.set_supersedes_event_id(supersedes);
  *body.mutable_rule_amended() = amendment;
  return body;
}

absl::StatusOr<std::vector<RuleBookAmendment>> ReadRuleBook(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadTextFile(path));
  return ParseRuleBook(text, path);
}

absl::StatusOr<std::vector<RuleBookAmendment>> ParseRuleBook(std::string_view text,
                                                             const std::string& path) {
  ASSIGN_OR_RETURN(json book, ParseJson(text, path));
  RETURN_IF_ERROR(OnlyKeys(book, {"title", "amendments"}, path));
  if (!book.contains("amendments") || !book["amendments"].is_array()) {
    return Invalid(path, "amendments: must be an array");
  }
  std::vector<RuleBookAmendment> out;
  for (size_t i = 0; i < book["amendments"].size(); ++i) {
    ASSIGN_OR_RETURN(RuleBookAmendment a,
                     AmendmentFromJson(book["amendments"][i], absl::StrCat("amendments[", i, "]")));
    if (a.event_id.empty())
      return Invalid(absl::StrCat("amendments[", i, "].event_id"), "is required");
    out.push_back(std::move(a));
  }
  return out;
}

absl::StatusOr<booo::v1::RuleAmended> ReadAmendmentFile(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadTextFile(path));
  return ParseAmendment(text, path);
}

absl::StatusOr<booo::v1::RuleAmended> ParseAmendment(std::string_view text,
                                                     const std::string& path) {
  ASSIGN_OR_RETURN(json a, ParseJson(text, path));
  ASSIGN_OR_RETURN(RuleBookAmendment parsed, AmendmentFromJson(a, "amendment"));
  return parsed.amendment;
}

absl::StatusOr<std::vector<BudgetBookLine>> ReadBudgetBook(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadTextFile(path));
  return ParseBudgetBook(text, path);
}

absl::StatusOr<std::vector<BudgetBookLine>> ParseBudgetBook(std::string_view text,
                                                            const std::string& path) {
  ASSIGN_OR_RETURN(json book, ParseJson(text, path));
  RETURN_IF_ERROR(OnlyKeys(book, {"title", "lines"}, path));
  if (!book.contains("lines") || !book["lines"].is_array()) {
    return Invalid(path, "lines: must be an array");
  }
  std::vector<BudgetBookLine> out;
  for (size_t i = 0; i < book["lines"].size(); ++i) {
    const json& l = book["lines"][i];
    const std::string where = absl::StrCat("lines[", i, "]");
    RETURN_IF_ERROR(OnlyKeys(l,
                             {"event_id", "budget_year", "line", "amount_cents", "publication_date",
                              "citation", "source"},
                             where));
    BudgetBookLine line;
    ASSIGN_OR_RETURN(line.event_id, Text(l, "event_id", where, true));
    if (!l.contains("budget_year") || !l["budget_year"].is_number_integer()) {
      return Invalid(where + ".budget_year", "must be an integer");
    }
    line.line.set_budget_year(l["budget_year"].get<int32_t>());
    ASSIGN_OR_RETURN(*line.line.mutable_line(), Text(l, "line", where, true));
    if (!l.contains("amount_cents") || !l["amount_cents"].is_number_integer()) {
      return Invalid(where + ".amount_cents", "must be an integer");
    }
    line.line.set_amount_cents(l["amount_cents"].get<int64_t>());
    ASSIGN_OR_RETURN(std::string published, Text(l, "publication_date", where, true));
    ASSIGN_OR_RETURN(*line.line.mutable_publication_date(),
                     ParseDate(published, where + ".publication_date"));
    if (!l.contains("citation")) return Invalid(where + ".citation", "is required");
    RETURN_IF_ERROR(OnlyKeys(l["citation"], {"reference", "url"}, where + ".citation"));
    ASSIGN_OR_RETURN(*line.line.mutable_citation()->mutable_reference(),
                     Text(l["citation"], "reference", where + ".citation", true));
    ASSIGN_OR_RETURN(*line.line.mutable_citation()->mutable_url(),
                     Text(l["citation"], "url", where + ".citation", false));
    ASSIGN_OR_RETURN(*line.line.mutable_source(), Text(l, "source", where, false));
    out.push_back(std::move(line));
  }
  return out;
}

absl::StatusOr<std::string> ReadTextFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot be read"));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace booo::rulebook
