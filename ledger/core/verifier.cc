#include "ledger/core/verifier.h"

#include <algorithm>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ledger/core/admission.h"
#include "ledger/core/checkpoint.h"
#include "ledger/core/crypto.h"
#include "ledger/core/event_validation.h"
#include "ledger/core/leaf_format.h"
#include "ledger/core/status_macros.h"

namespace booo::ledger {
namespace {

// What the verifier remembers of each event to re-check the append rules.
struct SeenEvent {
  uint64_t sequence;
  std::string stream;
  int payload_case;
  bool superseded = false;
};

class Walk {
 public:
  explicit Walk(const VerifyOptions& options) : options_(options) {
    if (options_.policy != nullptr) {
      for (const std::string& stream : options_.policy->Streams()) policy_streams_.insert(stream);
    }
  }

  // `signature_verified`: the signature was already checked against the signer's public key.
  absl::Status Leaf(uint64_t sequence, const std::string& bytes, bool signature_verified);
  const KeyRegistry& keys() const { return keys_; }
  absl::Status Finish(VerifyReport& report);
  absl::Status CheckpointAtSize();
  // Checks the trusted checkpoint's signature with the key given, or else the ledger's key for
  // its tree size.
  absl::Status OpenTrustedCheckpoint();

 private:
  absl::Status Fail(uint64_t sequence, absl::string_view why) {
    return absl::DataLossError(absl::StrCat("sequence ", sequence, ": ", why));
  }
  absl::Status CheckAppendRules(uint64_t sequence, const booo::v1::EventBody& body);

