// The values of a spreadsheet cell, as Dutch and English spreadsheets write them. Every parser
// answers INVALID_ARGUMENT with a message that quotes the cell and says what was expected; the
// caller prefixes the column and field.
//
// Amounts, in euros, to whole cents:
//   "1234.56", "1.234,56", "1,234.56", "€ 1.234,56", "€1234", "-€ 12,50", "€ -12,50", "EUR 5".
//   With both '.' and ',' the last one is the decimal mark and the other groups thousands. With
//   one of them: followed by one or two digits it is the decimal mark; followed by groups of
//   exactly three digits it groups thousands ("1.234" is 1,234 euros in either locale). More
//   than two decimals is refused (cents are whole), as is anything else.
// Dates: "2022-10-15" (ISO), or the Dutch day first "15-10-2022", "15/10/2022", "15.10.2022",
//   "5-1-2023". Every date is checked against the calendar (29 February only in leap years).
// Months: "2023-04", "04-2023", "4/2023", "april 2023", "apr 2023" (Dutch or English names).
// Whole numbers: "12", "-3", "1.234" or "1,234" (grouped by threes); "12,5" is refused.
// Enumerations: the protobuf name ("ACCOMMODATION_TYPE_HOTEL"), the name without the prefix in
//   any case, with spaces or hyphens for underscores ("hotel", "Holiday park"), or a Dutch word
//   ("vakantiepark", "leefgeld", "afgewezen"); see IMPORT_FORMAT.md for the table.
#ifndef BOOO_TOOLS_IMPORT_CELL_VALUES_H_
#define BOOO_TOOLS_IMPORT_CELL_VALUES_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "booo/v1/types.pb.h"
#include "google/protobuf/descriptor.h"

namespace booo::ledgerctl::import {

absl::StatusOr<int64_t> ParseAmountCents(absl::string_view cell);
absl::StatusOr<booo::v1::CivilDate> ParseDate(absl::string_view cell);
absl::StatusOr<booo::v1::YearMonth> ParseMonth(absl::string_view cell);
absl::StatusOr<int64_t> ParseWholeNumber(absl::string_view cell);
absl::StatusOr<int> ParseEnum(absl::string_view cell, const google::protobuf::EnumDescriptor& type);

// A header as the layouts compare it: lower case, every run of other characters than a-z and
// 0-9 one '_', none at either end, and the euro sign and a unit in brackets dropped:
// "Bedrag (€)" -> "bedrag", "Periode t/m" -> "periode_t_m", "Ontvangst-datum" -> "ontvangst_datum".
std::string NormalizeHeader(absl::string_view header);

}  // namespace booo::ledgerctl::import

#endif  // BOOO_TOOLS_IMPORT_CELL_VALUES_H_
