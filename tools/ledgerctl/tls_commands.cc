// tls init-ca, tls server-cert, tls client-cert: a development CA for ledgerd's mutual TLS.
// A client certificate is issued over a party's existing ledger key (`ledgerctl keygen`), so
// the key that signs a municipality's events is also the one that proves who is calling.
#include <filesystem>
#include <iostream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "ledger/core/status_macros.h"
#include "nlohmann/json.hpp"
#include "tools/ledgerctl/client.h"
#include "tools/ledgerctl/commands.h"
#include "tools/ledgerctl/dev_ca.h"

namespace booo::ledgerctl {
namespace {

namespace fs = std::filesystem;

constexpr char kCaCertificate[] = "ca.crt";
constexpr char kCaKey[] = "ca.key";

// Private keys are written readable by their owner only.
absl::Status WritePrivate(const fs::path& path, const std::string& text) {
  RETURN_IF_ERROR(WriteTextFile(path.string(), text));
  std::error_code error;
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace,
                  error);
  if (error) {
    return absl::PermissionDeniedError(
        absl::StrCat(path.string(), ": cannot restrict permissions: ", error.message()));
  }
  return absl::OkStatus();
}

absl::Status MustNotExist(const fs::path& path) {
  if (fs::exists(path)) {
    return absl::AlreadyExistsError(absl::StrCat(path.string(), ": already exists"));
  }
  return absl::OkStatus();
}

absl::StatusOr<CertificateAndKey> ReadCa(const std::string& dir) {
  CertificateAndKey ca;
  ASSIGN_OR_RETURN(ca.certificate_pem, ReadTextFile((fs::path(dir) / kCaCertificate).string()));
  ASSIGN_OR_RETURN(ca.private_key_pem, ReadTextFile((fs::path(dir) / kCaKey).string()));
  return ca;
}

struct TlsArgs {
  std::string ca_dir;
  std::string out_dir;
  std::string out;
  std::string key;
  std::string name;
  std::vector<std::string> hosts;
  int days = 365;
};

absl::Status InitCa(const TlsArgs& args) {
  const fs::path dir(args.out_dir);
  RETURN_IF_ERROR(MustNotExist(dir / kCaKey));
  ASSIGN_OR_RETURN(CertificateAndKey ca, MakeDevelopmentCa(args.name, args.days));
  fs::create_directories(dir);
  RETURN_IF_ERROR(WritePrivate(dir / kCaKey, ca.private_key_pem));
  RETURN_IF_ERROR(WriteTextFile((dir / kCaCertificate).string(), ca.certificate_pem));
  std::cout << nlohmann::json{{"ca_certificate", (dir / kCaCertificate).string()},
                              {"ca_key", (dir / kCaKey).string()}}
                   .dump()
            << "\n";
  return absl::OkStatus();
}

absl::Status ServerCert(const TlsArgs& args) {
  const fs::path dir(args.out_dir);
  RETURN_IF_ERROR(MustNotExist(dir / "server.key"));
  ASSIGN_OR_RETURN(CertificateAndKey ca, ReadCa(args.ca_dir));
  ASSIGN_OR_RETURN(CertificateAndKey server, IssueServerCertificate(ca, args.hosts, args.days));
  fs::create_directories(dir);
  RETURN_IF_ERROR(WritePrivate(dir / "server.key", server.private_key_pem));
  RETURN_IF_ERROR(WriteTextFile((dir / "server.crt").string(), server.certificate_pem));
  std::cout << nlohmann::json{{"certificate", (dir / "server.crt").string()},
                              {"key", (dir / "server.key").string()},
                              {"hosts", args.hosts}}
                   .dump()
            << "\n";
  return absl::OkStatus();
}

absl::Status ClientCert(const TlsArgs& args) {
  RETURN_IF_ERROR(MustNotExist(args.out));
  ASSIGN_OR_RETURN(CertificateAndKey ca, ReadCa(args.ca_dir));
  ASSIGN_OR_RETURN(std::string party_key, ReadTextFile(args.key));
  ASSIGN_OR_RETURN(ledger::Ed25519PrivateKey key, ledger::ReadPrivateKeyFile(args.key));
  const std::string name = args.name.empty() ? key.KeyId() : args.name;
  ASSIGN_OR_RETURN(std::string certificate,
                   IssueClientCertificate(ca, party_key, name, args.days));
  RETURN_IF_ERROR(WriteTextFile(args.out, certificate));
  std::cout << nlohmann::json{{"certificate", args.out}, {"key_id", key.KeyId()}, {"name", name}}
                   .dump()
            << "\n";
  return absl::OkStatus();
}

}  // namespace

void AddTlsCommands(CLI::App& app, int& exit_code) {
  auto* tls = app.add_subcommand("tls", "a development CA and certificates for mutual TLS");
  tls->require_subcommand(1);
  auto* init = tls->add_subcommand("init-ca", "create a CA: DIR/ca.key and DIR/ca.crt");
  auto args = std::make_shared<TlsArgs>();
  init->add_option("--out-dir", args->out_dir, "directory for the CA")->required();
  init->add_option("--name", args->name, "the CA's common name")
      ->default_val("booo-ledger development CA");
  init->add_option("--days", args->days, "validity in days")->capture_default_str();
  init->callback([args, &exit_code] { exit_code = Report(InitCa(*args)); });

  auto* server = tls->add_subcommand(
      "server-cert", "a new server key and certificate: OUT_DIR/server.key, OUT_DIR/server.crt");
  args = std::make_shared<TlsArgs>();
  server->add_option("--ca-dir", args->ca_dir, "the CA's directory (tls init-ca)")->required();
  server->add_option("--host", args->hosts, "DNS name or IP address the server answers on")
      ->required();
  server->add_option("--out-dir", args->out_dir, "directory for the key and certificate")
      ->required();
  server->add_option("--days", args->days, "validity in days")->capture_default_str();
  server->callback([args, &exit_code] { exit_code = Report(ServerCert(*args)); });

  auto* client = tls->add_subcommand(
      "client-cert", "a client certificate over a party's ledger key (the key stays yours)");
  args = std::make_shared<TlsArgs>();
  client->add_option("--ca-dir", args->ca_dir, "the CA's directory (tls init-ca)")->required();
  client->add_option("--key", args->key, "the party's ledger key (ledgerctl keygen)")->required();
  client->add_option("--out", args->out, "the certificate file to write")->required();
  client->add_option("--name", args->name, "common name (default: the key id)");
  client->add_option("--days", args->days, "validity in days")->capture_default_str();
  client->callback([args, &exit_code] { exit_code = Report(ClientCert(*args)); });
}

}  // namespace booo::ledgerctl
