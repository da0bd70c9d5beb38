// checkpoint, prove, verify, export: everything an auditor needs, none of it trusting the server.
#include <filesystem>
#include <iostream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "ledger/core/export_file.h"
#include "ledger/storage/store_export.h"
#include "ledger/core/leaf_format.h"
#include "ledger/core/merkle.h"
#include "ledger/core/status_macros.h"
#include "ledger/storage/store.h"
#include "ledger/core/verifier.h"
#include "replay/calc/grant_payload_rules.h"
#include "replay/calc/rule_guard.h"
#include "tools/ledgerctl/client.h"
#include "tools/ledgerctl/commands.h"
#include "tools/ledgerctl/trust_store.h"

namespace booo::ledgerctl {
namespace {

std::vector<ledger::Hash> ToHashes(const google::protobuf::RepeatedPtrField<std::string>& raw,
                                   absl::Status& status) {
  std::vector<ledger::Hash> out;
  for (const auto& bytes : raw) {
    auto hash = ledger::HashFromBytes(bytes);
    if (!hash.ok()) {
      status = absl::DataLossError("proof: a hash is not 32 bytes");
      return {};
    }
    out.push_back(*hash);
  }
  return out;
}

absl::Status Checkpoint(const Globals& globals, const std::string& verifier_arg,
                        const std::string& out) {
  ASSIGN_OR_RETURN(std::string verifier_key, VerifierKeyArgument(verifier_arg));
  auto stub = Connect(globals.server);
  std::string note;
  ASSIGN_OR_RETURN(ledger::Checkpoint checkpoint,
                   FetchVerifiedCheckpoint(*stub, verifier_key, &note));
  if (!out.empty()) RETURN_IF_ERROR(WriteTextFile(out, note));
  std::cout << note;
  std::cerr << "checkpoint signature verified: size " << checkpoint.tree_size << ", root "
            << ledger::HashToHex(checkpoint.root_hash) << "\n";
  return absl::OkStatus();
}

struct ProveArgs {
  int64_t sequence = -1;
  std::string old_checkpoint;
  std::string verifier_key;
};

absl::Status Prove(const Globals& globals, const ProveArgs& args) {
  ASSIGN_OR_RETURN(std::string verifier_key, VerifierKeyArgument(args.verifier_key));
  auto stub = Connect(globals.server);
  ASSIGN_OR_RETURN(ledger::Checkpoint head, FetchVerifiedCheckpoint(*stub, verifier_key, nullptr));
  absl::Status status;
  if (args.sequence >= 0) {
    booo::v1::GetEventRequest get;
    get.set_sequence(static_cast<uint64_t>(args.sequence));
    booo::v1::StoredEvent event;
    grpc::ClientContext get_context;
    RETURN_IF_ERROR(FromGrpc(stub->GetEvent(&get_context, get, &event)));
    // Recompute the leaf from the event's own fields: the proof then covers its content.
    ASSIGN_OR_RETURN(std::string leaf, ledger::EncodeLeaf(ledger::Leaf{
                                           event.sequence(), event.recorded_at_micros(),
                                           event.key_id(), event.body(), event.signature()}));
    const ledger::Hash leaf_hash = ledger::HashLeaf(leaf);
    booo::v1::GetInclusionProofRequest request;
    request.set_sequence(event.sequence());
    request.set_tree_size(head.tree_size);
    booo::v1::InclusionProof proof;
    grpc::ClientContext context;
    RETURN_IF_ERROR(FromGrpc(stub->GetInclusionProof(&context, request, &proof)));
    std::vector<ledger::Hash> hashes = ToHashes(proof.hashes(), status);
    RETURN_IF_ERROR(status);
    RETURN_IF_ERROR(ledger::VerifyInclusion(leaf_hash, event.sequence(), head.tree_size, hashes,
                                            head.root_hash));
    std::cout << nlohmann::json{{"inclusion", "verified"},
                                {"sequence", event.sequence()},
                                {"leaf_hash", ledger::HashToHex(leaf_hash)},
                                {"tree_size", head.tree_size},
                                {"root", ledger::HashToHex(head.root_hash)},
                                {"proof_hashes", hashes.size()}}
                     .dump()
              << "\n";
  }
  if (!args.old_checkpoint.empty()) {
    ASSIGN_OR_RETURN(std::string note, ReadTextFile(args.old_checkpoint));
    ASSIGN_OR_RETURN(ledger::Checkpoint unverified, ledger::PeekCheckpoint(note));
    std::string origin;
    ASSIGN_OR_RETURN(auto verifier,
                     CheckpointVerifier(*stub, verifier_key, unverified.tree_size, &origin));
    ASSIGN_OR_RETURN(ledger::Checkpoint old,
                     ledger::OpenCheckpoint(note, verifier.first, verifier.second, origin));
    if (old.tree_size > head.tree_size) {
      return absl::DataLossError(absl::StrCat("old checkpoint: size ", old.tree_size,
                                              " is beyond the ledger's ", head.tree_size,
                                              ": history was truncated"));
    }
    std::vector<ledger::Hash> hashes;
    if (old.tree_size > 0) {
      booo::v1::GetConsistencyProofRequest request;
      request.set_old_size(old.tree_size);
      request.set_new_size(head.tree_size);
      booo::v1::ConsistencyProof proof;
      grpc::ClientContext context;
      RETURN_IF_ERROR(FromGrpc(stub->GetConsistencyProof(&context, request, &proof)));
      hashes = ToHashes(proof.hashes(), status);
      RETURN_IF_ERROR(status);
    }
    RETURN_IF_ERROR(ledger::VerifyConsistency(old.tree_size, head.tree_size, hashes, old.root_hash,
                                              head.root_hash));
    std::cout << nlohmann::json{{"consistency", "verified"},
                                {"old_size", old.tree_size},
                                {"new_size", head.tree_size},
                                {"proof_hashes", hashes.size()}}
                     .dump()
              << "\n";
  }
  if (args.sequence < 0 && args.old_checkpoint.empty()) {
    return absl::InvalidArgumentError("prove: give --sequence and/or --old-checkpoint");
  }
  return absl::OkStatus();
}

struct VerifyArgs {
  std::string data_dir;
  std::string export_file;
  std::string checkpoint;
  std::string verifier_key;
};

absl::Status Verify(const VerifyArgs& args) {
  if (args.data_dir.empty() == args.export_file.empty()) {
    return absl::InvalidArgumentError("verify: give exactly one of --data-dir and --export");
  }
  ledger::VerifyOptions options;
  // The rule guarantee (no retroactive downward revision) is re-checked as the server did.
  replay::RuleGuard rule_guard;
  options.policy = &rule_guard;
  replay::GrantPayloadRules payload_rules;
  options.payload_rules = &payload_rules;
  if (!args.checkpoint.empty()) {
    ASSIGN_OR_RETURN(options.trusted_checkpoint, ReadTextFile(args.checkpoint));
  }
  ASSIGN_OR_RETURN(std::string verifier_key, VerifierKeyArgument(args.verifier_key));
  if (!verifier_key.empty()) options.checkpoint_verifier_key = verifier_key;

  std::unique_ptr<ledger::LedgerStore> store;
  std::unique_ptr<ledger::LeafSource> leaves;
  if (!args.data_dir.empty()) {
    ASSIGN_OR_RETURN(store, ledger::LedgerStore::Open(args.data_dir, {.read_only = true}));
    ASSIGN_OR_RETURN(uint64_t size, store->TreeSize());
    options.stored_tree = store.get();
    options.stored_tree_size = size;
    leaves = std::make_unique<ledger::StoreLeafSource>(*store, size);
  } else {
    ASSIGN_OR_RETURN(leaves, ledger::ExportFileReader::Open(args.export_file));
  }
  // The trust store's checkpoint of this log, if it holds one: the ledger must extend it.
  TrustStore trust = TrustStore::Open(CurrentTrustSettings().store_dir);
  std::optional<TrustedLog> held;
  if (options.trusted_checkpoint) {
    if (auto peeked = ledger::PeekCheckpoint(*options.trusted_checkpoint); peeked.ok()) {
      ASSIGN_OR_RETURN(held, trust.Find(peeked->origin));
    }
  }
  if (held && !held->latest_note.empty()) {
    if (auto peeked = ledger::PeekCheckpoint(held->latest_note); peeked.ok()) {
      options.roots_at.push_back(peeked->tree_size);
    }
  }
  std::optional<uint64_t> bad;
  absl::StatusOr<ledger::VerifyReport> report = ledger::VerifyLedger(*leaves, options, &bad);
  if (!report.ok()) {
    std::cout << nlohmann::json{{"verified", false},
                                {"first_bad_sequence",
                                 bad ? nlohmann::json(*bad) : nlohmann::json(nullptr)},
                                {"reason", std::string(report.status().message())}}
                     .dump()
              << "\n";
    return report.status();
  }
  // A checkpoint key given by hand that this ledger never put in force is worth saying.
  bool key_recorded = true;
  if (!verifier_key.empty()) {
    ASSIGN_OR_RETURN(auto given, ledger::ParseVerifierKeyString(verifier_key));
    key_recorded = false;
    for (const ledger::CheckpointKey& key : report->checkpoint_keys) {
      key_recorded = key_recorded || key.public_key == given.second;
    }
    if (!key_recorded) {
      std::cerr << "verify: WARNING: the checkpoint key given (" << verifier_key
                << ") was never recorded by this ledger: neither its genesis nor a rotation "
                   "names it, so the ledger itself does not vouch for that key\n";
    }
  }
  if (options.trusted_checkpoint) {
    AcceptOptions accept;
    accept.verifier_key = verifier_key;
    accept.witness_policy_file = CurrentTrustSettings().witness_policy_file;
    const std::vector<ledger::CheckpointKey> keys = report->checkpoint_keys;
    const uint64_t size = report->checkpoint_size.value_or(report->events);
    accept.recorded_key = [keys, size]() -> absl::StatusOr<std::pair<std::string, std::string>> {
      const ledger::CheckpointKey* key = ledger::CheckpointKeyFor(keys, size);
      if (key == nullptr) return absl::DataLossError("the ledger records no checkpoint key");
      return std::make_pair(key->key_name, key->public_key);
    };
    const std::map<uint64_t, ledger::Hash> roots = report->roots_at;
    accept.root_at = [roots](uint64_t at) -> std::optional<ledger::Hash> {
      auto found = roots.find(at);
      if (found == roots.end()) return std::nullopt;
      return found->second;
    };
    RETURN_IF_ERROR(trust.Accept(*options.trusted_checkpoint, accept).status());
  }
  nlohmann::json out{{"verified", true},
                     {"checkpoint_key_recorded", key_recorded},
                     {"events", report->events},
                     {"root", ledger::HashToHex(report->root)},
                     {"keys", report->keys},
                     {"origin", report->genesis.origin},
                     {"signatures_checked", report->events}};
  if (report->checkpoint_size) out["trusted_checkpoint_size"] = *report->checkpoint_size;
  std::cout << out.dump() << "\n";
  return absl::OkStatus();
}

absl::Status Export(const std::string& data_dir, const std::string& out) {
  ASSIGN_OR_RETURN(auto store, ledger::LedgerStore::Open(data_dir, {.read_only = true}));
  ASSIGN_OR_RETURN(uint64_t size, store->TreeSize());
  ASSIGN_OR_RETURN(uint64_t written, ledger::WriteExportFile(*store, size, out));
  std::cout << nlohmann::json{{"exported", written}, {"file", out}}.dump() << "\n";
  return absl::OkStatus();
}

}  // namespace

void AddAuditCommands(CLI::App& app, Globals& globals, int& exit_code) {
  auto verifier = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  auto* checkpoint = app.add_subcommand("checkpoint", "fetch and check the signed tree head");
  checkpoint->add_option("--checkpoint-key", *verifier, "verifier key (or file); default: genesis");
  checkpoint->add_option("--out", *out, "save the signed note here");
  checkpoint->callback([&globals, verifier, out, &exit_code] {
    exit_code = Report(Checkpoint(globals, *verifier, *out));
  });

  auto prove_args = std::make_shared<ProveArgs>();
  auto* prove = app.add_subcommand("prove", "check inclusion and consistency proofs locally");
  prove->add_option("--sequence", prove_args->sequence, "prove this event is in the tree");
  prove->add_option("--old-checkpoint", prove_args->old_checkpoint,
                    "prove the current tree extends this saved checkpoint");
  prove->add_option("--checkpoint-key", prove_args->verifier_key, "verifier key (or file)");
  prove->callback(
      [&globals, prove_args, &exit_code] { exit_code = Report(Prove(globals, *prove_args)); });

  auto verify_args = std::make_shared<VerifyArgs>();
  auto* verify = app.add_subcommand("verify", "re-check the whole ledger offline");
  verify->add_option("--data-dir", verify_args->data_dir, "a data directory (opened read-only)");
  verify->add_option("--export", verify_args->export_file, "an export file");
  verify->add_option("--checkpoint", verify_args->checkpoint, "a trusted checkpoint (signed note)");
  verify->add_option("--checkpoint-key", verify_args->verifier_key, "verifier key (or file)");
  verify->callback([verify_args, &exit_code] { exit_code = Report(Verify(*verify_args)); });

  auto data_dir = std::make_shared<std::string>();
  auto file = std::make_shared<std::string>();
  auto* exp = app.add_subcommand("export", "write every leaf to an export file");
  exp->add_option("--data-dir", *data_dir, "data directory (opened read-only)")->required();
  exp->add_option("--out", *file, "export file")->required();
  exp->callback([data_dir, file, &exit_code] { exit_code = Report(Export(*data_dir, *file)); });
}

}  // namespace booo::ledgerctl
