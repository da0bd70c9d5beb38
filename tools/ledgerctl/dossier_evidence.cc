#include "tools/ledgerctl/dossier_evidence.h"

#include <deque>
#include <set>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "ledger/core/checkpoint.h"
#include "ledger/core/event_validation.h"
#include "ledger/core/export_file.h"
#include "ledger/core/key_registry.h"
#include "ledger/core/leaf_format.h"
#include "ledger/core/merkle.h"
#include "ledger/core/status_macros.h"
#include "ledger/core/witness_policy.h"
#include "tools/ledgerctl/client.h"
#include "tools/ledgerctl/grant_backend.h"
#include "tools/ledgerctl/trust_store.h"

namespace booo::ledgerctl {
namespace {

using booo::v1::StoredEvent;

// The facts a dossier needs from the ledger, wherever it lives.
class EvidenceSource {
 public:
  virtual ~EvidenceSource() = default;
  virtual absl::StatusOr<StoredEvent> Event(uint64_t sequence) = 0;
  virtual absl::StatusOr<std::vector<ledger::Hash>> Proof(uint64_t sequence, uint64_t size) = 0;
  // The "keys" stream: genesis, registrations, revocations, checkpoint key rotations.
  virtual absl::StatusOr<std::vector<StoredEvent>> KeyEvents() = 0;
};

class RemoteEvidence final : public EvidenceSource {
 public:
  explicit RemoteEvidence(booo::v1::Ledger::Stub& stub) : stub_(stub) {}
  absl::StatusOr<StoredEvent> Event(uint64_t sequence) override {
    booo::v1::GetEventRequest request;
    request.set_sequence(sequence);
    StoredEvent event;
    RETURN_IF_ERROR(WithinRate([&] {
      grpc::ClientContext context;
      return stub_.GetEvent(&context, request, &event);
    }));
    return event;
  }
  absl::StatusOr<std::vector<ledger::Hash>> Proof(uint64_t sequence, uint64_t size) override {
    booo::v1::GetInclusionProofRequest request;
    request.set_sequence(sequence);
    request.set_tree_size(size);
    booo::v1::InclusionProof proof;
    RETURN_IF_ERROR(WithinRate([&] {
      grpc::ClientContext context;
      return stub_.GetInclusionProof(&context, request, &proof);
    }));
    std::vector<ledger::Hash> hashes;
    for (const std::string& bytes : proof.hashes()) {
      ASSIGN_OR_RETURN(ledger::Hash hash, ledger::HashFromBytes(bytes));
      hashes.push_back(hash);
    }
    return hashes;
  }
  absl::StatusOr<std::vector<StoredEvent>> KeyEvents() override {
    std::vector<StoredEvent> out;
    RETURN_IF_ERROR(ForEachStreamEvent(stub_, "keys", [&out](const StoredEvent& e) {
      out.push_back(e);
      return absl::OkStatus();
    }));
    return out;
  }

 private:
  booo::v1::Ledger::Stub& stub_;
};

// An export's leaves in memory and the tree over them, from which proofs are computed here.
// The file is read again after OpenVerifiedExport verified it; whatever it holds now, the
// proofs are checked against the checkpoint's signed root before anything is written.
class ExportEvidence final : public EvidenceSource {
 public:
  static absl::StatusOr<std::unique_ptr<ExportEvidence>> Open(const std::string& path) {
    auto evidence = std::unique_ptr<ExportEvidence>(new ExportEvidence());
    ASSIGN_OR_RETURN(auto reader, ledger::ExportFileReader::Open(path));
    ledger::CompactRange range;
    while (true) {
      ASSIGN_OR_RETURN(std::optional<std::string> bytes, reader->Next());
      if (!bytes) break;
      ASSIGN_OR_RETURN(ledger::Leaf leaf, ledger::DecodeLeaf(*bytes));
      StoredEvent event;
      event.set_sequence(leaf.sequence);
      event.set_recorded_at_micros(leaf.recorded_at_micros);
      event.set_key_id(leaf.key_id);
      event.set_body(leaf.body);
      event.set_signature(leaf.signature);
      const ledger::Hash hash = ledger::HashLeaf(*bytes);
      event.set_leaf_hash(std::string(hash.begin(), hash.end()));
      booo::v1::EventBody body;
      if (body.ParseFromString(leaf.body)) {
        event.set_event_id(body.event_id());
        event.set_stream(ledger::ExpectedStream(body));
      }
      evidence->tree_.PutAll(range.Append(hash));
      evidence->events_.push_back(std::move(event));
    }
    return evidence;
  }
  absl::StatusOr<StoredEvent> Event(uint64_t sequence) override {
    if (sequence >= events_.size()) {
      return absl::NotFoundError(absl::StrCat("sequence: no event ", sequence, " in the export"));
    }
    return events_[sequence];
  }
  absl::StatusOr<std::vector<ledger::Hash>> Proof(uint64_t sequence, uint64_t size) override {
    return ledger::InclusionProof(tree_, sequence, size);
  }
  absl::StatusOr<std::vector<StoredEvent>> KeyEvents() override {
    std::vector<StoredEvent> out;
    for (const StoredEvent& e : events_) {
      if (e.stream() == "keys") out.push_back(e);
    }
    return out;
  }

