#include "tools/ledgerctl/witness_server.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "httplib.h"
#include "ledger/core/checkpoint.h"
#include "ledger/core/status_macros.h"
#include "nlohmann/json.hpp"
#include "tools/ledgerctl/tile_directory.h"

namespace booo::ledgerctl {
namespace {

std::string OriginHash(const std::string& origin) {
  return absl::BytesToHexString(ledger::Sha256Bytes(origin));
}

nlohmann::json ToJson(const ledger::WitnessedLog& log) {
  nlohmann::json keys = nlohmann::json::array();
  for (const auto& [name, public_key] : log.log_keys) {
    keys.push_back(ledger::VerifierKeyString(name, public_key));
  }
  nlohmann::json retired = nlohmann::json::array();
  for (const auto& [name, public_key] : log.retired_log_keys) {
    retired.push_back(ledger::VerifierKeyString(name, public_key));
  }
  return {{"origin", log.origin}, {"size", log.size}, {"root", ledger::HashToHex(log.root)},
          {"note", log.note}, {"log_keys", keys}, {"retired_log_keys", retired}};
}

absl::StatusOr<ledger::WitnessedLog> FromJson(const std::string& text, const std::string& file) {
  const auto bad = [&](const std::string& why) {
    return absl::DataLossError(absl::StrCat(file, ": ", why));
  };
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("origin") || !j["origin"].is_string() || !j.contains("size") ||
      !j["size"].is_number_unsigned() || !j.contains("root") || !j["root"].is_string() ||
      !j.contains("log_keys") || !j["log_keys"].is_array() || !j.contains("note") ||
      !j["note"].is_string()) {
    return bad("not a witness state file");
  }
  ledger::WitnessedLog log;
  log.origin = j["origin"].get<std::string>();
  log.size = j["size"].get<uint64_t>();
  const std::string root_hex = j["root"].get<std::string>();
  auto root = ledger::HashFromBytes(absl::HexStringToBytes(root_hex));
  if (root_hex.size() != 64 || !root.ok()) return bad("root is not 64 hex digits");
  log.root = *root;
  log.note = j["note"].get<std::string>();
  for (const auto& vkey : j["log_keys"]) {
    if (!vkey.is_string()) return bad("a log key is not a string");
    auto key = ledger::ParseVerifierKeyString(vkey.get<std::string>());
    if (!key.ok()) return bad(std::string(key.status().message()));
    log.log_keys.push_back(*key);
  }
  if (log.log_keys.empty()) return bad("no log key");
  for (const auto& vkey : j.value("retired_log_keys", nlohmann::json::array())) {
    if (!vkey.is_string()) return bad("a retired log key is not a string");
    auto key = ledger::ParseVerifierKeyString(vkey.get<std::string>());
    if (!key.ok()) return bad(std::string(key.status().message()));
    log.retired_log_keys.push_back(*key);
  }
  return log;
}

}  // namespace

absl::StatusOr<std::unique_ptr<WitnessServer>> WitnessServer::Start(
    const WitnessServerOptions& options) {
  std::unique_ptr<WitnessServer> server(new WitnessServer());
  server->options_ = options;
  ASSIGN_OR_RETURN(ledger::Ed25519PrivateKey key, ledger::ReadPrivateKeyFile(options.key_file));
  server->key_ = std::make_unique<ledger::Ed25519PrivateKey>(std::move(key));
  if (!ledger::IsValidNoteKeyName(options.name)) {
    return absl::InvalidArgumentError(absl::StrCat("name: \"", options.name,
                                                   "\" is not a valid note key name"));
  }
  if (options.state_dir.empty()) return absl::InvalidArgumentError("state_dir: is required");
  std::filesystem::create_directories(options.state_dir);
  // One witness per state: two processes on one directory could each cosign another tree.
  server->lock_fd_ = ::open((std::filesystem::path(options.state_dir) / ".lock").c_str(),
                            O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (server->lock_fd_ < 0 || ::flock(server->lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "state_dir: ", options.state_dir, " is in use by another witness process"));
  }
  if (options.logs.empty()) return absl::InvalidArgumentError("log: witness at least one log");
  absl::MutexLock lock(&server->mutex_);
  for (const auto& [origin, vkey] : options.logs) {
    auto log_key = ledger::ParseVerifierKeyString(vkey);
    if (!log_key.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("log ", origin, ": ", log_key.status().message()));
    }
    ledger::WitnessedLog log;
    log.origin = origin;
    log.root = ledger::EmptyTreeRoot();
    log.log_keys = {*log_key};
    const std::filesystem::path file =
        std::filesystem::path(options.state_dir) / (OriginHash(origin) + ".json");
    if (std::filesystem::exists(file)) {
      std::ifstream in(file);
      std::stringstream text;
      text << in.rdbuf();
      ASSIGN_OR_RETURN(ledger::WitnessedLog stored, FromJson(text.str(), file.string()));
      if (stored.origin != origin) {
        return absl::DataLossError(absl::StrCat(file.string(), ": another origin"));
      }
      // The configured key must be the one the state trusts or one it rotated away from: any
      // other is another log under this origin, which this state must not be mixed with.
      bool known = false;
      for (const auto& key : stored.log_keys) known = known || key == *log_key;
      for (const auto& key : stored.retired_log_keys) known = known || key == *log_key;
      if (!known) {
        return absl::FailedPreconditionError(absl::StrCat(
            "log ", origin, ": the key given is neither the one this witness trusts for it (",
            ledger::VerifierKeyString(stored.log_keys.front().first, stored.log_keys.front().second),
            ") nor one it rotated away from; to witness another log under this origin, move ",
            file.string(), " away"));
      }
      log = std::move(stored);
    }
    server->logs_[origin] = std::move(log);
  }

  auto split = options.listen.rfind(':');
  if (split == std::string::npos) return absl::InvalidArgumentError("listen: not host:port");
  const std::string host = options.listen.substr(0, split);
  const int port = std::atoi(options.listen.c_str() + split + 1);
  server->http_ = std::make_unique<httplib::Server>();
  httplib::Server& http = *server->http_;
  http.set_payload_max_length(ledger::kMaxAddCheckpointBytes);
  http.set_tcp_nodelay(true);
  http.set_read_timeout(10, 0);
  WitnessServer* raw = server.get();
  http.Post("/add-checkpoint", [raw](const httplib::Request& request, httplib::Response& response) {
    ledger::WitnessAnswer answer = raw->AddCheckpoint(request.body);
    response.status = answer.http_status;
    response.set_content(answer.body, answer.content_type.c_str());
  });
  http.Get(R"(/([0-9a-f]{64})/checkpoint)", [raw](const httplib::Request& request,
                                                  httplib::Response& response) {
    absl::MutexLock lock(&raw->mutex_);
    for (const auto& [origin, log] : raw->logs_) {
      if (OriginHash(origin) == request.matches[1] && !log.note.empty()) {
        response.set_header("Cache-Control", "public, max-age=2");
        response.set_content(log.note, "text/plain; charset=utf-8");
        return;
      }
    }
    response.status = 404;
    response.set_content("no cosigned checkpoint of that log\n", "text/plain; charset=utf-8");
  });
  server->port_ = port == 0 ? http.bind_to_any_port(host) : (http.bind_to_port(host, port) ? port : -1);
  if (server->port_ <= 0) {
    return absl::UnavailableError(absl::StrCat("listen: cannot listen on ", options.listen));
  }
  server->listener_ = std::thread([&http] { http.listen_after_bind(); });
  // httplib's stop() does nothing before the listener runs: a Shutdown right after Start
  // would otherwise leave it running, and its join waiting forever.
  for (int i = 0; i < 5000 && !http.is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return server;
}

