// ledgerctl: the operator's, auditor's and municipality's command line for booo-ledger.
#include <iostream>

#include "absl/status/status.h"
#include "tools/ledgerctl/commands.h"

namespace booo::ledgerctl {

int Report(const absl::Status& status) {
  if (status.ok()) return 0;
  std::cerr << "ledgerctl: " << absl::StatusCodeToString(status.code()) << ": " << status.message()
            << "\n";
  return 1;
}

}  // namespace booo::ledgerctl

int main(int argc, char** argv) {
  CLI::App app{"ledgerctl: set up, write to, read and verify a booo-ledger"};
  app.require_subcommand(1);
  booo::ledgerctl::Globals globals;
  app.add_option("--server", globals.server, "ledgerd address host:port")
      ->capture_default_str()
      ->envname("BOOO_SERVER");
  app.add_option("--tls-ca", globals.transport.ca_file,
                 "CA certificate the server's certificate must chain to; without it: plaintext")
      ->envname("BOOO_TLS_CA");
  app.add_option("--tls-cert", globals.transport.cert_file, "this caller's client certificate")
      ->envname("BOOO_TLS_CERT");
  app.add_option("--tls-key", globals.transport.key_file,
                 "the ledger key the client certificate holds (PKCS#8 PEM)")
      ->envname("BOOO_TLS_KEY");
  app.add_option("--tls-server-name", globals.transport.server_name,
                 "name to check the server's certificate for, when not the --server host");
  booo::ledgerctl::UseTransport(&globals.transport);
  booo::ledgerctl::TrustSettings trust;
  app.add_option("--trust-store", trust.store_dir,
                 "the trust store: pinned checkpoint keys, witness policies and the latest "
                 "checkpoint per log (default: ~/.booo-ledger/trust)")
      ->envname("BOOO_TRUST_STORE");
  app.add_option("--witness-policy", trust.witness_policy_file,
                 "a C2SP tlog-policy file: checkpoints need its quorum of witness cosignatures "
                 "(pinned in the trust store for the log from then on)");
  booo::ledgerctl::UseTrustSettings(&trust);
  int exit_code = 0;
  booo::ledgerctl::AddKeyCommands(app, globals, exit_code);
  booo::ledgerctl::AddEventCommands(app, globals, exit_code);
  booo::ledgerctl::AddAuditCommands(app, globals, exit_code);
  booo::ledgerctl::AddBackupCommands(app, globals, exit_code);
  booo::ledgerctl::AddTileCommands(app, globals, exit_code);
  booo::ledgerctl::AddWitnessCommands(app, exit_code);
  booo::ledgerctl::AddGrantCommands(app, globals, exit_code);
  booo::ledgerctl::AddReportCommands(app, globals, exit_code);
  booo::ledgerctl::AddRuleCommands(app, globals, exit_code);
  booo::ledgerctl::AddControlCommands(app, globals, exit_code);
  booo::ledgerctl::AddClusterCommands(app, globals, exit_code);
  booo::ledgerctl::AddOpsCommands(app, globals, exit_code);
  booo::ledgerctl::AddTlsCommands(app, exit_code);
  booo::ledgerctl::AddImportCommands(app, globals, exit_code);
  booo::ledgerctl::AddKnownAnswerCommands(app, exit_code);
  booo::ledgerctl::AddProjectionCommands(app, exit_code);
  CLI11_PARSE(app, argc, argv);
  return exit_code;
}