 private:
  ExportEvidence() = default;
  std::vector<StoredEvent> events_;
  ledger::MemorySubtreeStore tree_;
};

// The checkpoint's key: the one given, or the one the ledger records for the checkpoint's size;
// and the event that records it (nullopt for a key given that the ledger never named).
struct TrustedKey {
  std::string name;
  std::string public_key;
  std::optional<uint64_t> record_sequence;
};

TrustedKey ChooseKey(const ledger::KeyRegistry& keys, uint64_t tree_size,
                     const std::optional<std::pair<std::string, std::string>>& given) {
  TrustedKey chosen;
  if (given) {
    chosen.name = given->first;
    chosen.public_key = given->second;
  } else if (const ledger::CheckpointKey* key = keys.CheckpointKeyFor(tree_size)) {
    chosen.name = key->key_name;
    chosen.public_key = key->public_key;
  }
  for (const ledger::CheckpointKey& key : keys.checkpoint_keys()) {
    if (key.public_key == chosen.public_key) {
      // The genesis key signs from size 1; a key rotated in at sequence s from size s + 1.
      chosen.record_sequence = key.first_tree_size - 1;
    }
  }
  return chosen;
}

// `pinned`: what the trust store held for this log before this run touched it.
std::string Provenance(const DossierRequest& request, const TrustedKey& key,
                       const std::optional<TrustedLog>& pinned, const std::string& origin) {
  std::string out;
  if (!request.verifier_key.empty()) {
    out = "This key was given to ledgerctl (--checkpoint-key) by whoever wrote this dossier.";
  } else if (!request.offline.export_file.empty()) {
    out = absl::StrCat("ledgerctl verified the whole export ", request.offline.export_file,
                       " (every signature, leaf and tree node, and this checkpoint) before it "
                       "wrote this dossier; the key is the one the ledger itself records for "
                       "trees of this size.");
  } else {
    bool is_pinned = false;
    if (pinned) {
      for (const auto& [name, public_key] : pinned->log_keys) {
        is_pinned = is_pinned || public_key == key.public_key;
      }
    }
    out = is_pinned
              ? absl::StrCat("This key was already pinned in the writer's ledgerctl trust store "
                             "for the log ", origin, " (", CurrentTrustSettings().store_dir.empty()
                                                            ? "the default store"
                                                            : CurrentTrustSettings().store_dir,
                             ") when this dossier was written.")
              : absl::StrCat("The writer's trust store held no key for the log ", origin,
                             ": this key was pinned on first use, because the ledger's own record "
                             "names it for trees of this size.");
  }
  if (key.record_sequence) {
    absl::StrAppend(&out, " The ledger's event #", *key.record_sequence,
                    *key.record_sequence == 0 ? " (its genesis)" : " (a checkpoint key rotation)",
                    " records this key; that event is in this dossier and is checked too.");
  } else {
    absl::StrAppend(&out, " No event of this ledger records this key.");
  }
  return out;
}

// The witnesses of the trust store's policy for this log: their keys, which of them cosigned the
// note, and the quorum, for the page to check again.
absl::Status AddWitnesses(const std::optional<TrustedLog>& log, reports::DossierCheckpoint& c) {
  if (!log || log->witness_policy.empty()) return absl::OkStatus();
  absl::StatusOr<ledger::WitnessPolicy> policy = ledger::WitnessPolicy::Parse(log->witness_policy);
  if (!policy.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "trust store: the witness policy of ", log->origin, " does not parse: ",
        policy.status().message()));
  }
  for (const ledger::Cosigner& cosigner : policy->cosigners()) {
    c.witness_keys.emplace_back(cosigner.name,
                                ledger::VerifierKeyString(cosigner.name, cosigner.public_key,
                                                          ledger::kNoteAlgorithmCosignatureV1));
  }
  ASSIGN_OR_RETURN(auto cosigned, ledger::VerifiedCosigners(c.note, policy->cosigners()));
  for (const auto& [name, timestamp] : cosigned) c.witness_cosigned_by.push_back(name);
  c.witness_quorum = policy->DescribeQuorum();
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<reports::DossierInput> GatherDossierEvidence(const DossierRequest& request) {
  const bool offline = !request.offline.export_file.empty();
  if (offline && request.offline.checkpoint_file.empty()) {
    return absl::InvalidArgumentError(
        "--checkpoint: a dossier from --export needs the checkpoint you kept: its proofs lead "
        "to that signed tree head");
  }
  reports::DossierInput input;
  ASSIGN_OR_RETURN(auto backend, GrantBackend::Open(request.server, request.offline));
  booo::v1::ReplaySettlementRequest replay;
  replay.set_event_id(request.determination_event_id);
  ASSIGN_OR_RETURN(input.settlement, backend->ReplaySettlement(replay));
  const uint64_t determination = input.settlement.determination().sequence();

  std::unique_ptr<booo::v1::Ledger::Stub> stub;
  std::unique_ptr<EvidenceSource> source;
  if (offline) {
    ASSIGN_OR_RETURN(source, ExportEvidence::Open(request.offline.export_file));
    input.source = absl::StrCat("export file ", request.offline.export_file);
  } else {
    stub = Connect(request.server);
    source = std::make_unique<RemoteEvidence>(*stub);
    input.source = absl::StrCat("ledgerd at ", request.server);
  }

  // The key registry, as the ledger's "keys" stream builds it.
  ledger::KeyRegistry keys;
  ASSIGN_OR_RETURN(std::vector<StoredEvent> key_events, source->KeyEvents());
  for (const StoredEvent& e : key_events) {
    booo::v1::EventBody body;
    if (!body.ParseFromString(e.body())) {
      return absl::DataLossError(
          absl::StrCat("keys stream: event ", e.sequence(), ": body is not an EventBody"));
    }
    keys.Apply(body, e.sequence());
  }
  if (!keys.genesis()) return absl::DataLossError("keys stream: the ledger has no genesis");
  const std::string origin = keys.genesis()->origin;

  // What the trust store held before this run, then (online) the checkpoint through it.
  TrustStore trust = TrustStore::Open(CurrentTrustSettings().store_dir);
  ASSIGN_OR_RETURN(std::optional<TrustedLog> pinned_before, trust.Find(origin));
  std::string note;
  if (offline) {
    ASSIGN_OR_RETURN(note, ReadTextFile(request.offline.checkpoint_file));
  } else {
    RETURN_IF_ERROR(FetchVerifiedCheckpoint(*stub, request.verifier_key, &note).status());
  }

  // The checkpoint, checked here as the page will check it.
  ASSIGN_OR_RETURN(ledger::Checkpoint peeked, ledger::PeekCheckpoint(note));
  std::optional<std::pair<std::string, std::string>> given;
  if (!request.verifier_key.empty()) {
    ASSIGN_OR_RETURN(std::string vkey, VerifierKeyArgument(request.verifier_key));
    ASSIGN_OR_RETURN(given, ledger::ParseVerifierKeyString(vkey));
  }
  const TrustedKey key = ChooseKey(keys, peeked.tree_size, given);
  if (key.public_key.empty()) {
    return absl::DataLossError("keys stream: the ledger records no checkpoint key");
  }
  ASSIGN_OR_RETURN(ledger::Checkpoint checkpoint,
                   ledger::OpenCheckpoint(note, key.name, key.public_key, origin));
  if (checkpoint.tree_size <= determination) {
    return absl::FailedPreconditionError(absl::StrCat(
        "checkpoint: its tree of ", checkpoint.tree_size, " events does not hold determination #",
        determination, "; use a later checkpoint"));
  }
  ASSIGN_OR_RETURN(std::optional<TrustedLog> pinned, trust.Find(origin));
  reports::DossierCheckpoint& c = input.checkpoint;
  c.note = note;
  c.tree_size = checkpoint.tree_size;
  c.root.assign(checkpoint.root_hash.begin(), checkpoint.root_hash.end());
  c.verifier_key = ledger::VerifierKeyString(key.name, key.public_key);
  c.key_provenance = Provenance(request, key, pinned_before, origin);
  c.key_record_sequence = key.record_sequence;
  RETURN_IF_ERROR(AddWitnesses(pinned, c));

  // Every cited event, and every signer's registration down to the genesis.
  std::map<uint64_t, std::vector<std::string>> why = reports::TraceCitations(
      input.settlement.replayed_trace());
  why[determination].insert(why[determination].begin(), "the determination");
  if (key.record_sequence) why[*key.record_sequence].push_back("record of the checkpoint key");
  why[0].push_back("the genesis");
  std::deque<uint64_t> pending;
  for (const auto& [sequence, reasons] : why) pending.push_back(sequence);
  std::set<uint64_t> queued(pending.begin(), pending.end());
  ledger::Hash root;
  std::copy(checkpoint.root_hash.begin(), checkpoint.root_hash.end(), root.begin());
  while (!pending.empty()) {
    const uint64_t sequence = pending.front();
    pending.pop_front();
    reports::DossierEvent& entry = input.events[sequence];
    ASSIGN_OR_RETURN(entry.event, source->Event(sequence));
    const StoredEvent& event = entry.event;
    // The leaf from the event's own fields: the dossier's hash covers what it shows.
    ASSIGN_OR_RETURN(std::string leaf, ledger::EncodeLeaf(ledger::Leaf{
                                           event.sequence(), event.recorded_at_micros(),
                                           event.key_id(), event.body(), event.signature()}));
    const ledger::Hash leaf_hash = ledger::HashLeaf(leaf);
    if (std::string(leaf_hash.begin(), leaf_hash.end()) != event.leaf_hash()) {
      return absl::DataLossError(absl::StrCat("event ", sequence, ": leaf_hash: its fields hash to "
                                              "another leaf than the ledger states"));
    }
    ASSIGN_OR_RETURN(std::vector<ledger::Hash> proof,
                     source->Proof(sequence, checkpoint.tree_size));
    RETURN_IF_ERROR(
        ledger::VerifyInclusion(leaf_hash, sequence, checkpoint.tree_size, proof, root));
    for (const ledger::Hash& h : proof) entry.proof.emplace_back(h.begin(), h.end());
    entry.cited_as = why[sequence];
    const ledger::KeyInfo* signer = keys.Find(event.key_id());
    if (signer == nullptr) {
      return absl::DataLossError(absl::StrCat("event ", sequence, ": key_id: ", event.key_id(),
                                              " is not registered in the ledger"));
    }
    entry.signer_registration = signer->registered_at_sequence;
    // A revocation after the checkpoint is not in its tree (and not yet the dossier's concern).
    if (signer->revoked_at_sequence && *signer->revoked_at_sequence < checkpoint.tree_size) {
      entry.signer_revocation = signer->revoked_at_sequence;
    }
    // The signer's registration and revocation are evidence too.
    auto cite = [&](uint64_t at, const std::string& reason) {
      if (at == sequence) return;
      std::vector<std::string>& reasons = why[at];
      if (std::find(reasons.begin(), reasons.end(), reason) == reasons.end()) {
        reasons.push_back(reason);
        if (input.events.count(at)) input.events[at].cited_as = reasons;
      }
      if (queued.insert(at).second) pending.push_back(at);
    };
    cite(signer->registered_at_sequence, "registration of " + event.key_id());
    if (entry.signer_revocation) {
      cite(*entry.signer_revocation, "revocation of " + event.key_id());
    }
  }
  input.generated_at = absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now(), absl::UTCTimeZone());
  return input;
}

}  // namespace booo::ledgerctl
