// import: the scheme's history from the spreadsheets it is kept in today, one CSV layout per
// kind (tools/import/IMPORT_FORMAT.md), signed and appended as batches.
//
// Every row is checked before anything is written: its cells (import/import_layouts.h), then
// the event it makes against the ledger's own stateless rules and admission rules with the
// signer's key as the ledger registers it (role, municipality, revocation), exactly as the
// server will judge it. One refused row and nothing is written. Each row's event id is derived
// from the file's source name and the row's number (or given in an event_id column), and the
// body carries no clock, so the same file signs the same bytes again: a re-import is a no-op
// (every row "already recorded"), and a row edited since it was imported is refused by the
// ledger with ALREADY_EXISTS, never silently changed. The report says what became of each row.
#include <chrono>
#include <filesystem>
#include <iostream>
#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "ledger/core/admission.h"
#include "ledger/core/crypto.h"
#include "ledger/core/event_validation.h"
#include "ledger/core/key_registry.h"
#include "ledger/core/leaf_format.h"
#include "ledger/core/merkle.h"
#include "ledger/core/status_macros.h"
#include "replay/calc/grant_payload_rules.h"
#include "tools/ledgerctl/client.h"
#include "tools/ledgerctl/commands.h"
#include "tools/import/csv_table.h"
#include "tools/import/import_layouts.h"
#include "tools/import/import_report.h"

namespace booo::ledgerctl {
namespace {

using import::RowOutcome;
using import::RowResult;

struct ImportArgs {
  std::string kind;
  std::string csv;
  std::string key;
  std::string source;  // names the file in the event ids; default: the file's name
  std::string report;  // report prefix; default: the file's path
  bool dry_run = false;
  int batch = 256;
};

struct PreparedRow {
  RowResult result;
  booo::v1::SignedEvent event;
};

// "imp-goo-places-" and 24 hex digits of SHA-256 over the source name, kind and row number.
std::string DerivedEventId(const std::string& source, const std::string& kind, int row) {
  const std::string digest =
      ledger::Sha256Bytes(absl::StrCat("booo-ledger import v1", std::string(1, '\0'), source,
                                       std::string(1, '\0'), kind, std::string(1, '\0'), row));
  return absl::StrCat("imp-", kind, "-", absl::BytesToHexString(digest).substr(0, 24));
}

// The key registry as the ledger holds it now (the "keys" stream), and the log's size.
absl::StatusOr<std::pair<ledger::KeyRegistry, uint64_t>> LedgerKeys(booo::v1::Ledger::Stub& stub) {
  ledger::KeyRegistry keys;
  uint64_t size = 0;
  RETURN_IF_ERROR(ForEachStreamEvent(stub, "keys", [&](const booo::v1::StoredEvent& event) {
    booo::v1::EventBody body;
    if (!body.ParseFromString(event.body())) {
      return absl::DataLossError(absl::StrCat("keys: event ", event.sequence(), " does not parse"));
    }
    keys.Apply(body, event.sequence());
    size = std::max(size, event.sequence() + 1);
    return absl::OkStatus();
  }));
  booo::v1::Checkpoint head;
  RETURN_IF_ERROR(WithinRate([&] {
    grpc::ClientContext context;
    return stub.GetCheckpoint(&context, booo::v1::GetCheckpointRequest(), &head);
  }));
  return std::make_pair(std::move(keys), std::max(size, head.tree_size()));
}

// Parses, signs and checks one row.
absl::Status PrepareRow(const import::ImportKind& kind, const import::ColumnMap& columns,
                        const import::CsvTable& table, size_t i,
                        const ledger::Ed25519PrivateKey& key, const ledger::KeyRegistry& keys,
                        uint64_t log_size, int64_t now, PreparedRow& row) {
  static const replay::GrantPayloadRules* const kRules = new replay::GrantPayloadRules;
  ASSIGN_OR_RETURN(booo::v1::EventBody body,
                   import::RowToBody(kind, columns, table.header, table.rows[i]));
  body.set_event_id(row.result.event_id);
  ASSIGN_OR_RETURN(row.event, SignEvent(body, key));
  // The body as signed: the stream and signer filled in.
  ASSIGN_OR_RETURN(body, ledger::ParseEventBody(row.event.body()));
  RETURN_IF_ERROR(ledger::ValidateEventBody(body, kRules));
  // The signature was made just now with the key whose public key the key id is the hash of, so
  // admission need not verify it again (that would double the import's CPU); the rest of
  // admission (the key registered, not revoked, its role and municipality, the business date)
  // is checked as the server will.
  return ledger::AdmitEvent({.body = &body,
                             .body_bytes = row.event.body(),
                             .signature = row.event.signature(),
                             .sequence = std::max<uint64_t>(log_size, 1),
                             .signature_verified = true,
                             .recorded_at_micros = now},
                            keys);
}

// Parses, signs and checks every row, on every core: the rows' results say refused or pending.
absl::StatusOr<std::vector<PreparedRow>> PrepareRows(const ImportArgs& args,
                                                     const import::ImportKind& kind,
                                                     const import::CsvTable& table,
                                                     const ledger::Ed25519PrivateKey& key,
                                                     const ledger::KeyRegistry& keys,
                                                     uint64_t log_size) {
  ASSIGN_OR_RETURN(import::ColumnMap columns, import::MatchHeader(kind, table.header));
  std::vector<PreparedRow> rows(table.rows.size());
  std::vector<absl::Status> checks(rows.size());
  // The event ids first, in file order: a repeated id is refused in the later row.
  absl::flat_hash_map<std::string, int> row_of_id;
  for (size_t i = 0; i < rows.size(); ++i) {
    RowResult& result = rows[i].result;
    result.row = static_cast<int>(i) + 1;
    result.line = table.rows[i].line;
    result.event_id =
        columns.event_id_cell >= 0
            ? std::string(absl::StripAsciiWhitespace(table.rows[i].cells[columns.event_id_cell]))
            : DerivedEventId(args.source, kind.name, result.row);
    if (result.event_id.empty()) {
      checks[i] = absl::InvalidArgumentError("event_id: is empty");
      continue;
    }
    auto [it, fresh] = row_of_id.emplace(result.event_id, result.row);
    if (!fresh) {
      checks[i] = absl::InvalidArgumentError(
          absl::StrCat("event_id: \"", result.event_id, "\" is also row ", it->second, "'s"));
    }
  }
  const int64_t now = absl::ToUnixMicros(absl::Now());
  const size_t threads = std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 16);
  std::vector<std::thread> workers;
  for (size_t t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (size_t i = t; i < rows.size(); i += threads) {
        if (checks[i].ok()) {
          checks[i] = PrepareRow(kind, columns, table, i, key, keys, log_size, now, rows[i]);
        }
      }
    });
  }
  for (std::thread& w : workers) w.join();
  for (size_t i = 0; i < rows.size(); ++i) {
    if (checks[i].code() == absl::StatusCode::kInternal) return checks[i];
    if (!checks[i].ok()) {
      rows[i].result.outcome = RowOutcome::kRefused;
      rows[i].result.status = std::move(checks[i]);
    }
  }
  return rows;
}

