// backup, restore: a copy of a serving ledger, and a data directory made from one only after it
// verifies.
//
// A backup directory holds `store/` (the RocksDB files of a consistent copy taken while the
// server kept appending) and `head.checkpoint` (the checkpoint the server signed at the tree
// head the copy holds). Neither the server's checkpoint key nor any other private key is in it.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ledger/core/checkpoint.h"
#include "ledger/core/export_file.h"
#include "ledger/storage/store_export.h"
#include "ledger/core/merkle.h"
#include "ledger/core/status_macros.h"
#include "ledger/storage/store.h"
#include "ledger/core/verifier.h"
#include "replay/calc/grant_payload_rules.h"
#include "replay/calc/rule_guard.h"
#include "tools/ledgerctl/client.h"
#include "tools/ledgerctl/commands.h"

namespace booo::ledgerctl {
namespace {

namespace fs = std::filesystem;

constexpr char kStoreDir[] = "store";
constexpr char kHeadFile[] = "head.checkpoint";

// A file name the server may send: plain, within the directory.
bool IsPlainFileName(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
         name.find('\0') == std::string::npos;
}

absl::Status MustNotExist(const std::string& path, absl::string_view flag) {
  if (fs::exists(path)) {
    return absl::AlreadyExistsError(absl::StrCat(flag, ": ", path, " already exists"));
  }
  return absl::OkStatus();
}

// The whole check of a backup's store: every event, signature, rule and tree node, the root,
// and `trusted_note` (a signed checkpoint the store must extend or equal); then the backup's
// own head, which must name exactly the copy's size and root.
absl::StatusOr<ledger::VerifyReport> VerifyBackup(const fs::path& backup,
                                                  const std::string& trusted_note,
                                                  const std::string& verifier_key) {
  ASSIGN_OR_RETURN(std::string head_note, ReadTextFile((backup / kHeadFile).string()));
  ASSIGN_OR_RETURN(std::unique_ptr<ledger::LedgerStore> store,
                   ledger::LedgerStore::Open((backup / kStoreDir).string(), {.read_only = true}));
  ASSIGN_OR_RETURN(uint64_t size, store->TreeSize());
  replay::RuleGuard rule_guard;
  ledger::VerifyOptions options;
  options.policy = &rule_guard;
  replay::GrantPayloadRules payload_rules;
  options.payload_rules = &payload_rules;
  options.stored_tree = store.get();
  options.stored_tree_size = size;
  options.trusted_checkpoint = trusted_note.empty() ? head_note : trusted_note;
  if (!verifier_key.empty()) options.checkpoint_verifier_key = verifier_key;
  ledger::StoreLeafSource leaves(*store, size);
  ASSIGN_OR_RETURN(ledger::VerifyReport report, ledger::VerifyLedger(leaves, options));
  // The head the server signed for this copy: the same key as above, the copy's exact size.
  const ledger::CheckpointKey* key = ledger::CheckpointKeyFor(report.checkpoint_keys, report.events);
  std::string name = key->key_name;
  std::string public_key = key->public_key;
  if (!verifier_key.empty()) {
    ASSIGN_OR_RETURN(std::tie(name, public_key), ledger::ParseVerifierKeyString(verifier_key));
  }
  ASSIGN_OR_RETURN(ledger::Checkpoint head,
                   ledger::OpenCheckpoint(head_note, name, public_key, report.genesis.origin));
  if (head.tree_size != report.events || head.root_hash != report.root) {
    return absl::DataLossError(absl::StrCat(
        kHeadFile, ": names ", head.tree_size, " events with root ",
        ledger::HashToHex(head.root_hash), "; the store holds ", report.events, " with root ",
        ledger::HashToHex(report.root)));
  }
  return report;
}

struct BackupArgs {
  std::string out;
  std::string verifier_key;
};

absl::Status Backup(const Globals& globals, const BackupArgs& args) {
  RETURN_IF_ERROR(MustNotExist(args.out, "--out"));
  ASSIGN_OR_RETURN(std::string verifier_key, VerifierKeyArgument(args.verifier_key));
  const fs::path out(args.out);
  const fs::path store = out / kStoreDir;
  fs::create_directories(store);
  auto stub = Connect(globals.server);
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReader<booo::v1::BackupChunk>> reader =
      stub->Backup(&context, booo::v1::BackupRequest());
  booo::v1::BackupChunk chunk;
  std::ofstream file;
  std::string file_name;
  uint64_t expected_offset = 0;
  std::set<std::string> complete;
  uint64_t bytes = 0;
  std::optional<booo::v1::Checkpoint> head;
  absl::Status failed;
  while (failed.ok() && reader->Read(&chunk)) {
    if (head) {
      failed = absl::DataLossError("backup: the server sent more after the head");
    } else if (chunk.has_head()) {
      if (file.is_open()) failed = absl::DataLossError("backup: a file was cut short");
      head = chunk.head();
    } else {
      const booo::v1::BackupFilePart& part = chunk.file();
      if (!IsPlainFileName(part.name()) || complete.count(part.name()) != 0) {
        failed = absl::DataLossError(absl::StrCat("backup: unexpected file name ", part.name()));
        break;
      }
      if (!file.is_open()) {
        file_name = part.name();
        expected_offset = 0;
        file.open(store / file_name, std::ios::binary | std::ios::trunc);
      }
      if (part.name() != file_name || part.offset() != expected_offset) {
        failed = absl::DataLossError(absl::StrCat("backup: ", part.name(), " at offset ",
                                                  part.offset(), " out of order"));
        break;
      }
      file.write(part.data().data(), static_cast<std::streamsize>(part.data().size()));
      expected_offset += part.data().size();
      bytes += part.data().size();
      if (part.last()) {
        file.close();
        if (!file) failed = absl::UnavailableError(absl::StrCat("backup: cannot write ", file_name));
        complete.insert(file_name);
      }
    }
  }
  if (!failed.ok()) context.TryCancel();
  const grpc::Status finished = reader->Finish();
  if (failed.ok()) failed = FromGrpc(finished);
  if (failed.ok() && !head) failed = absl::DataLossError("backup: the server sent no head");
  if (failed.ok()) failed = WriteTextFile((out / kHeadFile).string(), head->note());
  if (!failed.ok()) {
    std::error_code ignored;
    fs::remove_all(out, ignored);  // nothing of a failed backup stays
    return failed;
  }
  // Verified before it is called a backup: complete, and exactly the head the server signed.
  absl::StatusOr<ledger::VerifyReport> report = VerifyBackup(out, "", verifier_key);
  if (!report.ok()) {
    std::error_code ignored;
    fs::remove_all(out, ignored);
    return report.status();
  }
  std::cout << nlohmann::json{{"backup", args.out},
                              {"events", report->events},
                              {"root", ledger::HashToHex(report->root)},
                              {"files", complete.size()},
                              {"bytes", bytes},
                              {"verified", true}}
                   .dump()
            << "\n";
  return absl::OkStatus();
}

struct RestoreArgs {
  std::string from;
  std::string data_dir;
  std::string checkpoint;
  std::string verifier_key;
};

absl::Status Restore(const RestoreArgs& args) {
  RETURN_IF_ERROR(MustNotExist(args.data_dir, "--data-dir"));
  ASSIGN_OR_RETURN(std::string verifier_key, VerifierKeyArgument(args.verifier_key));
  const fs::path from(args.from);
  if (!fs::exists(from / kHeadFile) || !fs::exists(from / kStoreDir / "CURRENT")) {
    return absl::NotFoundError(
        absl::StrCat("--from: ", args.from, " is not a backup (no ", kHeadFile, " and store)"));
  }
  std::string latest;
  if (!args.checkpoint.empty()) {
    ASSIGN_OR_RETURN(latest, ReadTextFile(args.checkpoint));
  }
  absl::StatusOr<ledger::VerifyReport> report = VerifyBackup(from, latest, verifier_key);
  if (!report.ok()) {
    // A latest checkpoint beyond the backup: restoring would silently drop acknowledged
    // events; say how many.
    return absl::Status(report.status().code(),
                        absl::StrCat("restore: the backup does not verify against ",
                                     latest.empty() ? "its own head" : args.checkpoint, ": ",
                                     report.status().message()));
  }
  fs::create_directories(args.data_dir);
  for (const auto& entry : fs::directory_iterator(from / kStoreDir)) {
    fs::copy_file(entry.path(), fs::path(args.data_dir) / entry.path().filename());
  }
  nlohmann::json out{{"restored", args.data_dir},
                     {"events", report->events},
                     {"root", ledger::HashToHex(report->root)},
                     {"verified", true}};
  if (report->checkpoint_size) out["checked_against_checkpoint_size"] = *report->checkpoint_size;
  std::cout << out.dump() << "\n";
  std::cerr << "restore: the checkpoint key is not part of a backup; start ledgerd with "
               "--checkpoint-key pointing at the kept key\n";
  return absl::OkStatus();
}

}  // namespace

void AddBackupCommands(CLI::App& app, Globals& globals, int& exit_code) {
  auto backup_args = std::make_shared<BackupArgs>();
  auto* backup = app.add_subcommand(
      "backup", "copy the serving ledger to a directory (consistent, verified, without keys)");
  backup->add_option("--out", backup_args->out, "a new backup directory")->required();
  backup->add_option("--checkpoint-key", backup_args->verifier_key,
                     "verifier key (or file) for the head; default: the ledger's genesis");
  backup->callback(
      [&globals, backup_args, &exit_code] { exit_code = Report(Backup(globals, *backup_args)); });

  auto restore_args = std::make_shared<RestoreArgs>();
  auto* restore = app.add_subcommand(
      "restore", "make a data directory from a backup, only if it verifies");
  restore->add_option("--from", restore_args->from, "a backup directory")->required();
  restore->add_option("--data-dir", restore_args->data_dir, "the new data directory")
      ->required();
  restore->add_option("--checkpoint", restore_args->checkpoint,
                      "the latest checkpoint handed out (signed note): the backup must hold it");
  restore->add_option("--checkpoint-key", restore_args->verifier_key,
                      "verifier key (or file); default: the backup's own genesis");
  restore->callback([restore_args, &exit_code] { exit_code = Report(Restore(*restore_args)); });
}

}  // namespace booo::ledgerctl
