// A CSV file as the spreadsheets of the scheme write it: RFC 4180 quoting, a header line, and
// whichever delimiter the spreadsheet's locale chose. Dutch Excel writes ';' (the comma is its
// decimal mark), English locales ',' and some exports a tab: the header line decides, by which
// of the three it holds most of outside quotes. A UTF-8 byte order mark is skipped, CRLF and LF
// both end a line, and blank lines are ignored.
#ifndef BOOO_TOOLS_IMPORT_CSV_TABLE_H_
#define BOOO_TOOLS_IMPORT_CSV_TABLE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace booo::ledgerctl::import {

struct CsvRow {
  int line = 0;  // 1-based line of the file where the row starts (the header is line 1)
  std::vector<std::string> cells;
};

struct CsvTable {
  char delimiter = ',';
  std::vector<std::string> header;
  std::vector<CsvRow> rows;  // data rows, in file order
};

// INVALID_ARGUMENT naming the line for an empty file, a quote left open, text after a closing
// quote, or a row with more cells than the header. A row with fewer cells is padded with empty
// ones (spreadsheets drop trailing empty cells).
absl::StatusOr<CsvTable> ParseCsv(absl::string_view text);

// The cell as the CSV writer of this project writes it: quoted when it holds the delimiter, a
// quote or a line break.
std::string CsvCell(absl::string_view text, char delimiter = ',');

}  // namespace booo::ledgerctl::import

#endif  // BOOO_TOOLS_IMPORT_CSV_TABLE_H_