// The receipt is for the bytes sent: its leaf hash recomputed from them.
absl::Status CheckReceipt(const booo::v1::SignedEvent& event, const booo::v1::Receipt& receipt,
                          const std::string& key_id) {
  ASSIGN_OR_RETURN(std::string leaf, ledger::EncodeLeaf({.sequence = receipt.sequence(),
                                                         .recorded_at_micros =
                                                             receipt.recorded_at_micros(),
                                                         .key_id = key_id,
                                                         .body = event.body(),
                                                         .signature = event.signature()}));
  const ledger::Hash hash = ledger::HashLeaf(leaf);
  if (std::string(hash.begin(), hash.end()) != receipt.leaf_hash()) {
    return absl::DataLossError(absl::StrCat("receipt of ", receipt.event_id(), " at sequence ",
                                            receipt.sequence(),
                                            ": its leaf hash is not that of the bytes sent"));
  }
  return absl::OkStatus();
}

// AppendBatch with the same bytes again on UNAVAILABLE or DEADLINE_EXCEEDED (a retry gets the
// original receipts), after the rate limit's wait, and at a mirror's primary.
absl::Status SendBatch(std::unique_ptr<booo::v1::Ledger::Stub>& stub,
                       const booo::v1::AppendBatchRequest& request,
                       booo::v1::AppendBatchResponse& response) {
  absl::Status status;
  for (int attempt = 0, hops = 0; attempt < 6; ++attempt) {
    status = WithinRate([&] {
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
      return stub->AppendBatch(&context, request, &response);
    });
    if (std::optional<std::string> primary = PrimaryHint(status); primary && hops++ < 3) {
      std::cerr << "ledgerctl: following the primary at " << *primary << "\n";
      stub = Connect(*primary);
      continue;
    }
    if (!absl::IsUnavailable(status) && !absl::IsDeadlineExceeded(status)) return status;
    absl::SleepFor(absl::Milliseconds(250 << attempt));
  }
  return status;
}

// The refused event's index from "events[i]: ...", or -1.
int RefusedIndex(const absl::Status& status) {
  const absl::string_view message = status.message();
  if (!absl::StartsWith(message, "events[")) return -1;
  const size_t close = message.find(']');
  int index = -1;
  if (close == absl::string_view::npos || !absl::SimpleAtoi(message.substr(7, close - 7), &index)) {
    return -1;
  }
  return index;
}

