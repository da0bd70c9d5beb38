#include "services/witness_collector.h"

#include <algorithm>
#include <future>
#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/strings/match.h"
#include "httplib.h"
#include "ledger/core/cosignature.h"
#include "ledger/core/witness_protocol.h"
#include "services/log.h"

namespace booo::services {
namespace {

constexpr size_t kMaxWitnessAnswerBytes = 16 * 1024;

// The lines of `answer` that are valid cosignatures of `note` by `key`, each verified alone:
// anything else a witness sends (a line under another name, a broken one, a blank line that
// would move the note's signature block) never reaches the published note.
std::string VerifiedLines(const std::string& note, const std::string& answer,
                          const ledger::Cosigner& key) {
  std::string kept;
  const std::string prefix = absl::StrCat("\xe2\x80\x94 ", key.name, " ");
  for (absl::string_view line : absl::StrSplit(answer, '\n', absl::SkipEmpty())) {
    if (!absl::StartsWith(line, prefix)) continue;
    const std::string candidate = absl::StrCat(line, "\n");
    absl::StatusOr<std::map<std::string, uint64_t>> verified =
        ledger::VerifiedCosigners(note + candidate, {key});
    if (verified.ok() && verified->contains(key.name)) kept += candidate;
  }
  return kept;
}

}  // namespace

struct WitnessCollector::Peer {
  ledger::WitnessPolicy::Witness witness;
  std::unique_ptr<httplib::Client> client;
  std::string path;                     // <submission prefix path>/add-checkpoint
  std::optional<uint64_t> cosigned_size;  // the size it holds, as far as this ledgerd knows
};

WitnessCollector::WitnessCollector(ledger::WitnessPolicy policy, const ledger::Ledger* ledger,
                                   const CheckpointSigner* signer, WitnessCollectorOptions options)
    : policy_(std::move(policy)), ledger_(ledger), signer_(signer), options_(options) {}

absl::StatusOr<std::unique_ptr<WitnessCollector>> WitnessCollector::Start(
    ledger::WitnessPolicy policy, const ledger::Ledger* ledger, const CheckpointSigner* signer,
    WitnessCollectorOptions options) {
  std::unique_ptr<WitnessCollector> collector(
      new WitnessCollector(std::move(policy), ledger, signer, options));
  for (const ledger::WitnessPolicy::Witness& witness : collector->policy_.witnesses()) {
    if (witness.url.empty()) continue;  // listed for verifiers only
    // "http://host:port/prefix": the client takes scheme, host and port; the path stays.
    const size_t scheme = witness.url.find("://");
    const size_t slash = witness.url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
    auto peer = std::make_unique<Peer>();
    peer->witness = witness;
    peer->client = std::make_unique<httplib::Client>(witness.url.substr(0, slash));
    if (!peer->client->is_valid()) {
      return absl::InvalidArgumentError(
          absl::StrCat("witness policy: witness ", witness.name, ": bad URL ", witness.url));
    }
    std::string prefix = slash == std::string::npos ? "" : witness.url.substr(slash);
    while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
    peer->path = prefix + "/add-checkpoint";
    const auto timeout = absl::ToChronoMilliseconds(options.request_timeout);
    peer->client->set_connection_timeout(timeout);
    peer->client->set_read_timeout(timeout);
    peer->client->set_write_timeout(timeout);
    peer->client->set_keep_alive(true);
    peer->client->set_tcp_nodelay(true);
    {
      absl::MutexLock lock(&collector->mutex_);
      collector->witnesses_.push_back({peer->witness.name});
    }
    collector->peers_.push_back(std::move(peer));
  }
  if (collector->peers_.empty()) {
    return absl::InvalidArgumentError("witness policy: no witness has a URL to submit to");
  }
  collector->loop_ = std::thread([raw = collector.get()] { raw->Loop(); });
  Log("info", "witnessing",
      {{"witnesses", collector->peers_.size()}, {"quorum", collector->policy_.DescribeQuorum()}});
  return collector;
}

WitnessCollector::~WitnessCollector() { Shutdown(); }

void WitnessCollector::Shutdown() {
  stop_.store(true);
  if (loop_.joinable()) loop_.join();
}

std::optional<WitnessedCheckpoint> WitnessCollector::Latest() const {
  absl::MutexLock lock(&mutex_);
  return latest_;
}

std::optional<WitnessedCheckpoint> WitnessCollector::WaitFor(uint64_t size,
                                                            absl::Duration timeout) const {
  const absl::Time deadline = absl::Now() + timeout;
  absl::MutexLock lock(&mutex_);
  while (!latest_ || latest_->head.size < size) {
    if (published_.WaitWithDeadline(&mutex_, deadline)) break;
  }
  return latest_;
}

void WitnessCollector::Loop() {
  std::optional<ledger::TreeHead> done;
  // A round below the quorum is tried again, less often each time (up to 30 s), until the
  // witnesses are back, even if the log does not grow meanwhile.
  absl::Duration retry = absl::Seconds(1);
  absl::Time retry_at = absl::InfiniteFuture();
  while (!stop_.load()) {
    // What may be handed out now: in a cluster, only what the sync mirrors hold.
    absl::StatusOr<ledger::TreeHead> signable = signer_->SignableHead();
    if (!signable.ok()) {
      absl::SleepFor(absl::Milliseconds(200));
      continue;
    }
    const ledger::TreeHead head = *signable;
    if (done && done->size == head.size && absl::Now() < retry_at) {
      ledger_->WaitForGrowth(ledger_->Head().size, absl::Milliseconds(200));
      if (ledger_->shutting_down()) return;
      continue;
    }
    const absl::Time started = absl::Now();
    bool quorum_met = false;
    try {
      quorum_met = Round(head);
    } catch (const std::exception& e) {  // e.g. no thread could be started: retry later
      Log("error", "witnessing round failed", {{"reason", e.what()}});
    }
    done = head;
    if (quorum_met) {
      retry = absl::Seconds(1);
      retry_at = absl::InfiniteFuture();
    } else {
      retry_at = absl::Now() + retry;
      retry = std::min(retry * 2, absl::Seconds(30));
    }
    const absl::Duration rest = options_.min_interval - (absl::Now() - started);
    if (rest > absl::ZeroDuration() && !stop_.load()) absl::SleepFor(rest);
  }
}

std::vector<WitnessCollector::WitnessStatus> WitnessCollector::Witnesses() const {
  absl::MutexLock lock(&mutex_);
  return witnesses_;
}

bool WitnessCollector::Round(const ledger::TreeHead& head) {
  const absl::Time started = absl::Now();
  absl::StatusOr<booo::v1::Checkpoint> signed_head = signer_->Sign(head);
  if (!signed_head.ok()) {
    Log("error", "witnessing: cannot sign the checkpoint",
        {{"reason", std::string(signed_head.status().message())}});
    return false;
  }
  const std::string& note = signed_head->note();
  // All witnesses at once: the round takes the slowest one's time, not the sum.
  std::vector<std::future<std::optional<std::string>>> answers;
  for (auto& peer : peers_) {
    answers.push_back(std::async(std::launch::async,
                                 [this, &peer, &note, &head] { return Submit(*peer, note, head); }));
  }
  WitnessedCheckpoint witnessed;
  witnessed.note = note;
  witnessed.head = head;
  std::set<std::string> cosigned;
  for (size_t i = 0; i < peers_.size(); ++i) {
    std::optional<std::string> lines = answers[i].get();
    if (!lines) continue;
    // Only the lines that verify under this witness's key join the note.
    const std::string kept = VerifiedLines(note, *lines, peers_[i]->witness.key);
    if (kept.empty()) {
      Log("warning", "witness answered without a valid cosignature",
          {{"witness", peers_[i]->witness.name}});
      continue;
    }
    witnessed.note += kept;
    cosigned.insert(peers_[i]->witness.name);
    witnessed.cosigned_by.push_back(peers_[i]->witness.name);
  }
  witnessed.quorum_met = policy_.QuorumMet(cosigned);
  witnessed.published = absl::Now();
  const double round_ms = absl::ToDoubleMilliseconds(witnessed.published - started);
  Log(witnessed.quorum_met ? "info" : "warning",
      witnessed.quorum_met ? "checkpoint witnessed" : "checkpoint below the witness quorum",
      {{"tree_size", head.size},
       {"cosigned_by", absl::StrJoin(witnessed.cosigned_by, ",")},
       {"quorum", policy_.DescribeQuorum()},
       {"round_ms", round_ms}});
  const bool met = witnessed.quorum_met;
  absl::MutexLock lock(&mutex_);
  for (size_t i = 0; i < peers_.size(); ++i) {
    if (cosigned.count(peers_[i]->witness.name) > 0) {
      witnesses_[i].last_cosigned = witnessed.published;
      witnesses_[i].last_cosigned_size = head.size;
    }
  }
  latest_ = std::move(witnessed);
  published_.SignalAll();
  return met;
}

std::optional<std::string> WitnessCollector::Submit(Peer& peer, const std::string& note,
                                                    const ledger::TreeHead& head) {
  uint64_t old_size = peer.cosigned_size.value_or(0);
  for (int attempt = 0; attempt < 3; ++attempt) {
    ledger::AddCheckpointRequest request{old_size, {}, note};
    if (old_size > 0 && old_size < head.size) {
      absl::StatusOr<ledger::Ledger::CheckedConsistencyProof> proof =
          ledger_->ConsistencyProof(old_size, head.size);
      if (!proof.ok()) {
        Log("error", "witnessing: no consistency proof",
            {{"witness", peer.witness.name}, {"reason", std::string(proof.status().message())}});
        return std::nullopt;
      }
      request.proof = std::move(proof->hashes);
    }
    httplib::Request post;
    post.method = "POST";
    post.path = peer.path;
    post.body = ledger::FormatAddCheckpointRequest(request);
    post.set_header("Content-Type", "text/plain; charset=utf-8");
    // A witness answers with a few signature lines: more than this is refused unread.
    std::string answer;
    post.content_receiver = [&answer](const char* data, size_t length, uint64_t, uint64_t) {
      if (answer.size() + length > kMaxWitnessAnswerBytes) return false;
      answer.append(data, length);
      return true;
    };
    httplib::Result result = peer.client->send(post);
    if (result) result->body = std::move(answer);
    if (!result) {
      Log("warning", "witness unreachable",
          {{"witness", peer.witness.name}, {"error", httplib::to_string(result.error())}});
      peer.cosigned_size.reset();
      return std::nullopt;
    }
    if (result->status == 200) {
      peer.cosigned_size = head.size;
      return result->body;
    }
    if (result->status == 409) {
      uint64_t held = 0;
      if (!absl::SimpleAtoi(absl::StripSuffix(result->body, "\n"), &held)) {
        Log("warning", "witness sent a 409 without a size", {{"witness", peer.witness.name}});
        return std::nullopt;
      }
      if (held > head.size) {
        // Someone gave it a newer checkpoint of ours (anyone may): the next round catches up.
        // Larger than the log itself is another matter.
        const bool alarming = held > ledger_->Head().size;
        Log(alarming ? "error" : "info",
            alarming ? "witness holds a larger tree of this log than the log itself"
                     : "witness is ahead of this round",
            {{"witness", peer.witness.name}, {"witness_size", held}, {"tree_size", head.size}});
        if (!alarming) peer.cosigned_size = held;
        return std::nullopt;
      }
      old_size = held;  // resubmit from the size it holds
      continue;
    }
    Log(result->status == 422 ? "error" : "warning",
        result->status == 422 ? "witness refused: our tree is inconsistent with the one it holds"
                              : "witness refused the checkpoint",
        {{"witness", peer.witness.name},
         {"status", result->status},
         {"reason", std::string(absl::StripSuffix(result->body, "\n"))},
         {"tree_size", head.size}});
    peer.cosigned_size.reset();
    return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace booo::services
