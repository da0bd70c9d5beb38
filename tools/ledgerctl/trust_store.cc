#include "tools/ledgerctl/trust_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "ledger/core/cosignature.h"
#include "ledger/core/status_macros.h"
#include "ledger/core/witness_policy.h"
#include "nlohmann/json.hpp"
#include "tools/ledgerctl/client.h"
#include "tools/ledgerctl/tile_directory.h"

namespace booo::ledgerctl {
namespace {

constexpr char kKeyRotation[] = "key-rotation ";

std::string Evidence(const std::string& why, const std::string& held, const std::string& offered) {
  return absl::StrCat(why, "\n--- the checkpoint the trust store holds:\n", held,
                      "--- the checkpoint now offered:\n", offered);
}

}  // namespace

TrustStore TrustStore::Open(const std::string& dir) {
  if (!dir.empty()) return TrustStore(dir);
  if (const char* env = std::getenv("BOOO_TRUST_STORE"); env != nullptr && *env != '\0') {
    return TrustStore(env);
  }
  const char* home = std::getenv("HOME");
  return TrustStore(absl::StrCat(home == nullptr ? "." : home, "/.booo-ledger/trust"));
}

std::string TrustStore::FileFor(const std::string& origin) const {
  return (std::filesystem::path(dir_) /
          (absl::BytesToHexString(ledger::Sha256Bytes(origin)).substr(0, 32) + ".json"))
      .string();
}

absl::StatusOr<std::optional<TrustedLog>> TrustStore::Find(const std::string& origin) const {
  const std::string file = FileFor(origin);
  std::ifstream in(file);
  if (!in) return std::optional<TrustedLog>();
  std::stringstream text;
  text << in.rdbuf();
  const auto damaged = [&](const std::string& why) {
    return absl::DataLossError(absl::StrCat(
        "trust store: ", file, ": ", why, "; restore it or remove it to trust afresh"));
  };
  const nlohmann::json j = nlohmann::json::parse(text.str(), nullptr, false);
  if (!j.is_object() || !j.contains("origin") || !j["origin"].is_string() ||
      !j.contains("log_keys") || !j["log_keys"].is_array()) {
    return damaged("not a trust store file");
  }
  if (j["origin"] != origin) return damaged("holds another origin");
  TrustedLog log;
  log.origin = origin;
  for (const auto& vkey : j["log_keys"]) {
    if (!vkey.is_string()) return damaged("a log key is not a string");
    auto key = ledger::ParseVerifierKeyString(vkey.get<std::string>());
    if (!key.ok()) return damaged(std::string(key.status().message()));
    log.log_keys.push_back(*key);
  }
  for (const auto& retired : j.value("retired_log_keys", nlohmann::json::array())) {
    if (!retired.is_object() || !retired.contains("vkey") || !retired["vkey"].is_string() ||
        !retired.contains("below_size") || !retired["below_size"].is_number_unsigned()) {
      return damaged("a retired key is malformed");
    }
    auto key = ledger::ParseVerifierKeyString(retired["vkey"].get<std::string>());
    if (!key.ok()) return damaged(std::string(key.status().message()));
    log.retired_keys.push_back({key->first, key->second, retired["below_size"].get<uint64_t>()});
  }
  log.witness_policy = j.value("witness_policy", "");
  log.latest_note = j.value("latest_checkpoint", "");
  return std::optional<TrustedLog>(std::move(log));
}

absl::Status TrustStore::Save(const TrustedLog& log) const {
  nlohmann::ordered_json j;
  j["origin"] = log.origin;
  j["log_keys"] = nlohmann::json::array();
  for (const auto& [name, key] : log.log_keys) {
    j["log_keys"].push_back(ledger::VerifierKeyString(name, key));
  }
  j["retired_log_keys"] = nlohmann::json::array();
  for (const TrustedLog::RetiredKey& key : log.retired_keys) {
    j["retired_log_keys"].push_back(
        {{"vkey", ledger::VerifierKeyString(key.name, key.public_key)}, {"below_size", key.below_size}});
  }
  j["witness_policy"] = log.witness_policy;
  j["latest_checkpoint"] = log.latest_note;
  const std::filesystem::path file = FileFor(log.origin);
  return WriteFileAtomically(dir_, file.filename().string(), j.dump(1) + "\n", /*durable=*/true);
}

void TrustStore::KeepEvidence(const std::string& origin, const std::string& text) const {
  std::error_code ignored;
  std::filesystem::create_directories(dir_, ignored);
  std::ofstream out(std::filesystem::path(dir_) / "evidence.log", std::ios::app);
  out << "=== " << absl::FormatTime(absl::Now()) << " " << origin << "\n" << text << "\n";
}

absl::StatusOr<ledger::Checkpoint> TrustStore::Accept(const std::string& note,
                                                      const AcceptOptions& options) {
  ASSIGN_OR_RETURN(ledger::Checkpoint peeked, ledger::PeekCheckpoint(note));
  // One ledgerctl at a time reads, judges and writes the store.
  std::error_code ignored;
  std::filesystem::create_directories(dir_, ignored);
  const int lock = ::open((std::filesystem::path(dir_) / ".lock").c_str(),
                          O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock < 0 || ::flock(lock, LOCK_EX) != 0) {
    if (lock >= 0) ::close(lock);
    return absl::UnavailableError(absl::StrCat("trust store: ", dir_, ": cannot lock"));
  }
  struct Unlock {
    int fd;
    ~Unlock() { ::close(fd); }
  } unlock{lock};
  ASSIGN_OR_RETURN(std::optional<TrustedLog> found, Find(peeked.origin));
  TrustedLog log = found.value_or(TrustedLog{peeked.origin, {}, {}, "", ""});

  // The log's key: given, pinned, or (first use) the one the ledger records.
  if (!options.verifier_key.empty()) {
    ASSIGN_OR_RETURN(auto key, ledger::ParseVerifierKeyString(options.verifier_key));
    log.log_keys = {key};
  } else if (log.log_keys.empty()) {
    if (!options.recorded_key) {
      return absl::FailedPreconditionError(absl::StrCat(
          "trust store: holds no key for ", peeked.origin, "; give --checkpoint-key"));
    }
    ASSIGN_OR_RETURN(auto key, options.recorded_key());
    log.log_keys = {key};
    std::cerr << "trust store: pinning the checkpoint key the ledger records for " << peeked.origin
              << " (" << ledger::VerifierKeyString(key.first, key.second) << ") on first use\n";
  }
  absl::StatusOr<ledger::Checkpoint> checkpoint = absl::UnauthenticatedError("");
  for (const auto& [name, public_key] : log.log_keys) {
    checkpoint = ledger::OpenCheckpoint(note, name, public_key, peeked.origin);
    if (checkpoint.ok()) break;
  }
  // A key a rotation replaced still vouches for the trees it signed before.
  for (const TrustedLog::RetiredKey& key : log.retired_keys) {
    if (checkpoint.ok() || peeked.tree_size >= key.below_size) continue;
    checkpoint = ledger::OpenCheckpoint(note, key.name, key.public_key, peeked.origin);
  }
  if (!checkpoint.ok()) {
    std::vector<std::string> pinned;
    for (const auto& [name, key] : log.log_keys) pinned.push_back(ledger::VerifierKeyString(name, key));
    return absl::UnauthenticatedError(absl::StrCat(
        "checkpoint: not signed by the key the trust store pins for ", peeked.origin, " (",
        absl::StrJoin(pinned, ", "), "): ", checkpoint.status().message(),
        ". If the log's key changed without a rotation you trust, give --checkpoint-key"));
  }
  // A rotation the checkpoint announces, signed by the new key too, moves the pin.
  for (const std::string& extension : checkpoint->extensions) {
    if (!absl::StartsWith(extension, kKeyRotation)) continue;
    auto next = ledger::ParseVerifierKeyString(extension.substr(sizeof(kKeyRotation) - 1));
    if (next.ok() && *next != log.log_keys.front() &&
        ledger::OpenCheckpoint(note, next->first, next->second, peeked.origin).ok()) {
      for (const auto& [name, key] : log.log_keys) {
        log.retired_keys.push_back({name, key, checkpoint->tree_size});
      }
      log.log_keys = {*next};
    }
  }

  // Consistency with the checkpoint held, before the witnesses: two trees signed by the log's
  // key are proof of a fork whoever cosigned them.
  if (!log.latest_note.empty()) {
    ASSIGN_OR_RETURN(ledger::Checkpoint held, ledger::PeekCheckpoint(log.latest_note));
    // An older checkpoint is a stale or rolled-back view, unless the tree being checked
    // offline holds the held checkpoint's tree too: then it is only an older reference.
    if (checkpoint->tree_size < held.tree_size && options.root_at) {
      std::optional<ledger::Hash> root = options.root_at(held.tree_size);
      if (root && *root == held.root_hash) return *checkpoint;  // the held one stays the latest
      if (root) {
        const std::string evidence = Evidence(
            absl::StrCat("FORK: the checked ledger's tree of size ", held.tree_size, " has root ",
                         ledger::HashToHex(*root), ", not the one the trust store holds"),
            log.latest_note, note);
        KeepEvidence(peeked.origin, evidence);
        return absl::DataLossError(evidence);
      }
    }
    if (checkpoint->tree_size < held.tree_size) {
      return absl::FailedPreconditionError(Evidence(
          absl::StrCat("checkpoint: size ", checkpoint->tree_size, " is older than the size ",
                       held.tree_size, " the trust store holds for ", peeked.origin,
                       " (a log never shrinks: a stale or rolled-back view)"),
          log.latest_note, note));
    }
    bool consistent = false;
    std::string how;
    if (checkpoint->tree_size == held.tree_size) {
      consistent = checkpoint->root_hash == held.root_hash;
      how = "the same size with two roots";
    } else if (held.tree_size == 0) {
      consistent = true;  // every tree extends the empty one
    } else if (options.root_at) {
      std::optional<ledger::Hash> root = options.root_at(held.tree_size);
      if (!root) {
        return absl::InternalError(absl::StrCat("trust store: no root at size ", held.tree_size,
                                                " to compare with the held checkpoint"));
      }
      consistent = *root == held.root_hash;
      how = "the checked tree has another root at the held size";
    } else if (options.consistency_proof) {
      // A proof that cannot be fetched says nothing; one that does not verify is the evidence.
      absl::StatusOr<std::vector<ledger::Hash>> proof =
          options.consistency_proof(held.tree_size, checkpoint->tree_size);
      if (!proof.ok()) {
        return absl::Status(proof.status().code(),
                            absl::StrCat("consistency proof from the held checkpoint (size ",
                                         held.tree_size, "): ", proof.status().message()));
      }
      consistent = ledger::VerifyConsistency(held.tree_size, checkpoint->tree_size, *proof,
                                             held.root_hash, checkpoint->root_hash)
                       .ok();
      how = "the consistency proof from the held tree to this one does not verify";
    } else {
      return absl::InternalError("trust store: no way to check consistency was given");
    }
    if (!consistent) {
      const std::string evidence = Evidence(
          absl::StrCat("FORK: two trees of ", peeked.origin, " under one key (", how,
                       "); keep both checkpoints as evidence"),
          log.latest_note, note);
      KeepEvidence(peeked.origin, evidence);
      return absl::DataLossError(evidence);
    }
  }
  // Witnesses.
  if (!options.witness_policy_file.empty()) {
    ASSIGN_OR_RETURN(log.witness_policy, ReadTextFile(options.witness_policy_file));
  }
  if (!log.witness_policy.empty()) {
    absl::StatusOr<ledger::WitnessPolicy> policy = ledger::WitnessPolicy::Parse(log.witness_policy);
    if (!policy.ok()) return policy.status();
    ASSIGN_OR_RETURN(auto cosigned, ledger::VerifiedCosigners(note, policy->cosigners()));
    std::set<std::string> names;
    for (const auto& [cosigner, timestamp] : cosigned) names.insert(policy->WitnessNamed(cosigner));
    if (!policy->QuorumMet(names)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "checkpoint: cosigned by ", names.empty() ? "no witness" : absl::StrJoin(names, ", "),
          "; the witness policy needs ", policy->DescribeQuorum()));
    }
  }

  log.latest_note = note;
  RETURN_IF_ERROR(Save(log));
  return *checkpoint;
}

}  // namespace booo::ledgerctl
