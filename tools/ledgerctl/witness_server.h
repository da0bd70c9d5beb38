// `ledgerctl witness serve`: a C2SP tlog-witness server an auditor runs beside the logs it
// watches. It keeps, per log, the latest tree it cosigned and the log keys it trusts, durably
// (one file per log, written and fsynced before it answers), checks the log's signature and the
// consistency proof before it cosigns (ledger/core/witness_protocol.h), and so never cosigns two
// inconsistent trees of one log, across restarts too.
//
//   POST <prefix>/add-checkpoint             the protocol's one write (bodies above
//                                            kMaxAddCheckpointBytes: 413)
//   GET  <prefix>/<sha256 hex of origin>/checkpoint   the latest cosigned checkpoint
#ifndef BOOO_TOOLS_LEDGERCTL_WITNESS_SERVER_H_
#define BOOO_TOOLS_LEDGERCTL_WITNESS_SERVER_H_

#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "ledger/core/crypto.h"
#include "ledger/core/witness_protocol.h"

namespace httplib {
class Server;
}

namespace booo::ledgerctl {

struct WitnessServerOptions {
  std::string listen = "127.0.0.1:0";
  std::string key_file;    // the witness's Ed25519 key (PKCS#8 PEM)
  std::string name;        // its cosigner name, a schema-less URL
  std::string state_dir;   // where each log's state is kept
  // The logs it witnesses: origin and the verifier key of the log's checkpoint key.
  std::vector<std::pair<std::string, std::string>> logs;
};

class WitnessServer {
 public:
  // Loads the state (a log's stored keys win over the configured one: they may have rotated);
  // INVALID_ARGUMENT for a bad key, name or verifier key; DATA_LOSS for an unreadable state file.
  static absl::StatusOr<std::unique_ptr<WitnessServer>> Start(const WitnessServerOptions& options);
  ~WitnessServer();
  int port() const { return port_; }
  // The cosigner verifier key ("name+hash+key", algorithm 0x04) for witness policies.
  std::string VerifierKey() const;
  // Blocks until Shutdown (from any thread) has stopped the listener. Call from one thread.
  void Wait();
  void Shutdown();

 private:
  WitnessServer() = default;
  ledger::WitnessAnswer AddCheckpoint(const std::string& body);
  absl::Status Persist(const ledger::WitnessedLog& log) const;
  void KeepEvidence(const std::string& body, const ledger::WitnessAnswer& answer) const;

  WitnessServerOptions options_;
  std::unique_ptr<ledger::Ed25519PrivateKey> key_;
  absl::Mutex mutex_;  // held from the check to the durable update: no rollback race
  std::map<std::string, ledger::WitnessedLog> logs_ ABSL_GUARDED_BY(mutex_);
  std::unique_ptr<httplib::Server> http_;
  std::thread listener_;
  int port_ = 0;
  int lock_fd_ = -1;  // flock on <state_dir>/.lock, held for the process's life
};

}  // namespace booo::ledgerctl

#endif  // BOOO_TOOLS_LEDGERCTL_WITNESS_SERVER_H_
