#include "tools/import/cell_values.h"

#include <algorithm>
#include <array>
#include <optional>
#include <limits>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "ledger/core/civil_date.h"

namespace booo::ledgerctl::import {
namespace {

absl::Status NotA(absl::string_view cell, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("\"", cell, "\" is not ", what));
}

// The cell without spaces of any kind (a no-break space groups thousands in some locales).
std::string WithoutSpaces(absl::string_view cell) {
  std::string s = absl::StrReplaceAll(cell, {{"\xC2\xA0", ""}, {"\xE2\x80\xAF", ""}});
  s.erase(std::remove_if(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t'; }),
          s.end());
  return s;
}

bool AllDigits(absl::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return absl::ascii_isdigit(c); });
}

// "1.234.567" with `group` '.' -> "1234567"; nullopt unless every group after the first holds
// exactly three digits and the first one to three.
std::optional<std::string> Ungrouped(absl::string_view digits, char group) {
  std::vector<absl::string_view> parts = absl::StrSplit(digits, group);
  if (parts.size() == 1) return AllDigits(digits) ? std::optional<std::string>(digits) : std::nullopt;
  if (parts[0].empty() || parts[0].size() > 3 || !AllDigits(parts[0])) return std::nullopt;
  std::string out(parts[0]);
  for (size_t i = 1; i < parts.size(); ++i) {
    if (parts[i].size() != 3 || !AllDigits(parts[i])) return std::nullopt;
    absl::StrAppend(&out, parts[i]);
  }
  return out;
}

// A non-negative number of whole units and at most `max_decimals` decimals, in units of
// 10^-max_decimals; the marks as the header comment of cell_values.h says.
absl::StatusOr<int64_t> ParseUnsignedDecimal(absl::string_view cell, absl::string_view s,
                                             int max_decimals, absl::string_view what) {
  const size_t last_dot = s.rfind('.'), last_comma = s.rfind(',');
  std::string whole, fraction;
  if (last_dot != absl::string_view::npos && last_comma != absl::string_view::npos) {
    const size_t mark = std::max(last_dot, last_comma);
    const char group = mark == last_dot ? ',' : '.';
    std::optional<std::string> w = Ungrouped(s.substr(0, mark), group);
    if (!w) return NotA(cell, what);
    whole = *w;
    fraction = std::string(s.substr(mark + 1));
  } else if (last_dot != absl::string_view::npos || last_comma != absl::string_view::npos) {
    const char mark = last_dot != absl::string_view::npos ? '.' : ',';
    const size_t at = s.rfind(mark);
    const bool single = s.find(mark) == at;
    const size_t after = s.size() - at - 1;
    if (single && (after == 1 || after == 2)) {
      // ".5" is half a euro: an empty whole part is nought.
      if (at == 0) {
        whole.push_back('0');
      } else {
        whole.append(s.data(), at);
      }
      fraction.append(s.data() + at + 1, after);
    } else {
      std::optional<std::string> w = Ungrouped(s, mark);
      if (!w) {
        if (single && after > 2 && AllDigits(s.substr(at + 1))) {
          return absl::InvalidArgumentError(absl::StrCat(
              "\"", cell, "\" has more than ", max_decimals, " decimals"));
        }
        return NotA(cell, what);
      }
      whole = *w;
    }
  } else {
    whole = std::string(s);
  }
  if (!AllDigits(whole) || (!fraction.empty() && !AllDigits(fraction))) return NotA(cell, what);
  if (static_cast<int>(fraction.size()) > max_decimals) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", cell, "\" has more than ", max_decimals, " decimals"));
  }
  while (static_cast<int>(fraction.size()) < max_decimals) fraction.push_back('0');
  int64_t units = 0;
  if (whole.size() + fraction.size() > 18 || !absl::SimpleAtoi(whole + fraction, &units)) {
    return absl::InvalidArgumentError(absl::StrCat("\"", cell, "\" is too large"));
  }
  return units;
}

struct EnumWord {
  const char* value;  // the enum value's full name
  const char* word;   // a normalized word for it
};

