// ledgerctl's subcommands, grouped by who uses them. Each Add* registers its subcommands on
// `app`; a command's callback stores its exit code in `exit_code`.
#ifndef BOOO_TOOLS_LEDGERCTL_COMMANDS_H_
#define BOOO_TOOLS_LEDGERCTL_COMMANDS_H_

#include <string>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "tools/ledgerctl/client.h"

namespace booo::ledgerctl {

struct Globals {
  std::string server = "127.0.0.1:50051";
  Transport transport;
};

// keygen, init, register-key, revoke-key: the operator's set-up.
void AddKeyCommands(CLI::App& app, Globals& globals, int& exit_code);
// append, get, read, tail: writing and reading events.
void AddEventCommands(CLI::App& app, Globals& globals, int& exit_code);
// checkpoint, prove, verify, export: the auditor's tools.
void AddAuditCommands(CLI::App& app, Globals& globals, int& exit_code);
// export-tiles: the log as static tlog-tiles files.
void AddTileCommands(CLI::App& app, Globals& globals, int& exit_code);
// witness serve, witness vkey: the witness an auditor runs.
void AddWitnessCommands(CLI::App& app, int& exit_code);
// backup, restore.
void AddBackupCommands(CLI::App& app, Globals& globals, int& exit_code);

// cluster status, switchover: a ledgerd cluster.
void AddClusterCommands(CLI::App& app, Globals& globals, int& exit_code);

// health, access-log: the operator's probe and the read-access log.
void AddOpsCommands(CLI::App& app, Globals& globals, int& exit_code);

// tls init-ca, tls server-cert, tls client-cert: a development CA for mutual TLS.
void AddTlsCommands(CLI::App& app, int& exit_code);

// import: the history kept in spreadsheets, one CSV layout per kind.
void AddImportCommands(CLI::App& app, Globals& globals, int& exit_code);
// known-answers: the C++, Node and Python libraries sign to identical bytes.
void AddKnownAnswerCommands(CLI::App& app, int& exit_code);

// grant, balances, replay-settlement, simulate: the Grants service's queries.
void AddGrantCommands(CLI::App& app, Globals& globals, int& exit_code);
// signals, sisa, budget, mix: the Controls service's queries.
void AddControlCommands(CLI::App& app, Globals& globals, int& exit_code);
// load-rules, load-budget, determine: the ministry's rule book and determinations.
void AddRuleCommands(CLI::App& app, Globals& globals, int& exit_code);

// dossier, report balances, report rules: self-contained HTML pages (tools/reports/).
void AddReportCommands(CLI::App& app, Globals& globals, int& exit_code);

// rebuild-projections: the projection ledgerd keeps across restarts, rebuilt or checked.
void AddProjectionCommands(CLI::App& app, int& exit_code);

// Prints "ledgerctl: <code>: <message>" to stderr and returns 1, or 0 for OK.
int Report(const absl::Status& status);

}  // namespace booo::ledgerctl

#endif  // BOOO_TOOLS_LEDGERCTL_COMMANDS_H_