  const VerifyOptions& options_;
  KeyRegistry keys_;
  CompactRange tree_;
  int64_t last_recorded_at_ = 0;
  absl::flat_hash_map<std::string, SeenEvent> events_;
  absl::flat_hash_map<std::string, uint64_t> stream_versions_;
  absl::flat_hash_set<std::string> policy_streams_;
  std::optional<Checkpoint> checkpoint_;
  std::map<uint64_t, Hash> roots_at_;
  bool checkpoint_checked_ = false;
};

absl::Status Walk::CheckAppendRules(uint64_t sequence, const booo::v1::EventBody& body) {
  if (events_.contains(body.event_id())) {
    return Fail(sequence, absl::StrCat("event id ", body.event_id(), " appears twice"));
  }
  uint64_t& version = stream_versions_[body.stream()];
  if (body.has_expected_stream_version() && body.expected_stream_version() != version) {
    return Fail(sequence, absl::StrCat("expected stream version ", body.expected_stream_version(),
                                       " but the stream was at ", version));
  }
  ++version;
  if (!body.supersedes_event_id().empty()) {
    auto it = events_.find(body.supersedes_event_id());
    if (it == events_.end() || it->second.stream != body.stream() ||
        it->second.payload_case != body.payload_case() || it->second.superseded) {
      return Fail(sequence, absl::StrCat("supersedes ", body.supersedes_event_id(),
                                         ", which no earlier event of its kind allows"));
    }
    it->second.superseded = true;
  }
  events_[body.event_id()] = SeenEvent{sequence, body.stream(), body.payload_case()};
  return absl::OkStatus();
}

absl::Status Walk::Leaf(uint64_t sequence, const std::string& bytes, bool signature_verified) {
  absl::StatusOr<ledger::Leaf> leaf = DecodeLeaf(bytes);
  if (!leaf.ok()) return Fail(sequence, leaf.status().message());
  if (leaf->sequence != sequence) {
    return Fail(sequence, absl::StrCat("the leaf says sequence ", leaf->sequence));
  }
  if (leaf->recorded_at_micros < last_recorded_at_) {
    return Fail(sequence, "recorded-at goes back in time");
  }
  last_recorded_at_ = leaf->recorded_at_micros;
  absl::StatusOr<booo::v1::EventBody> body = ParseEventBody(leaf->body);
  if (!body.ok()) return Fail(sequence, body.status().message());
  if (body->signer_key_id() != leaf->key_id) {
    return Fail(sequence, "the leaf's key id differs from the body's signer_key_id");
  }
  if (absl::Status valid = ValidateEventBody(*body, options_.payload_rules); !valid.ok()) {
    return Fail(sequence, valid.message());
  }
  AdmissionInput input{&*body,   leaf->body,         leaf->signature,
                       sequence, signature_verified, leaf->recorded_at_micros};
  if (absl::Status admitted = AdmitEvent(input, keys_); !admitted.ok()) {
    return Fail(sequence, admitted.message());
  }
  if (options_.policy != nullptr && policy_streams_.contains(body->stream())) {
    PolicyEvent event{*body, sequence, leaf->recorded_at_micros};
    if (absl::Status judged = options_.policy->Check(event, {}); !judged.ok()) {
      return Fail(sequence, judged.message());
    }
    options_.policy->Commit(event);
  }
  RETURN_IF_ERROR(CheckAppendRules(sequence, *body));
  keys_.Apply(*body, sequence);
  if (sequence == 0 && options_.trusted_checkpoint) {
    // Which key signed it depends on its tree size (keys rotate), so it is only read here; its
    // signatures are checked once the walk reaches that size and knows the key then in force.
    absl::StatusOr<Checkpoint> cp = PeekCheckpoint(*options_.trusted_checkpoint);
    if (!cp.ok()) {
      return absl::Status(cp.status().code(),
                          absl::StrCat("trusted checkpoint: ", cp.status().message()));
    }
    checkpoint_ = *cp;
    RETURN_IF_ERROR(CheckpointAtSize());  // a checkpoint of the empty tree
  }

  const Hash leaf_hash = HashLeaf(bytes);
  for (const MerkleNode& node : tree_.Append(leaf_hash)) {
    if (options_.stored_tree == nullptr) continue;
    absl::StatusOr<Hash> stored = options_.stored_tree->CompleteSubtree(node.level, node.index);
    if (!stored.ok() || *stored != node.hash) {
      return Fail(sequence, absl::StrCat("stored tree node (level ", node.level, ", index ",
                                         node.index, ") differs from the recomputed one"));
    }
  }
  return CheckpointAtSize();
}

absl::Status Walk::OpenTrustedCheckpoint() {
  std::string name;
  std::string public_key;
  if (options_.checkpoint_verifier_key) {
    ASSIGN_OR_RETURN(std::tie(name, public_key),
                     ParseVerifierKeyString(*options_.checkpoint_verifier_key));
  } else {
    const CheckpointKey* key = keys_.CheckpointKeyFor(checkpoint_->tree_size);
    name = key->key_name;
    public_key = key->public_key;
  }
  absl::StatusOr<Checkpoint> cp =
      OpenCheckpoint(*options_.trusted_checkpoint, name, public_key, keys_.genesis()->origin);
  if (!cp.ok()) {
    return absl::Status(cp.status().code(),
                        absl::StrCat("trusted checkpoint: ", cp.status().message()));
  }
  return absl::OkStatus();
}

absl::Status Walk::CheckpointAtSize() {
  for (uint64_t size : options_.roots_at) {
    if (size == tree_.size()) roots_at_[size] = tree_.Root();
  }
  if (!checkpoint_ || checkpoint_checked_ || tree_.size() != checkpoint_->tree_size) {
    return absl::OkStatus();
  }
  checkpoint_checked_ = true;
  RETURN_IF_ERROR(OpenTrustedCheckpoint());
  if (tree_.Root() != checkpoint_->root_hash) {
    return absl::DataLossError(
        absl::StrCat("trusted checkpoint: the ledger's tree of size ", checkpoint_->tree_size,
                     " has root ", HashToHex(tree_.Root()), ", the checkpoint says ",
                     HashToHex(checkpoint_->root_hash), ": history was rewritten"));
  }
  return absl::OkStatus();
}

absl::Status Walk::Finish(VerifyReport& report) {
  if (tree_.size() == 0) return absl::DataLossError("ledger: holds no events, not even a genesis");
  if (options_.stored_tree_size && *options_.stored_tree_size != tree_.size()) {
    return absl::DataLossError(absl::StrCat("store: claims ", *options_.stored_tree_size,
                                            " events but holds ", tree_.size()));
  }
  if (checkpoint_ && !checkpoint_checked_) {
    RETURN_IF_ERROR(OpenTrustedCheckpoint());  // a forged size proves nothing
    return absl::DataLossError(absl::StrCat("trusted checkpoint: size ", checkpoint_->tree_size,
                                            " is beyond the ledger's ", tree_.size(),
                                            " events: history was truncated"));
  }
  if (checkpoint_ && options_.stored_tree != nullptr && checkpoint_->tree_size > 0) {
    ASSIGN_OR_RETURN(std::vector<Hash> proof,
                     ConsistencyProof(*options_.stored_tree, checkpoint_->tree_size, tree_.size()));
    absl::Status consistent = VerifyConsistency(checkpoint_->tree_size, tree_.size(), proof,
                                                checkpoint_->root_hash, tree_.Root());
    if (!consistent.ok()) {
      return absl::DataLossError(
          absl::StrCat("trusted checkpoint: consistency proof fails: ", consistent.message()));
    }
  }
  report.events = tree_.size();
  report.root = tree_.Root();
  report.keys = keys_.size();
  report.genesis = *keys_.genesis();
  report.checkpoint_keys = keys_.checkpoint_keys();
  if (checkpoint_) report.checkpoint_size = checkpoint_->tree_size;
  report.roots_at = roots_at_;
  return absl::OkStatus();
}

constexpr size_t kVerifyChunk = 4096;

// Which leaves of a chunk carry a signature that verifies, checked on all cores. The public key
// of each signer is the registry's (as it stood before the chunk) or one registered earlier in
// the chunk; a key id is derived from its public key, so it names one key. Anything that cannot
// be decoded or looked up stays unverified, and the ordered walk then judges it, and reports it,
// exactly as without this step.
std::vector<bool> PreverifySignatures(const std::vector<std::string>& chunk,
                                      const KeyRegistry& keys) {
  std::vector<std::string> public_keys(chunk.size());
  std::vector<Leaf> decoded(chunk.size());
  absl::flat_hash_map<std::string, std::string> registered;  // in this chunk
  for (size_t i = 0; i < chunk.size(); ++i) {
    absl::StatusOr<Leaf> leaf = DecodeLeaf(chunk[i]);
    if (!leaf.ok()) continue;
    absl::StatusOr<booo::v1::EventBody> body = ParseEventBody(leaf->body);
    if (!body.ok()) continue;
    if (body->has_genesis()) {
      public_keys[i] = body->genesis().ministry_root_public_key();
    } else if (auto it = registered.find(body->signer_key_id()); it != registered.end()) {
      public_keys[i] = it->second;
    } else if (const KeyInfo* key = keys.Find(body->signer_key_id())) {
      public_keys[i] = key->public_key;
    }
    if (body->has_key_registered()) {
      registered[body->key_registered().key_id()] = body->key_registered().public_key();
    }
    decoded[i] = *std::move(leaf);
  }
  std::vector<char> ok(chunk.size(), 0);
  const unsigned threads = std::max(1u, std::min(8u, std::thread::hardware_concurrency()));
  std::vector<std::thread> workers;
  for (unsigned t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (size_t i = t; i < chunk.size(); i += threads) {
        if (public_keys[i].empty()) continue;
        ok[i] = VerifyEd25519(public_keys[i], decoded[i].body, decoded[i].signature).ok();
      }
    });
  }
  for (auto& worker : workers) worker.join();
  return std::vector<bool>(ok.begin(), ok.end());
}

}  // namespace

