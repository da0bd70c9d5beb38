// The CSV layouts `ledgerctl import` reads: one per kind of spreadsheet the scheme's history is
// kept in (GOO place declarations, POO person-months, advances paid, transition-cost decisions,
// ...). Each kind is one EventBody payload; each column one field of it, found by its English
// or Dutch header. IMPORT_FORMAT.md (beside this file) is the reference for users; a test keeps
// it and these tables in step.
#ifndef BOOO_TOOLS_IMPORT_IMPORT_LAYOUTS_H_
#define BOOO_TOOLS_IMPORT_IMPORT_LAYOUTS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "booo/v1/events.pb.h"
#include "tools/import/csv_table.h"

namespace booo::ledgerctl::import {

struct ImportColumn {
  std::string header;                // the English header, normalized (NormalizeHeader)
  std::vector<std::string> aliases;  // other accepted headers, normalized (Dutch first)
  std::string field;                 // the payload's field it fills, dotted: "period.first_day"
  bool required = true;
};

struct ImportKind {
  std::string name;                  // as given to --kind: "goo-places"
  std::string payload;               // the EventBody payload field: "goo_places_declared"
  std::string description;           // one line for --help and the docs
  std::vector<ImportColumn> columns;
};

// Every kind, in the order the docs list them.
const std::vector<ImportKind>& ImportKinds();
const ImportKind* FindImportKind(const std::string& name);
// "goo-places, poo-person-months, ..." for messages and --help.
std::string ImportKindNames();

// Which cell of a row fills which column: the header matched against a kind's columns.
struct ColumnMap {
  std::vector<int> cell_of_column;  // per ImportColumn of the kind; -1 when absent (optional)
  int event_id_cell = -1;           // an optional "event_id" column: ids the file chooses
};
// INVALID_ARGUMENT naming the header for a required column missing, a header that is no column
// of the kind (a misspelt one would otherwise be silently dropped), or a column given twice.
absl::StatusOr<ColumnMap> MatchHeader(const ImportKind& kind, const std::vector<std::string>& header);

// The event body one row stands for: the payload's fields from the row's cells, nothing else
// (no event id, signer or stream). INVALID_ARGUMENT "<header> (<payload.field>): <reason>".
absl::StatusOr<booo::v1::EventBody> RowToBody(const ImportKind& kind, const ColumnMap& columns,
                                              const std::vector<std::string>& header,
                                              const CsvRow& row);

}  // namespace booo::ledgerctl::import

#endif  // BOOO_TOOLS_IMPORT_IMPORT_LAYOUTS_H_
