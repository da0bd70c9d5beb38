// keygen, init, register-key, revoke-key.
#include <filesystem>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "ledger/core/checkpoint.h"
#include "ledger/core/clock.h"
#include "ledger/core/crypto.h"
#include "ledger/storage/ledger.h"
#include "ledger/core/status_macros.h"
#include "tools/ledgerctl/client.h"
#include "tools/ledgerctl/commands.h"

namespace booo::ledgerctl {
namespace {

absl::Status Keygen(const std::string& prefix) {
  // A key that is registered with the ledger cannot be made again: never overwrite one.
  for (const std::string& file : {prefix + ".key", prefix + ".pub"}) {
    if (std::filesystem::exists(file)) {
      return absl::AlreadyExistsError(absl::StrCat("--out: ", file, " exists; keygen never "
                                                   "overwrites a key (choose another prefix)"));
    }
  }
  // The folder the prefix names is created (as `mkdir -p`), so `--out keys/gm0363` just works.
  std::filesystem::path folder = std::filesystem::path(prefix).parent_path();
  std::error_code error;
  if (!folder.empty() && !std::filesystem::create_directories(folder, error) && error) {
    return absl::FailedPreconditionError(
        absl::StrCat("--out: cannot create the folder ", folder.string(), ": ", error.message()));
  }
  ASSIGN_OR_RETURN(ledger::Ed25519PrivateKey key, ledger::Ed25519PrivateKey::Generate());
  RETURN_IF_ERROR(ledger::WritePrivateKeyFile(prefix + ".key", key));
  RETURN_IF_ERROR(ledger::WritePublicKeyFile(prefix + ".pub", key.PublicKey()));
  std::cout << nlohmann::json{{"key_id", key.KeyId()},
                              {"private_key_file", prefix + ".key"},
                              {"public_key_file", prefix + ".pub"}}
                   .dump()
            << "\n";
  return absl::OkStatus();
}

struct InitArgs {
  std::string data_dir = "ledger-data";
  std::string root_key;
  std::string origin = "booo-ledger.local/dev";
  std::string checkpoint_key_name;  // default: the origin, as C2SP tlog-checkpoint asks
};

// Writes the genesis straight into a new data directory (no server yet) and creates the
// server's checkpoint key beside it.
absl::Status Init(InitArgs args) {
  if (args.checkpoint_key_name.empty()) args.checkpoint_key_name = args.origin;
  if (std::filesystem::exists(std::filesystem::path(args.data_dir) / "CURRENT")) {
    return absl::AlreadyExistsError(
        absl::StrCat("data-dir: ", args.data_dir, " already holds a ledger"));
  }
  ASSIGN_OR_RETURN(ledger::Ed25519PrivateKey root, ledger::ReadPrivateKeyFile(args.root_key));
  std::filesystem::create_directories(args.data_dir);
  ASSIGN_OR_RETURN(ledger::Ed25519PrivateKey checkpoint_key, ledger::Ed25519PrivateKey::Generate());
  const std::string key_file = (std::filesystem::path(args.data_dir) / "checkpoint.key").string();
  RETURN_IF_ERROR(ledger::WritePrivateKeyFile(key_file, checkpoint_key));

  booo::v1::EventBody body;
  body.set_event_id("genesis");
  body.set_stream("keys");
  body.set_signer_key_id(root.KeyId());
  ledger::SystemClock clock;
  body.set_client_time_micros(clock.NowMicros());
  auto* genesis = body.mutable_genesis();
  genesis->set_origin(args.origin);
  genesis->set_ministry_root_public_key(root.PublicKey());
  genesis->set_checkpoint_public_key(checkpoint_key.PublicKey());
  genesis->set_checkpoint_key_name(args.checkpoint_key_name);
  std::string bytes;
  body.SerializeToString(&bytes);
  ASSIGN_OR_RETURN(std::string signature, root.Sign(bytes));

  ASSIGN_OR_RETURN(std::unique_ptr<ledger::Ledger> ledger,
                   ledger::Ledger::Open(args.data_dir, &clock));
  ASSIGN_OR_RETURN(ledger::AppendResult result, ledger->Append(bytes, signature));
  const std::string vkey =
      ledger::VerifierKeyString(args.checkpoint_key_name, checkpoint_key.PublicKey());
  RETURN_IF_ERROR(WriteTextFile((std::filesystem::path(args.data_dir) / "checkpoint.vkey").string(),
                                vkey + "\n"));
  std::cout << nlohmann::json{{"initialised", args.data_dir},
                              {"origin", args.origin},
                              {"ministry_root_key_id", root.KeyId()},
                              {"checkpoint_key_file", key_file},
                              {"checkpoint_verifier_key", vkey},
                              {"genesis_leaf_hash", ledger::HashToHex(*ledger::HashFromBytes(
                                                        result.receipt.leaf_hash()))}}
                   .dump()
            << "\n";
  return absl::OkStatus();
}

absl::StatusOr<booo::v1::Role> ParseRole(const std::string& role) {
  if (role == "ministry") return booo::v1::ROLE_MINISTRY;
  if (role == "municipality") return booo::v1::ROLE_MUNICIPALITY;
  if (role == "auditor") return booo::v1::ROLE_AUDITOR;
  if (role == "mirror") return booo::v1::ROLE_MIRROR;
  return absl::InvalidArgumentError(
      absl::StrCat("role: \"", role, "\" is not ministry, municipality or auditor"));
}

struct KeyEventArgs {
  std::string signer;
  std::string public_key;
  std::string role;
  std::string municipality;
  std::string label;
  std::string key_id;
  std::string reason;
  std::string event_id;
  std::string key_name;
};

// A key event (`body`, the envelope left for SignAndAppend to fill in) signed with the ministry
// key in `args.signer` and appended; its receipt.
absl::StatusOr<booo::v1::AppendResponse> AppendKeyEvent(const Globals& globals,
                                                        const KeyEventArgs& args,
                                                        booo::v1::EventBody body) {
  ASSIGN_OR_RETURN(ledger::Ed25519PrivateKey signer, ledger::ReadPrivateKeyFile(args.signer));
  body.set_event_id(args.event_id);
  auto stub = Connect(globals.server);
  return SignAndAppend(*stub, body, signer);
}

absl::Status RegisterKey(const Globals& globals, const KeyEventArgs& args) {
  ASSIGN_OR_RETURN(std::string public_key, ledger::ReadPublicKeyFile(args.public_key));
  ASSIGN_OR_RETURN(booo::v1::Role role, ParseRole(args.role));
  booo::v1::EventBody body;
  auto* k = body.mutable_key_registered();
  k->set_key_id(ledger::KeyIdForPublicKey(public_key));
  k->set_public_key(public_key);
  k->set_role(role);
  k->set_municipality_code(args.municipality);
  k->set_label(args.label);
  ASSIGN_OR_RETURN(booo::v1::AppendResponse response, AppendKeyEvent(globals, args, body));
  nlohmann::json out = ReceiptToJson(response);
  out["registered_key_id"] = k->key_id();
  std::cout << out.dump() << "\n";
  return absl::OkStatus();
}

absl::Status RevokeKey(const Globals& globals, const KeyEventArgs& args) {
  booo::v1::EventBody body;
  body.mutable_key_revoked()->set_key_id(args.key_id);
  body.mutable_key_revoked()->set_reason(args.reason);
  ASSIGN_OR_RETURN(booo::v1::AppendResponse response, AppendKeyEvent(globals, args, body));
  std::cout << ReceiptToJson(response).dump() << "\n";
  return absl::OkStatus();
}

// The server's checkpoint key changes from the tree that holds this event on. The server must
// already hold the new private key (ledgerd --checkpoint-key, given twice), or it refuses.
absl::Status RotateCheckpointKey(const Globals& globals, KeyEventArgs args) {
  ASSIGN_OR_RETURN(std::string public_key, ledger::ReadPublicKeyFile(args.public_key));
  if (args.key_name.empty()) {  // the origin, as C2SP tlog-checkpoint asks
    auto stub = Connect(globals.server);
    grpc::ClientContext context;
    booo::v1::Checkpoint head;
    RETURN_IF_ERROR(FromGrpc(stub->GetCheckpoint(&context, {}, &head)));
    args.key_name = head.origin();
  }
  booo::v1::EventBody body;
  auto* r = body.mutable_checkpoint_key_rotated();
  r->set_checkpoint_public_key(public_key);
  r->set_checkpoint_key_name(args.key_name);
  r->set_reason(args.reason);
  ASSIGN_OR_RETURN(booo::v1::AppendResponse response, AppendKeyEvent(globals, args, body));
  nlohmann::json out = ReceiptToJson(response);
  out["checkpoint_verifier_key"] = ledger::VerifierKeyString(args.key_name, public_key);
  out["first_tree_size"] = response.receipt().sequence() + 1;
  std::cout << out.dump() << "\n";
  return absl::OkStatus();
}

}  // namespace

void AddKeyCommands(CLI::App& app, Globals& globals, int& exit_code) {
  auto* keygen =
      app.add_subcommand("keygen", "create an Ed25519 key pair (PREFIX.key, PREFIX.pub)");
  auto prefix = std::make_shared<std::string>();
  keygen->add_option("--out", *prefix, "file prefix")->required();
  keygen->callback([prefix, &exit_code] { exit_code = Report(Keygen(*prefix)); });

  auto* init = app.add_subcommand("init", "create a ledger: genesis with the ministry root key");
  auto init_args = std::make_shared<InitArgs>();
  init->add_option("--data-dir", init_args->data_dir, "new data directory")->capture_default_str();
  init->add_option("--root-key", init_args->root_key, "ministry root private key file")->required();
  init->add_option("--origin", init_args->origin, "checkpoint origin")->capture_default_str();
  init->add_option("--checkpoint-key-name", init_args->checkpoint_key_name,
                   "signed-note key name (default: the origin)");
  init->callback([init_args, &exit_code] { exit_code = Report(Init(*init_args)); });

  auto key_args = std::make_shared<KeyEventArgs>();
  auto* reg = app.add_subcommand("register-key", "register a key (signed by a ministry key)");
  reg->add_option("--signer", key_args->signer, "ministry private key file")->required();
  reg->add_option("--public-key", key_args->public_key, "public key file to register")->required();
  reg->add_option("--role", key_args->role, "ministry | municipality | auditor | mirror")->required();
  reg->add_option("--municipality", key_args->municipality, "GM#### for a municipality key");
  reg->add_option("--label", key_args->label, "who holds the key");
  reg->add_option("--event-id", key_args->event_id, "event id (default: random)");
  reg->callback(
      [&globals, key_args, &exit_code] { exit_code = Report(RegisterKey(globals, *key_args)); });

  auto* rev = app.add_subcommand("revoke-key", "revoke a key from now on (ministry)");
  rev->add_option("--signer", key_args->signer, "ministry private key file")->required();
  rev->add_option("--key-id", key_args->key_id, "key id to revoke")->required();
  rev->add_option("--reason", key_args->reason, "why");
  rev->add_option("--event-id", key_args->event_id, "event id (default: random)");
  rev->callback(
      [&globals, key_args, &exit_code] { exit_code = Report(RevokeKey(globals, *key_args)); });

  auto* rot = app.add_subcommand(
      "rotate-checkpoint-key",
      "sign checkpoints with a new key from the tree holding this event on (ministry; the "
      "server must hold the new key: ledgerd --checkpoint-key old.key --checkpoint-key new.key)");
  rot->add_option("--signer", key_args->signer, "ministry private key file")->required();
  rot->add_option("--public-key", key_args->public_key, "the new checkpoint public key file")
      ->required();
  rot->add_option("--key-name", key_args->key_name,
                  "its signed-note key name (default: the ledger's origin)");
  rot->add_option("--reason", key_args->reason, "why");
  rot->add_option("--event-id", key_args->event_id, "event id (default: random)");
  rot->callback([&globals, key_args, &exit_code] {
    exit_code = Report(RotateCheckpointKey(globals, *key_args));
  });
}

}  // namespace booo::ledgerctl