absl::StatusOr<VerifyReport> VerifyLedger(LeafSource& leaves, const VerifyOptions& options,
                                          std::optional<uint64_t>* first_bad_sequence) {
  Walk walk(options);
  uint64_t sequence = 0;
  for (bool end = false; !end;) {
    // A chunk of leaves: signatures checked on every core first, then the walk in order.
    std::vector<std::string> chunk;
    absl::Status read = absl::OkStatus();
    while (chunk.size() < kVerifyChunk) {
      absl::StatusOr<std::optional<std::string>> next = leaves.Next();
      if (!next.ok()) {
        read = next.status();
        break;
      }
      if (!next->has_value()) {
        end = true;
        break;
      }
      chunk.push_back(**std::move(next));
    }
    const std::vector<bool> verified = PreverifySignatures(chunk, walk.keys());
    for (size_t i = 0; i < chunk.size(); ++i, ++sequence) {
      absl::Status status = walk.Leaf(sequence, chunk[i], verified[i]);
      if (!status.ok()) {
        if (first_bad_sequence != nullptr && !absl::StartsWith(status.message(), "trusted")) {
          *first_bad_sequence = sequence;
        }
        return status;
      }
    }
    if (!read.ok()) {
      if (first_bad_sequence != nullptr) *first_bad_sequence = sequence;
      return read;
    }
  }
  VerifyReport report;
  RETURN_IF_ERROR(walk.Finish(report));
  return report;
}

}  // namespace booo::ledger
