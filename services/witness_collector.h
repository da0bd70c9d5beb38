// ledgerd's side of C2SP tlog-witness: after each new checkpoint it asks every witness of its
// policy (ledger/core/witness_policy.h) to cosign it, sending each the old size and the
// consistency proof that witness needs, and serves the checkpoint with the cosignatures it got.
//
// It runs on its own thread: appends never wait for witnesses. A witness that answers 409 gets
// the request again from the size it holds; one that is down, refuses the log's signature or
// holds an inconsistent tree (422: evidence of a fork, logged as an error) is skipped for that
// checkpoint. A checkpoint whose cosignatures do not meet the quorum is still published,
// marked as such (Latest().quorum_met, a warning in the log).
#ifndef BOOO_SERVICES_WITNESS_COLLECTOR_H_
#define BOOO_SERVICES_WITNESS_COLLECTOR_H_

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "ledger/core/witness_policy.h"
#include "ledger/storage/ledger.h"
#include "services/checkpoint_signer.h"

namespace booo::services {

struct WitnessedCheckpoint {
  std::string note;  // the log's signature lines, then each cosignature obtained
  ledger::TreeHead head;
  std::vector<std::string> cosigned_by;  // the policy's names of the witnesses that cosigned
  bool quorum_met = false;
  absl::Time published;
};

struct WitnessCollectorOptions {
  absl::Duration request_timeout = absl::Seconds(5);
  // At most one round per interval: a busy log is witnessed at this pace, not per append.
  absl::Duration min_interval = absl::Milliseconds(200);
};

class WitnessCollector {
 public:
  // `ledger` and `signer` must outlive it. INVALID_ARGUMENT when no witness of the policy has
  // a URL to submit to.
  static absl::StatusOr<std::unique_ptr<WitnessCollector>> Start(
      ledger::WitnessPolicy policy, const ledger::Ledger* ledger, const CheckpointSigner* signer,
      WitnessCollectorOptions options = {});
  ~WitnessCollector();

  // The latest checkpoint a round finished with; nullopt before the first.
  std::optional<WitnessedCheckpoint> Latest() const;
  // Blocks until a round has finished for a tree of at least `size` (or `timeout`).
  std::optional<WitnessedCheckpoint> WaitFor(uint64_t size, absl::Duration timeout) const;
  const ledger::WitnessPolicy& policy() const { return policy_; }
  // Each witness asked (those of the policy with a URL) with its latest valid cosignature (for the metrics): when, and
  // of which tree size; never cosigned: last_cosigned is absl::InfinitePast().
  struct WitnessStatus {
    std::string name;
    absl::Time last_cosigned = absl::InfinitePast();
    uint64_t last_cosigned_size = 0;
  };
  std::vector<WitnessStatus> Witnesses() const;
  // Stops after the round in progress. Idempotent.
  void Shutdown();

 private:
  struct Peer;
  WitnessCollector(ledger::WitnessPolicy policy, const ledger::Ledger* ledger,
                   const CheckpointSigner* signer, WitnessCollectorOptions options);
  void Loop();
  // One round for `head`; whether its cosignatures met the quorum.
  bool Round(const ledger::TreeHead& head);
  // The cosignature line(s) `peer` gave for `note` of `head`, or nullopt (logged why).
  std::optional<std::string> Submit(Peer& peer, const std::string& note,
                                    const ledger::TreeHead& head);

  const ledger::WitnessPolicy policy_;
  const ledger::Ledger* const ledger_;
  const CheckpointSigner* const signer_;
  const WitnessCollectorOptions options_;
  std::vector<std::unique_ptr<Peer>> peers_;  // touched by the loop thread only
  std::atomic<bool> stop_{false};
  mutable absl::Mutex mutex_;
  mutable absl::CondVar published_;
  std::optional<WitnessedCheckpoint> latest_ ABSL_GUARDED_BY(mutex_);
  std::vector<WitnessStatus> witnesses_ ABSL_GUARDED_BY(mutex_);  // in peers_' order
  std::thread loop_;
};

}  // namespace booo::services

#endif  // BOOO_SERVICES_WITNESS_COLLECTOR_H_