// Appends the rows in file order, a batch at a time. A row the server refuses is reported and
// its batch sent again without it (a batch is all or nothing, so nothing of it was written).
absl::Status AppendRows(std::unique_ptr<booo::v1::Ledger::Stub>& stub,
                        std::vector<PreparedRow>& rows, int batch_size,
                        const std::string& key_id) {
  const auto start = std::chrono::steady_clock::now();
  auto last_progress = start;
  size_t done = 0;
  for (size_t first = 0; first < rows.size(); first += batch_size) {
    std::vector<size_t> pending;
    for (size_t i = first; i < std::min(rows.size(), first + batch_size); ++i) pending.push_back(i);
    while (!pending.empty()) {
      booo::v1::AppendBatchRequest request;
      for (size_t i : pending) *request.add_events() = rows[i].event;
      booo::v1::AppendBatchResponse response;
      absl::Status status = SendBatch(stub, request, response);
      if (status.ok()) {
        if (response.results_size() != static_cast<int>(pending.size())) {
          return absl::DataLossError("AppendBatch: one receipt per event expected");
        }
        for (size_t j = 0; j < pending.size(); ++j) {
          PreparedRow& row = rows[pending[j]];
          const booo::v1::AppendResponse& r = response.results(static_cast<int>(j));
          RETURN_IF_ERROR(CheckReceipt(row.event, r.receipt(), key_id));
          row.result.sequence = r.receipt().sequence();
          row.result.outcome = r.duplicate() ? RowOutcome::kAlreadyRecorded : RowOutcome::kAppended;
        }
        break;
      }
      const int index = RefusedIndex(status);
      if (index < 0 || index >= static_cast<int>(pending.size())) return status;
      RowResult& refused = rows[pending[index]].result;
      refused.outcome = RowOutcome::kRefused;
      refused.status = absl::Status(status.code(),
                                    status.message().substr(status.message().find(": ") + 2));
      pending.erase(pending.begin() + index);
    }
    done = std::min(rows.size(), first + batch_size);
    const auto now = std::chrono::steady_clock::now();
    if (now - last_progress > std::chrono::seconds(2) && done < rows.size()) {
      const double seconds = std::chrono::duration<double>(now - start).count();
      std::cerr << absl::StrFormat("ledgerctl import: %d of %d rows (%.0f rows/s)\n", done,
                                   rows.size(), done / seconds);
      last_progress = now;
    }
  }
  return absl::OkStatus();
}

// Whether the ledger holds the row's event id already, with the same bytes or others.
absl::Status ClassifyRow(booo::v1::Ledger::Stub& stub, PreparedRow& row) {
  if (row.result.outcome == RowOutcome::kRefused) return absl::OkStatus();
  booo::v1::GetEventRequest request;
  request.set_event_id(row.result.event_id);
  booo::v1::StoredEvent stored;
  absl::Status status = WithinRate([&] {
    grpc::ClientContext context;
    return stub.GetEvent(&context, request, &stored);
  });
  if (absl::IsNotFound(status)) {
    row.result.outcome = RowOutcome::kWouldAppend;
    return absl::OkStatus();
  }
  RETURN_IF_ERROR(status);
  if (stored.body() == row.event.body()) {
    row.result.outcome = RowOutcome::kAlreadyRecorded;
    row.result.sequence = stored.sequence();
  } else {
    row.result.outcome = RowOutcome::kRefused;
    row.result.status = absl::AlreadyExistsError(absl::StrCat(
        "event_id: ", row.result.event_id, " is recorded at sequence ", stored.sequence(),
        " with other bytes: the row changed since it was imported"));
  }
  return absl::OkStatus();
}

// --dry-run: what an import would do with each valid row, asked of the ledger by event id
// (eight lookups in flight: one unary call per row is a round trip each).
absl::Status ClassifyExisting(booo::v1::Ledger::Stub& stub, std::vector<PreparedRow>& rows) {
  constexpr size_t kInFlight = 8;
  std::vector<absl::Status> failures(kInFlight);
  std::vector<std::thread> workers;
  for (size_t t = 0; t < kInFlight; ++t) {
    workers.emplace_back([&, t] {
      for (size_t i = t; i < rows.size() && failures[t].ok(); i += kInFlight) {
        failures[t] = ClassifyRow(stub, rows[i]);
      }
    });
  }
  for (std::thread& w : workers) w.join();
  for (const absl::Status& failure : failures) RETURN_IF_ERROR(failure);
  return absl::OkStatus();
}

