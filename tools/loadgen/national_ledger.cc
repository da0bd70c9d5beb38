#include "tools/loadgen/national_ledger.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ledger/core/checkpoint.h"
#include "ledger/core/crypto.h"
#include "ledger/core/event_validation.h"
#include "ledger/storage/ledger.h"
#include "ledger/core/status_macros.h"
#include "replay/calc/grant_payload_rules.h"
#include "replay/calc/rule_guard.h"
#include "replay/rulebook/rule_book.h"

namespace booo::loadgen {
namespace {

// Kept as the first generated ledgers had it: the roots the benchmarks record depend on it.
constexpr char kCheckpointKeyName[] = "booo-ledger.loadgen";

constexpr size_t kBatch = 4096;
constexpr size_t kAppenders = 32;  // concurrent appends per batch: the size of a commit group

struct Signed {
  std::string body;
  std::string signature;
};

class Writer {
 public:
  Writer(const HistoryOptions& history, const LedgerWriteOptions& options)
      : history_(history), options_(options) {}

  absl::Status Open(ledger::Clock* clock);
  // Queues an event signed by `key` (index into keys_: 0 the ministry, 1+i municipality i) for
  // generator day `day`; events of one day are appended concurrently (group commit), days in
  // order. Day -1: set-up events, appended in order.
  absl::Status Put(booo::v1::EventBody body, size_t key, int64_t day = -1);
  absl::Status Flush();
  absl::StatusOr<LedgerWriteReport> Finish();

