// What `ledgerctl import` says of every row: appended with its sequence, already recorded,
// refused with the exact code, field and reason, or not written (and why). Written as CSV for
// spreadsheets and as text for people, beside the imported file unless --report says where.
#ifndef BOOO_TOOLS_IMPORT_IMPORT_REPORT_H_
#define BOOO_TOOLS_IMPORT_IMPORT_REPORT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace booo::ledgerctl::import {

enum class RowOutcome {
  kPending,          // not decided yet
  kAppended,         // appended now; `sequence` is its place in the log
  kAlreadyRecorded,  // the same bytes were recorded before (a re-import): nothing new
  kRefused,          // refused, by the import's checks or by the server; `status` says why
  kNotWritten,       // valid, but not written: another row was refused, or --dry-run
  kWouldAppend,      // --dry-run: valid and new; an import would append it
};

struct RowResult {
  int row = 0;   // 1-based data row
  int line = 0;  // the file's line (the header is line 1)
  std::string event_id;
  RowOutcome outcome = RowOutcome::kPending;
  std::optional<uint64_t> sequence;
  absl::Status status;  // the refusal, or why a valid row was not written
};

const char* OutcomeName(RowOutcome outcome);
// The field a refusal names: "goo_places_declared.places" from "Plaatsen
// (goo_places_declared.places): ..." or from "goo_places_declared.places: ..."; "" if none.
std::string RefusedField(const absl::Status& status);

// The CSV report: row,line,event_id,outcome,sequence,code,field,message.
std::string ReportCsv(const std::vector<RowResult>& rows);
// The text report: a summary, then one line per row that was not appended or already recorded.
std::string ReportText(const std::string& csv_file, const std::string& kind,
                       const std::vector<RowResult>& rows, bool dry_run);

}  // namespace booo::ledgerctl::import

#endif  // BOOO_TOOLS_IMPORT_IMPORT_REPORT_H_