absl::Status Import(const Globals& globals, ImportArgs args) {
  const import::ImportKind* kind = import::FindImportKind(args.kind);
  if (kind == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("--kind: \"", args.kind, "\" is not one of ", import::ImportKindNames()));
  }
  if (args.batch < 1 || args.batch > 256) {
    return absl::InvalidArgumentError("--batch: must be 1..256 events");
  }
  ASSIGN_OR_RETURN(std::string text, ReadTextFile(args.csv));
  if (args.source.empty()) args.source = std::filesystem::path(args.csv).filename().string();
  if (args.report.empty()) args.report = args.csv;
  ASSIGN_OR_RETURN(import::CsvTable table, import::ParseCsv(text));
  if (table.rows.empty()) return absl::InvalidArgumentError("--csv: the file holds no rows");
  ASSIGN_OR_RETURN(ledger::Ed25519PrivateKey key, ledger::ReadPrivateKeyFile(args.key));
  auto stub = Connect(globals.server);
  ASSIGN_OR_RETURN(auto ledger_keys, LedgerKeys(*stub));
  ASSIGN_OR_RETURN(std::vector<PreparedRow> rows,
                   PrepareRows(args, *kind, table, key, ledger_keys.first, ledger_keys.second));
  size_t refused = 0;
  for (const PreparedRow& row : rows) refused += row.result.outcome == RowOutcome::kRefused;
  if (refused > 0) {
    for (PreparedRow& row : rows) {
      if (row.result.outcome == RowOutcome::kRefused) continue;
      row.result.outcome = RowOutcome::kNotWritten;
      row.result.status = absl::FailedPreconditionError(
          absl::StrCat(refused, " of ", rows.size(),
                       " rows are refused: nothing of the file is written"));
    }
  } else if (args.dry_run) {
    RETURN_IF_ERROR(ClassifyExisting(*stub, rows));
  }
  absl::Status appended = absl::OkStatus();
  if (refused == 0 && !args.dry_run) appended = AppendRows(stub, rows, args.batch, key.KeyId());
  std::vector<RowResult> results;
  for (PreparedRow& row : rows) {
    if (row.result.outcome == RowOutcome::kPending) {
      row.result.outcome = RowOutcome::kNotWritten;
      row.result.status = absl::Status(appended.code(),
                                       absl::StrCat("the import stopped: ", appended.message()));
    }
    results.push_back(row.result);
  }
  const std::string report_text = import::ReportText(args.csv, kind->name, results, args.dry_run);
  RETURN_IF_ERROR(WriteTextFile(args.report + ".report.csv", import::ReportCsv(results)));
  RETURN_IF_ERROR(WriteTextFile(args.report + ".report.txt", report_text));
  std::cout << report_text.substr(0, report_text.find('\n', report_text.find('\n') + 1) + 1)
            << "report: " << args.report << ".report.csv, " << args.report << ".report.txt\n";
  RETURN_IF_ERROR(appended);
  size_t refused_after = 0;
  for (const RowResult& r : results) refused_after += r.outcome == RowOutcome::kRefused;
  if (refused_after > 0) {
    const RowResult& first = *std::find_if(results.begin(), results.end(), [](const RowResult& r) {
      return r.outcome == RowOutcome::kRefused;
    });
    return absl::Status(first.status.code(),
                        absl::StrCat(refused_after, " of ", results.size(), " rows refused; row ",
                                     first.row, " (line ", first.line, "): ",
                                     first.status.message()));
  }
  return absl::OkStatus();
}

}  // namespace

void AddImportCommands(CLI::App& app, Globals& globals, int& exit_code) {
  auto args = std::make_shared<ImportArgs>();
  auto* import = app.add_subcommand(
      "import", "bring the history kept in spreadsheets in: a CSV file of one kind, every row "
                "checked before any is written, signed and appended as batches; a re-import is a "
                "no-op (see tools/import/IMPORT_FORMAT.md)");
  import->add_option("--kind", args->kind, import::ImportKindNames())->required();
  import->add_option("--csv", args->csv, "the CSV file (',' ';' or tab; Dutch or English headers)")
      ->required();
  import->add_option("--key", args->key, "the signer's private key file")->required();
  import->add_option("--source", args->source,
                     "the name the rows' event ids derive from (default: the file's name): keep "
                     "it when the file is renamed, so a re-import stays a no-op");
  import->add_option("--report", args->report,
                     "write PREFIX.report.csv and PREFIX.report.txt (default: beside the file)");
  import->add_flag("--dry-run", args->dry_run,
                   "check every row and ask the ledger which are new; write nothing to it");
  import->add_option("--batch", args->batch, "events per AppendBatch (1..256)")
      ->capture_default_str();
  import->callback([&globals, args, &exit_code] { exit_code = Report(Import(globals, *args)); });
}

}  // namespace booo::ledgerctl