// Dutch (and common English) words for the enum values a spreadsheet holds.
constexpr std::array<EnumWord, 26> kEnumWords = {{
    {"ACCOMMODATION_TYPE_REGULAR_BUILDING", "regulier"},
    {"ACCOMMODATION_TYPE_REGULAR_BUILDING", "gebouw"},
    {"ACCOMMODATION_TYPE_REGULAR_BUILDING", "reguliere_bouw"},
    {"ACCOMMODATION_TYPE_REGULAR_BUILDING", "regular"},
    {"ACCOMMODATION_TYPE_HOLIDAY_PARK", "vakantiepark"},
    {"ACCOMMODATION_TYPE_SHIP", "schip"},
    {"ACCOMMODATION_TYPE_SHIP", "boot"},
    {"ACCOMMODATION_TYPE_OTHER", "overig"},
    {"ACCOMMODATION_TYPE_OTHER", "anders"},
    {"RECEPTION_KIND_GOO", "gemeentelijke_opvang"},
    {"RECEPTION_KIND_POO", "particuliere_opvang"},
    {"ALLOWANCE_COMPONENT_LIVING_ALLOWANCE", "leefgeld"},
    {"ALLOWANCE_COMPONENT_HOUSING_COMPONENT", "woonkostencomponent"},
    {"ALLOWANCE_COMPONENT_HOUSING_COMPONENT", "woonkosten"},
    {"ALLOWANCE_COMPONENT_HOUSING_COMPONENT", "housing"},
    {"ALLOCATION_METHOD_DEPRECIATION", "afschrijving"},
    {"ALLOCATION_METHOD_RENT", "huur"},
    {"ALLOCATION_METHOD_LUMP_SUM", "ineens"},
    {"ALLOCATION_METHOD_LUMP_SUM", "eenmalig"},
    {"DECISION_OUTCOME_GRANTED", "toegekend"},
    {"DECISION_OUTCOME_GRANTED", "toekenning"},
    {"DECISION_OUTCOME_PARTIALLY_GRANTED", "gedeeltelijk_toegekend"},
    {"DECISION_OUTCOME_PARTIALLY_GRANTED", "deels_toegekend"},
    {"DECISION_OUTCOME_REJECTED", "afgewezen"},
    {"DECISION_OUTCOME_REJECTED", "afwijzing"},
    {"DECISION_OUTCOME_REJECTED", "rejected"},
}};

struct MonthName {
  const char* name;
  int month;
};
constexpr std::array<MonthName, 31> kMonthNames = {{
    {"januari", 1},  {"january", 1},  {"jan", 1},      {"februari", 2}, {"february", 2},
    {"feb", 2},      {"maart", 3},    {"march", 3},    {"mrt", 3},      {"mar", 3},
    {"april", 4},    {"apr", 4},      {"mei", 5},      {"may", 5},      {"juni", 6},
    {"june", 6},     {"jun", 6},      {"juli", 7},     {"july", 7},     {"jul", 7},
    {"augustus", 8}, {"august", 8},   {"aug", 8},      {"september", 9}, {"sep", 9},
    {"oktober", 10}, {"october", 10}, {"okt", 10},     {"oct", 10},     {"november", 11},
    {"nov", 11},
}};

std::optional<int> MonthFromName(absl::string_view word) {
  const std::string lower = absl::AsciiStrToLower(word);
  for (const MonthName& m : kMonthNames) {
    if (lower == m.name) return m.month;
  }
  if (lower == "december" || lower == "dec") return 12;
  return std::nullopt;
}

absl::StatusOr<int> Int(absl::string_view part, absl::string_view cell, absl::string_view what) {
  int value = 0;
  if (!AllDigits(part) || part.size() > 4 || !absl::SimpleAtoi(part, &value)) {
    return NotA(cell, what);
  }
  return value;
}

// A date's or month's numbers, split at the first of '-', '/' and '.' the text holds.
std::vector<absl::string_view> DateParts(absl::string_view s) {
  for (char separator : {'-', '/', '.'}) {
    if (s.find(separator) != absl::string_view::npos) return absl::StrSplit(s, separator);
  }
  return {};
}

}  // namespace

absl::StatusOr<int64_t> ParseAmountCents(absl::string_view cell) {
  const std::string spaceless = WithoutSpaces(cell);
  absl::string_view s = spaceless;
  bool negative = false;
  auto take_sign = [&] {
    if (absl::ConsumePrefix(&s, "-")) negative = true;
  };
  take_sign();
  if (!absl::ConsumePrefix(&s, "\xE2\x82\xAC")) absl::ConsumePrefix(&s, "EUR");
  if (!negative) take_sign();
  if (s.empty()) return NotA(cell, "an amount in euros");
  absl::StatusOr<int64_t> cents = ParseUnsignedDecimal(cell, s, 2, "an amount in euros");
  if (!cents.ok()) return cents.status();
  return negative ? -*cents : *cents;
}

absl::StatusOr<int64_t> ParseWholeNumber(absl::string_view cell) {
  const std::string spaceless = WithoutSpaces(cell);
  absl::string_view s = spaceless;
  const bool negative = absl::ConsumePrefix(&s, "-");
  if (s.empty()) return NotA(cell, "a whole number");
  std::optional<std::string> digits =
      Ungrouped(s, s.find('.') != absl::string_view::npos ? '.' : ',');
  int64_t value = 0;
  if (!digits || digits->size() > 18 || !absl::SimpleAtoi(*digits, &value)) {
    return NotA(cell, "a whole number");
  }
  return negative ? -value : value;
}

