#include "tools/import/csv_table.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace booo::ledgerctl::import {
namespace {

// The delimiter the header line uses most, outside quotes: ';', ',' or tab.
char DetectDelimiter(absl::string_view text) {
  int semicolons = 0, commas = 0, tabs = 0;
  bool quoted = false;
  for (char c : text) {
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    if (c == '\n' || c == '\r') break;
    semicolons += c == ';';
    commas += c == ',';
    tabs += c == '\t';
  }
  if (semicolons >= commas && semicolons >= tabs && semicolons > 0) return ';';
  if (tabs > commas) return '\t';
  return ',';
}

}  // namespace

absl::StatusOr<CsvTable> ParseCsv(absl::string_view text) {
  if (absl::StartsWith(text, "\xEF\xBB\xBF")) text.remove_prefix(3);
  CsvTable table;
  table.delimiter = DetectDelimiter(text);
  std::vector<CsvRow> records;
  CsvRow record;
  std::string cell;
  bool in_quotes = false, after_quote = false, row_has_text = false;
  int line = 1;
  record.line = 1;
  auto end_cell = [&] {
    record.cells.push_back(std::move(cell));
    cell.clear();
    after_quote = false;
  };
  auto end_record = [&] {
    end_cell();
    if (row_has_text) records.push_back(std::move(record));
    record = CsvRow{};
    row_has_text = false;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          cell.push_back('"');
          ++i;
        } else {
          in_quotes = false;
          after_quote = true;
        }
      } else {
        if (c == '\n') ++line;
        cell.push_back(c);
      }
      continue;
    }
    if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    if (c == '\n' || c == '\r') {
      end_record();
      record.line = ++line;
      continue;
    }
    if (c == table.delimiter) {
      end_cell();
      continue;
    }
    if (after_quote) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", line, ": text after a closing quote"));
    }
    if (c == '"') {
      if (!cell.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("line ", line, ": a quote inside an unquoted cell"));
      }
      in_quotes = true;
      row_has_text = true;
      continue;
    }
    if (c != ' ' && c != '\t') row_has_text = true;
    cell.push_back(c);
  }
  if (in_quotes) {
    return absl::InvalidArgumentError(
        absl::StrCat("line ", record.line, ": a quoted cell is never closed"));
  }
  end_record();
  if (records.empty()) return absl::InvalidArgumentError("the file holds no header line");
  table.header = std::move(records.front().cells);
  for (size_t r = 1; r < records.size(); ++r) {
    CsvRow& row = records[r];
    if (row.cells.size() > table.header.size()) {
      // Trailing empty cells (a spreadsheet's stray delimiters) are no data.
      while (row.cells.size() > table.header.size() && row.cells.back().empty()) {
        row.cells.pop_back();
      }
      if (row.cells.size() > table.header.size()) {
        return absl::InvalidArgumentError(absl::StrCat("line ", row.line, ": ", row.cells.size(),
                                                       " cells, the header has ",
                                                       table.header.size()));
      }
    }
    row.cells.resize(table.header.size());
    table.rows.push_back(std::move(row));
  }
  return table;
}

std::string CsvCell(absl::string_view text, char delimiter) {
  if (text.find_first_of(std::string{'"', '\n', '\r', delimiter}) == absl::string_view::npos) {
    return std::string(text);
  }
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

}  // namespace booo::ledgerctl::import