 private:
  const HistoryOptions& history_;
  const LedgerWriteOptions& options_;
  replay::GrantPayloadRules payload_rules_;
  replay::RuleGuard guard_;
  std::unique_ptr<ledger::Ledger> ledger_;
  std::vector<ledger::Ed25519PrivateKey> keys_;
  std::vector<std::pair<booo::v1::EventBody, size_t>> pending_;
  int64_t pending_day_ = -1;
  uint64_t events_ = 0;
};

absl::Status Writer::Open(ledger::Clock* clock) {
  if (std::filesystem::exists(std::filesystem::path(options_.data_dir) / "CURRENT")) {
    return absl::AlreadyExistsError(
        absl::StrCat("data_dir: ", options_.data_dir, " already holds a ledger"));
  }
  std::filesystem::create_directories(options_.data_dir);
  ASSIGN_OR_RETURN(std::string root_seed, PartySeed(history_.seed, "ministry"));
  ASSIGN_OR_RETURN(ledger::Ed25519PrivateKey root, ledger::Ed25519PrivateKey::FromSeed(root_seed));
  ASSIGN_OR_RETURN(std::string checkpoint_seed, PartySeed(history_.seed, "checkpoint"));
  ASSIGN_OR_RETURN(ledger::Ed25519PrivateKey checkpoint,
                   ledger::Ed25519PrivateKey::FromSeed(checkpoint_seed));
  const std::filesystem::path dir(options_.data_dir);
  RETURN_IF_ERROR(ledger::WritePrivateKeyFile((dir / "checkpoint.key").string(), checkpoint));
  RETURN_IF_ERROR(ledger::WritePrivateKeyFile((dir / "ministry.key").string(), root));
  {
    // The checkpoint verifier key, as `ledgerctl init` writes it (the signed-note vkey format).
    std::ofstream vkey(dir / "checkpoint.vkey", std::ios::trunc);
    vkey << ledger::VerifierKeyString(kCheckpointKeyName, checkpoint.PublicKey()) << "\n";
    if (!vkey) return absl::UnavailableError("checkpoint.vkey: cannot write");
  }
  ledger::LedgerOptions ledger_options;
  ledger_options.sync_writes = options_.sync_writes;
  ledger_options.policy = &guard_;
  ledger_options.payload_rules = &payload_rules_;
  ASSIGN_OR_RETURN(ledger_, ledger::Ledger::Open(options_.data_dir, clock, ledger_options));

  booo::v1::EventBody genesis;
  genesis.set_event_id("genesis");
  genesis.set_stream("keys");
  auto* g = genesis.mutable_genesis();
  g->set_origin("booo-ledger.loadgen/national");
  g->set_ministry_root_public_key(root.PublicKey());
  g->set_checkpoint_public_key(checkpoint.PublicKey());
  g->set_checkpoint_key_name(kCheckpointKeyName);
  keys_.push_back(std::move(root));
  RETURN_IF_ERROR(Put(std::move(genesis), 0));
  for (int i = 0; i < history_.municipalities; ++i) {
    const std::string code = MunicipalityCode(i);
    ASSIGN_OR_RETURN(std::string seed, PartySeed(history_.seed, code));
    ASSIGN_OR_RETURN(ledger::Ed25519PrivateKey key, ledger::Ed25519PrivateKey::FromSeed(seed));
    booo::v1::EventBody reg;
    reg.set_event_id(absl::StrCat("key-", code));
    reg.set_stream("keys");
    auto* r = reg.mutable_key_registered();
    r->set_key_id(key.KeyId());
    r->set_public_key(key.PublicKey());
    r->set_role(booo::v1::ROLE_MUNICIPALITY);
    r->set_municipality_code(code);
    r->set_label(absl::StrCat("municipality ", code));
    keys_.push_back(std::move(key));
    RETURN_IF_ERROR(Put(std::move(reg), 0));
  }
  for (const char* file : {"booo-2022-2025.json", "controls-2022-2025.json"}) {
    ASSIGN_OR_RETURN(
        auto book,
        rulebook::ReadRuleBook((std::filesystem::path(options_.rulebook_dir) / file).string()));
    for (const auto& a : book) {
      booo::v1::EventBody body = a.ToEvent();
      RETURN_IF_ERROR(Put(std::move(body), 0));
    }
  }
  ASSIGN_OR_RETURN(
      auto budget,
      rulebook::ReadBudgetBook(
          (std::filesystem::path(options_.rulebook_dir) / "budget-2022-2027.json").string()));
  for (const auto& line : budget) {
    booo::v1::EventBody body;
    body.set_event_id(line.event_id);
    body.set_stream("budget");
    *body.mutable_budget_line_set() = line.line;
    RETURN_IF_ERROR(Put(std::move(body), 0));
  }
  return Flush();
}

absl::Status Writer::Put(booo::v1::EventBody body, size_t key, int64_t day) {
  if (!pending_.empty() && day != pending_day_) RETURN_IF_ERROR(Flush());
  pending_day_ = day;
  pending_.emplace_back(std::move(body), key);
  // Set-up events may refer to each other (keys, then what they sign): one at a time.
  if (day < 0 || pending_.size() >= kBatch) return Flush();
  return absl::OkStatus();
}

absl::Status Writer::Flush() {
  // Sign in parallel (Ed25519 is the cost), append in order.
  std::vector<Signed> batch(pending_.size());
  std::vector<absl::Status> failures(options_.signing_threads);
  std::vector<std::thread> threads;
  for (int t = 0; t < options_.signing_threads; ++t) {
    threads.emplace_back([&, t] {
      for (size_t i = t; i < pending_.size(); i += options_.signing_threads) {
        auto& [body, key] = pending_[i];
        body.set_signer_key_id(keys_[key].KeyId());
        body.SerializeToString(&batch[i].body);
        absl::StatusOr<std::string> signature = keys_[key].Sign(batch[i].body);
        if (!signature.ok()) {
          failures[t] = signature.status();
          return;
        }
        batch[i].signature = *std::move(signature);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (const absl::Status& s : failures) RETURN_IF_ERROR(s);
  // Independent events (one day's): many appenders, so the ledger commits them in groups.
  const size_t appenders = pending_day_ < 0 ? 1 : kAppenders;
  std::vector<absl::Status> refused(appenders);
  std::vector<std::thread> workers;
  for (size_t t = 0; t < appenders; ++t) {
    workers.emplace_back([&, t] {
      for (size_t i = t; i < batch.size(); i += appenders) {
        absl::StatusOr<ledger::AppendResult> result =
            ledger_->Append(std::move(batch[i].body), std::move(batch[i].signature));
        if (!result.ok()) {
          refused[t] = absl::Status(
              result.status().code(),
              absl::StrCat(pending_[i].first.event_id(), ": ", result.status().message()));
          return;
        }
      }
    });
  }
  for (auto& worker : workers) worker.join();
  for (const absl::Status& s : refused) RETURN_IF_ERROR(s);
  events_ += batch.size();
  pending_.clear();
  return absl::OkStatus();
}

absl::StatusOr<LedgerWriteReport> Writer::Finish() {
  RETURN_IF_ERROR(Flush());
  LedgerWriteReport report;
  report.events = ledger_->Head().size;
  report.root_hex = ledger::HashToHex(ledger_->Head().root);
  if (options_.compact) RETURN_IF_ERROR(ledger_->CompactStorage());
  ledger_->Shutdown();
  ledger_.reset();
  return report;
}

}  // namespace

absl::StatusOr<std::string> PartySeed(uint64_t seed, const std::string& name) {
  return ledger::Sha256Bytes(absl::StrCat("booo-loadgen/", seed, "/", name));
}

absl::StatusOr<LedgerWriteReport> WriteNationalLedger(const HistoryOptions& history,
                                                      const LedgerWriteOptions& options,
                                                      ledger::Clock* clock) {
  const auto start = std::chrono::steady_clock::now();
  Writer writer(history, options);
  RETURN_IF_ERROR(writer.Open(clock));
  RETURN_IF_ERROR(GenerateHistory(history, [&](PlannedEvent e) {
    return writer.Put(std::move(e.body), static_cast<size_t>(e.municipality + 1), e.day);
  }));
  ASSIGN_OR_RETURN(LedgerWriteReport report, writer.Finish());
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace booo::loadgen