absl::StatusOr<booo::v1::CivilDate> ParseDate(absl::string_view cell) {
  const std::string s(absl::StripAsciiWhitespace(cell));
  const char* what = "a date (2022-10-15 or 15-10-2022)";
  const std::vector<absl::string_view> parts = DateParts(s);
  if (parts.size() != 3) return NotA(cell, what);
  int year = 0, month = 0, day = 0;
  absl::StatusOr<int> a = Int(parts[0], cell, what), b = Int(parts[1], cell, what),
                      c = Int(parts[2], cell, what);
  if (!a.ok() || !b.ok() || !c.ok()) return NotA(cell, what);
  if (parts[0].size() == 4 && parts[2].size() <= 2) {
    year = *a, month = *b, day = *c;
  } else if (parts[2].size() == 4 && parts[0].size() <= 2) {
    day = *a, month = *b, year = *c;
  } else {
    return NotA(cell, what);
  }
  booo::v1::CivilDate date = ledger::MakeDate(year, month, day);
  if (month < 1 || month > 12 || day < 1 || day > ledger::DaysInMonth(year, month)) {
    return absl::InvalidArgumentError(absl::StrCat("\"", cell, "\" is not a day of the calendar"));
  }
  return date;
}

absl::StatusOr<booo::v1::YearMonth> ParseMonth(absl::string_view cell) {
  const std::string s(absl::StripAsciiWhitespace(cell));
  const char* what = "a month (2023-04, 04-2023 or april 2023)";
  int year = 0, month = 0;
  std::vector<absl::string_view> words = absl::StrSplit(s, ' ', absl::SkipEmpty());
  if (words.size() == 2) {
    std::optional<int> named = MonthFromName(words[0]);
    absl::StatusOr<int> y = Int(words[1], cell, what);
    if (!named || !y.ok() || words[1].size() != 4) return NotA(cell, what);
    month = *named;
    year = *y;
  } else {
    const std::vector<absl::string_view> parts = DateParts(s);
    if (parts.size() != 2) return NotA(cell, what);
    absl::StatusOr<int> a = Int(parts[0], cell, what), b = Int(parts[1], cell, what);
    if (!a.ok() || !b.ok()) return NotA(cell, what);
    if (parts[0].size() == 4 && parts[1].size() <= 2) {
      year = *a, month = *b;
    } else if (parts[1].size() == 4 && parts[0].size() <= 2) {
      month = *a, year = *b;
    } else {
      return NotA(cell, what);
    }
  }
  if (month < 1 || month > 12) return NotA(cell, what);
  booo::v1::YearMonth out;
  out.set_year(year);
  out.set_month(month);
  return out;
}

absl::StatusOr<int> ParseEnum(absl::string_view cell, const google::protobuf::EnumDescriptor& type) {
  const std::string word = NormalizeHeader(cell);
  // The prefix every value of the enum shares: "ACCOMMODATION_TYPE_" for AccommodationType.
  const std::string prefix =
      absl::AsciiStrToLower(type.value_count() > 0 ? type.value(0)->name() : "");
  const std::string shared = prefix.substr(0, prefix.rfind("unspecified"));
  for (int i = 0; i < type.value_count(); ++i) {
    const google::protobuf::EnumValueDescriptor& value = *type.value(i);
    if (value.number() == 0) continue;  // "not set" is never a value a cell can give
    const std::string full = absl::AsciiStrToLower(value.name());
    if (word == full || word == full.substr(shared.size())) return value.number();
  }
  for (const EnumWord& alias : kEnumWords) {
    if (word != alias.word) continue;
    if (const auto* value = type.FindValueByName(alias.value)) return value->number();
  }
  std::string allowed;
  for (int i = 1; i < type.value_count(); ++i) {
    absl::StrAppend(&allowed, i > 1 ? ", " : "",
                    absl::AsciiStrToLower(type.value(i)->name().substr(shared.size())));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("\"", cell, "\" is not one of: ", allowed, " (or a Dutch word for one)"));
}

std::string NormalizeHeader(absl::string_view header) {
  std::string text = absl::StrReplaceAll(header, {{"\xE2\x82\xAC", ""}});
  if (size_t open = text.find('('); open != std::string::npos) {
    const size_t close = text.find(')', open);
    if (close != std::string::npos) {
      const std::string inside = text.substr(open + 1, close - open - 1);
      // A unit in brackets ("(€)", "(EUR)", "(euro)") is dropped; other brackets are words.
      const std::string unit = absl::AsciiStrToLower(absl::StripAsciiWhitespace(inside));
      if (unit.empty() || unit == "eur" || unit == "euro" || unit == "euros") {
        text.erase(open, close - open + 1);
      }
    }
  }
  std::string out;
  for (char c : text) {
    const char lower = absl::ascii_tolower(static_cast<unsigned char>(c));
    if (absl::ascii_isalnum(static_cast<unsigned char>(lower)) &&
        static_cast<unsigned char>(c) < 0x80) {
      out.push_back(lower);
    } else if (!out.empty() && out.back() != '_') {
      out.push_back('_');
    }
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out;
}

}  // namespace booo::ledgerctl::import