WitnessServer::~WitnessServer() {
  Shutdown();
  Wait();
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

std::string WitnessServer::VerifierKey() const {
  return ledger::VerifierKeyString(options_.name, key_->PublicKey(),
                                   ledger::kNoteAlgorithmCosignatureV1);
}

void WitnessServer::Wait() {
  if (listener_.joinable()) listener_.join();
}

void WitnessServer::Shutdown() {
  if (http_) http_->stop();  // Wait() then returns; it is the one that joins the listener
}

ledger::WitnessAnswer WitnessServer::AddCheckpoint(const std::string& body) {
  absl::StatusOr<ledger::AddCheckpointRequest> request = ledger::ParseAddCheckpointRequest(body);
  if (!request.ok()) return {400, "text/plain; charset=utf-8", std::string(request.status().message()) + "\n", {}, false};
  absl::StatusOr<ledger::Checkpoint> peeked = ledger::PeekCheckpoint(request->checkpoint);
  if (!peeked.ok()) return {400, "text/plain; charset=utf-8", std::string(peeked.status().message()) + "\n", {}, false};
  absl::MutexLock lock(&mutex_);
  auto known = logs_.find(peeked->origin);
  if (known == logs_.end()) {
    return {404, "text/plain; charset=utf-8",
            absl::StrCat("origin: this witness does not witness ", peeked->origin, "\n"), {}, false};
  }
  const uint64_t now = static_cast<uint64_t>(absl::ToUnixSeconds(absl::Now()));
  ledger::WitnessAnswer answer =
      ledger::JudgeAddCheckpoint(*request, known->second, options_.name, *key_, now);
  if (answer.evidence_of_misbehaviour) KeepEvidence(body, answer);
  const bool changed = answer.updated &&
                       (answer.updated->size != known->second.size ||
                        answer.updated->root != known->second.root ||
                        answer.updated->log_keys != known->second.log_keys);
  if (answer.updated && !changed) {
    known->second.note = answer.updated->note;  // a fresh cosignature of the tree it holds
  } else if (answer.updated) {
    // Durable before the answer: a restart must never forget a cosigned size.
    if (absl::Status kept = Persist(*answer.updated); !kept.ok()) {
      return {500, "text/plain; charset=utf-8", std::string(kept.message()) + "\n", {}, false};
    }
    known->second = *answer.updated;
  }
  std::cerr << nlohmann::json{{"msg", "add-checkpoint"}, {"origin", peeked->origin},
                              {"size", peeked->tree_size}, {"old", request->old_size},
                              {"status", answer.http_status}}
                   .dump()
            << std::endl;
  return answer;
}

absl::Status WitnessServer::Persist(const ledger::WitnessedLog& log) const {
  return WriteFileAtomically(options_.state_dir, OriginHash(log.origin) + ".json",
                             ToJson(log).dump(1) + "\n", /*durable=*/true);
}

void WitnessServer::KeepEvidence(const std::string& body, const ledger::WitnessAnswer& answer) const {
  const std::filesystem::path file = std::filesystem::path(options_.state_dir) / "evidence.log";
  std::error_code missing;
  const uintmax_t size = std::filesystem::file_size(file, missing);  // -1 with `missing` set
  if (!missing && size > (16u << 20)) return;  // enough evidence kept
  std::ofstream out(file, std::ios::app);
  out << "=== " << absl::FormatTime(absl::Now()) << " refused with " << answer.http_status << ": "
      << answer.body << body << "\n";
}

}  // namespace booo::ledgerctl
