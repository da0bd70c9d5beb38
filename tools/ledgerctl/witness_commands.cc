// witness serve, witness vkey: the witness an auditor runs (tools/ledgerctl/witness_server.h).
#include <csignal>
#include <iostream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "ledger/core/checkpoint.h"
#include "ledger/core/status_macros.h"
#include "tools/ledgerctl/commands.h"
#include "tools/ledgerctl/witness_server.h"

namespace booo::ledgerctl {
namespace {

absl::Status Serve(const WitnessServerOptions& options) {
  // SIGTERM or SIGINT stop it between requests: each answer is persisted before it is sent.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  ASSIGN_OR_RETURN(std::unique_ptr<WitnessServer> server, WitnessServer::Start(options));
  std::cout << nlohmann::json{{"witness", options.name},
                              {"verifier_key", server->VerifierKey()},
                              {"port", server->port()},
                              {"state_dir", options.state_dir}}
                   .dump()
            << std::endl;
  std::thread stopper([&] {
    int signal = 0;
    sigwait(&stop_signals, &signal);
    server->Shutdown();
  });
  server->Wait();
  stopper.join();
  return absl::OkStatus();
}

absl::Status PrintVerifierKey(const std::string& key_file, const std::string& name) {
  ASSIGN_OR_RETURN(ledger::Ed25519PrivateKey key, ledger::ReadPrivateKeyFile(key_file));
  if (!ledger::IsValidNoteKeyName(name)) {
    return absl::InvalidArgumentError(absl::StrCat("name: \"", name, "\" is not a valid key name"));
  }
  std::cout << ledger::VerifierKeyString(name, key.PublicKey(), ledger::kNoteAlgorithmCosignatureV1)
            << "\n";
  return absl::OkStatus();
}

}  // namespace

void AddWitnessCommands(CLI::App& app, int& exit_code) {
  auto* witness = app.add_subcommand("witness", "a C2SP tlog-witness that cosigns checkpoints");
  witness->require_subcommand(1);
  auto options = std::make_shared<WitnessServerOptions>();
  auto logs = std::make_shared<std::vector<std::string>>();
  auto* serve = witness->add_subcommand(
      "serve", "serve add-checkpoint: cosign each consistent checkpoint of the logs given");
  serve->add_option("--key", options->key_file, "the witness's Ed25519 private key (keygen)")
      ->required();
  serve->add_option("--name", options->name, "its cosigner name (a schema-less URL)")->required();
  serve->add_option("--state-dir", options->state_dir, "where it keeps each log's latest tree")
      ->required();
  serve->add_option("--listen", options->listen, "host:port (port 0: any)")->capture_default_str();
  serve->add_option("--log", *logs, "a log to witness: its origin and checkpoint verifier key")
      ->expected(2)
      ->allow_extra_args(false)
      ->required()
      ->take_all();
  serve->callback([options, logs, &exit_code] {
    options->logs.clear();
    for (size_t i = 0; i + 1 < logs->size(); i += 2) {
      options->logs.emplace_back((*logs)[i], (*logs)[i + 1]);
    }
    exit_code = Report(Serve(*options));
  });
  auto key = std::make_shared<std::string>();
  auto name = std::make_shared<std::string>();
  auto* vkey = witness->add_subcommand(
      "vkey", "print the witness's cosigner verifier key, for witness policies");
  vkey->add_option("--key", *key, "the witness's private key")->required();
  vkey->add_option("--name", *name, "its cosigner name")->required();
  vkey->callback([key, name, &exit_code] { exit_code = Report(PrintVerifierKey(*key, *name)); });
}

}  // namespace booo::ledgerctl
