#include "tools/import/import_report.h"

#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "tools/import/csv_table.h"

namespace booo::ledgerctl::import {
namespace {

bool IsFieldPath(const std::string& text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!(absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '_' || c == '.' || c == '[' ||
          c == ']')) {
      return false;
    }
  }
  return true;
}

}  // namespace

const char* OutcomeName(RowOutcome outcome) {
  switch (outcome) {
    case RowOutcome::kPending: return "pending";
    case RowOutcome::kAppended: return "appended";
    case RowOutcome::kAlreadyRecorded: return "already-recorded";
    case RowOutcome::kRefused: return "refused";
    case RowOutcome::kNotWritten: return "not-written";
    case RowOutcome::kWouldAppend: return "would-append";
  }
  return "pending";
}

std::string RefusedField(const absl::Status& status) {
  const std::string message(status.message());
  const size_t colon = message.find(": ");
  if (colon == std::string::npos) return "";
  const std::string head = message.substr(0, colon);
  // "Header (payload.field)": the import's own checks of a cell.
  if (head.size() > 2 && head.back() == ')') {
    const size_t open = head.rfind('(');
    if (open != std::string::npos) {
      const std::string inside = head.substr(open + 1, head.size() - open - 2);
      if (IsFieldPath(inside)) return inside;
    }
  }
  return IsFieldPath(head) ? head : "";
}

std::string ReportCsv(const std::vector<RowResult>& rows) {
  std::string out = "row,line,event_id,outcome,sequence,code,field,message\n";
  for (const RowResult& r : rows) {
    const bool has_status = !r.status.ok();
    absl::StrAppend(&out, r.row, ",", r.line, ",", CsvCell(r.event_id), ",",
                    OutcomeName(r.outcome), ",", r.sequence ? absl::StrCat(*r.sequence) : "", ",",
                    has_status ? absl::StatusCodeToString(r.status.code()) : "", ",",
                    CsvCell(has_status ? RefusedField(r.status) : ""), ",",
                    CsvCell(has_status ? r.status.message() : ""), "\n");
  }
  return out;
}

std::string ReportText(const std::string& csv_file, const std::string& kind,
                       const std::vector<RowResult>& rows, bool dry_run) {
  std::map<RowOutcome, int> counts;
  for (const RowResult& r : rows) ++counts[r.outcome];
  std::string out = absl::StrCat("ledgerctl import", dry_run ? " --dry-run" : "", " --kind ", kind,
                                 " --csv ", csv_file, "\n", rows.size(), " rows: ");
  bool first = true;
  for (RowOutcome o : {RowOutcome::kAppended, RowOutcome::kAlreadyRecorded,
                       RowOutcome::kWouldAppend, RowOutcome::kRefused, RowOutcome::kNotWritten,
                       RowOutcome::kPending}) {
    if (counts[o] == 0) continue;
    absl::StrAppend(&out, first ? "" : ", ", counts[o], " ", OutcomeName(o));
    first = false;
  }
  absl::StrAppend(&out, "\n");
  for (const RowResult& r : rows) {
    if (r.outcome == RowOutcome::kRefused) {
      absl::StrAppend(&out, "row ", r.row, " (line ", r.line, ", ", r.event_id, "): refused, ",
                      absl::StatusCodeToString(r.status.code()), ": ", r.status.message(), "\n");
    }
  }
  // Why the valid rows were not written, once (they all share the reason).
  for (const RowResult& r : rows) {
    if (r.outcome == RowOutcome::kNotWritten && !r.status.ok()) {
      absl::StrAppend(&out, "not written: ", r.status.message(), "\n");
      break;
    }
  }
  return out;
}

}  // namespace booo::ledgerctl::import
