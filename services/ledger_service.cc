#include "services/ledger_service.h"

#include "services/access_log.h"

#include <unistd.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "ledger/storage/backup_stream.h"
#include "ledger/core/checkpoint.h"
#include "services/access_policy.h"
#include "services/grpc_status.h"
#include "ledger/core/status_macros.h"
#include "services/log.h"

namespace booo::services {
namespace {

std::string HashBytes(const ledger::Hash& hash) { return std::string(hash.begin(), hash.end()); }

// Subscribe wakes at least this often to notice a cancelled client or a draining server.
constexpr absl::Duration kSubscribePoll = absl::Milliseconds(200);
constexpr uint32_t kSubscribePage = 256;
// A narrowed read of the whole log passes over at most this many events of other parties per
// call (an empty page with next_start moved on says "nothing for you up to here").
constexpr uint64_t kMaxNarrowedScan = 10'000;

}  // namespace

LedgerService::LedgerService(ledger::Ledger* ledger, CallGate* gate,
                             const CheckpointSigner* signer,
                             std::string backup_dir_prefix, const WitnessCollector* witnesses)
    : ledger_(ledger),
      gate_(gate),
      signer_(signer),
      witnesses_(witnesses),
      backup_dir_prefix_(std::move(backup_dir_prefix)) {}

grpc::ServerUnaryReactor* LedgerService::Append(grpc::CallbackServerContext* context,
                                                const booo::v1::AppendRequest* request,
                                                booo::v1::AppendResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<Caller> caller = gate_->Admit(*context);
  if (!caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  if (!request->has_event()) {
    reactor->Finish(ToGrpcStatus(absl::InvalidArgumentError("event: is required")));
    return reactor;
  }
  if (absl::Status own = RequireOwnSignature(*caller, "event", request->event().body());
      !own.ok()) {
    reactor->Finish(ToGrpcStatus(own));
    return reactor;
  }
  if (absl::Status writable = CheckWritable("Append"); !writable.ok()) {
    reactor->Finish(ToGrpcStatus(writable));
    return reactor;
  }
  // The request, response and reactor live until Finish; the context's peer is read now.
  ledger_->AppendAsync(
      request->event().body(), request->event().signature(),
      [this, reactor, response, peer = context->peer(),
       deadline = SyncDeadline(*context)](absl::StatusOr<ledger::AppendResult> result) {
        if (result.ok() && sync_ != nullptr) {
          // Durable here; answered once durable on the sync mirrors too.
          const uint64_t size = result->receipt.sequence() + 1;
          auto shared = std::make_shared<ledger::AppendResult>(*std::move(result));
          sync_->WhenSynced(size, deadline, [reactor, response, shared](absl::Status synced) {
            if (!synced.ok()) {
              Log("warning", "append not acknowledged",
                  {{"sequence", shared->receipt.sequence()}, {"reason", std::string(synced.message())}});
              reactor->Finish(ToGrpcStatus(synced));
              return;
            }
            *response->mutable_receipt() = std::move(shared->receipt);
            response->set_duplicate(shared->duplicate);
            reactor->Finish(grpc::Status::OK);
          });
          return;
        }
        if (!result.ok()) {
          Log("info", "append refused",
              {{"code", absl::StatusCodeToString(result.status().code())},
               {"reason", std::string(result.status().message())},
               {"peer", peer}});
          reactor->Finish(ToGrpcStatus(result.status()));
          return;
        }
        // A line per event only at --log-level debug: the ledger itself records each event
        // and the metrics count them; at national scale the lines were gigabytes of log.
        if (DebugLogged()) {
          Log("debug", result->duplicate ? "append retried" : "appended",
              {{"sequence", result->receipt.sequence()},
               {"event_id", result->receipt.event_id()},
               {"stream", result->receipt.stream()}});
        }
        *response->mutable_receipt() = std::move(result->receipt);
        response->set_duplicate(result->duplicate);
        reactor->Finish(grpc::Status::OK);
      });
  return reactor;
}

grpc::ServerUnaryReactor* LedgerService::AppendBatch(grpc::CallbackServerContext* context,
                                                     const booo::v1::AppendBatchRequest* request,
                                                     booo::v1::AppendBatchResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<Caller> caller = gate_->Admit(*context);
  if (!caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  std::vector<ledger::Ledger::SignedBytes> events;
  events.reserve(request->events_size());
  for (const booo::v1::SignedEvent& event : request->events()) {
    const std::string field = absl::StrCat("events[", events.size(), "]");
    if (absl::Status own = RequireOwnSignature(*caller, field, event.body()); !own.ok()) {
      reactor->Finish(ToGrpcStatus(own));
      return reactor;
    }
    events.push_back({event.body(), event.signature()});
  }
  if (absl::Status writable = CheckWritable("AppendBatch"); !writable.ok()) {
    reactor->Finish(ToGrpcStatus(writable));
    return reactor;
  }
  ledger_->AppendBatchAsync(
      std::move(events), [this, reactor, response, peer = context->peer(),
                          deadline = SyncDeadline(*context)](
                             absl::StatusOr<std::vector<ledger::AppendResult>> results) {
        if (results.ok() && sync_ != nullptr) {
          uint64_t size = 0;
          for (const ledger::AppendResult& r : *results) {
            size = std::max<uint64_t>(size, r.receipt.sequence() + 1);
          }
          auto shared = std::make_shared<std::vector<ledger::AppendResult>>(*std::move(results));
          sync_->WhenSynced(size, deadline, [reactor, response, shared](absl::Status synced) {
            if (!synced.ok()) {
              reactor->Finish(ToGrpcStatus(synced));
              return;
            }
            for (ledger::AppendResult& result : *shared) {
              booo::v1::AppendResponse* out = response->add_results();
              *out->mutable_receipt() = std::move(result.receipt);
              out->set_duplicate(result.duplicate);
            }
            reactor->Finish(grpc::Status::OK);
          });
          return;
        }
        if (!results.ok()) {
          Log("info", "append batch refused",
              {{"code", absl::StatusCodeToString(results.status().code())},
               {"reason", std::string(results.status().message())},
               {"peer", peer}});
          reactor->Finish(ToGrpcStatus(results.status()));
          return;
        }
        if (DebugLogged()) {
          Log("debug", "appended batch",
              {{"events", results->size()},
               {"first_sequence", results->front().receipt.sequence()},
               {"last_sequence", results->back().receipt.sequence()}});
        }
        for (ledger::AppendResult& result : *results) {
          booo::v1::AppendResponse* out = response->add_results();
          *out->mutable_receipt() = std::move(result.receipt);
          out->set_duplicate(result.duplicate);
        }
        reactor->Finish(grpc::Status::OK);
      });
  return reactor;
}

grpc::Status LedgerService::GetEvent(grpc::ServerContext* context,
                                     const booo::v1::GetEventRequest* request,
                                     booo::v1::StoredEvent* response) {
  absl::StatusOr<Caller> caller = gate_->Admit(*context);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  RecordedRead read(gate_->access_log(), *context, *caller, "booo.v1.Ledger/GetEvent");
  absl::StatusOr<booo::v1::StoredEvent> event;
  switch (request->selector_case()) {
    case booo::v1::GetEventRequest::kSequence:
      event = ledger_->GetEvent(request->sequence());
      break;
    case booo::v1::GetEventRequest::kEventId:
      event = ledger_->GetEventById(request->event_id());
      break;
    default:
      return read.Close(
          ToGrpcStatus(absl::InvalidArgumentError("selector: set sequence or event_id")));
  }
  if (!event.ok()) return read.Close(ToGrpcStatus(event.status()));
  read.set_municipality(MunicipalityOfStream(event->stream()));
  if (!MayReadStream(*caller, event->stream())) {
    return read.Close(ToGrpcStatus(absl::PermissionDeniedError(absl::StrCat(
        request->selector_case() == booo::v1::GetEventRequest::kSequence ? "sequence" : "event_id",
        ": the event is in stream ", event->stream(), ", not readable by ", caller->Describe()))));
  }
  *response = std::move(*event);
  return read.Close(grpc::Status::OK);
}

grpc::Status LedgerService::ReadEvents(grpc::ServerContext* context,
                                       const booo::v1::ReadEventsRequest* request,
                                       booo::v1::ReadEventsResponse* response) {
  absl::StatusOr<Caller> caller = gate_->Admit(*context);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  RecordedRead read(gate_->access_log(), *context, *caller, "booo.v1.Ledger/ReadEvents");
  read.set_municipality(ConcernedMunicipality(*caller, request->stream()));
  if (absl::Status access = RequireStreamAccess(*caller, "stream", request->stream());
      !access.ok()) {
    return read.Close(ToGrpcStatus(access));
  }
  if (request->stream().empty() && !MayReadStream(*caller, "")) {
    return read.Close(ToGrpcStatus(ReadNarrowed(*caller, *request, *response)));
  }
  absl::StatusOr<booo::v1::ReadEventsResponse> page =
      ledger_->ReadEvents(request->start(), request->max_events(), request->stream());
  if (!page.ok()) return read.Close(ToGrpcStatus(page.status()));
  *response = std::move(*page);
  return read.Close(grpc::Status::OK);
}

absl::Status LedgerService::ReadNarrowed(const Caller& caller,
                                         const booo::v1::ReadEventsRequest& request,
                                         booo::v1::ReadEventsResponse& response) const {
  // The whole log as this caller may read it, as Subscribe sends it: pages of the log with the
  // other parties' events left out, so sequences jump and each stream's versions do not.
  const uint32_t wanted = request.max_events() == 0 ? 100 : request.max_events();
  if (wanted > 1000) return absl::InvalidArgumentError("max_events: must be 1..1000");
  uint64_t next = request.start();
  uint64_t scanned = 0;
  for (;;) {
    // Never past the scan bound: each page asks for at most what the bound has left.
    const auto page_size =
        static_cast<uint32_t>(std::min<uint64_t>(kSubscribePage, kMaxNarrowedScan - scanned));
    ASSIGN_OR_RETURN(booo::v1::ReadEventsResponse page,
                     ledger_->ReadEvents(next, page_size, ""));
    for (booo::v1::StoredEvent& event : *page.mutable_events()) {
      if (static_cast<uint32_t>(response.events_size()) == wanted) break;
      next = event.sequence() + 1;
      ++scanned;
      if (MayReadStream(caller, event.stream())) *response.add_events() = std::move(event);
    }
    const bool full = static_cast<uint32_t>(response.events_size()) == wanted;
    if (page.events().empty() || (page.end_of_log() && next >= page.next_start()) || full ||
        scanned >= kMaxNarrowedScan) {
      response.set_next_start(next);
      response.set_end_of_log(page.end_of_log() && next >= page.next_start());
      return absl::OkStatus();
    }
  }
}

grpc::Status LedgerService::Subscribe(grpc::ServerContext* context,
                                      const booo::v1::SubscribeRequest* request,
                                      grpc::ServerWriter<booo::v1::StoredEvent>* writer) {
  absl::StatusOr<Caller> caller = gate_->Admit(*context);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  absl::StatusOr<CallGate::StreamSlot> slot = gate_->OpenStream(*caller);
  if (!slot.ok()) return ToGrpcStatus(slot.status());
  RecordedRead read(gate_->access_log(), *context, *caller, "booo.v1.Ledger/Subscribe");
  read.set_municipality(ConcernedMunicipality(*caller, ""));
  if (grpc::Status begun = read.Begin(); !begun.ok()) return begun;
  // Events are read by sequence from the store, catch-up and live alike, so a subscriber sees
  // every event exactly once and in order, whatever appends race with it. A municipality
  // receives the events of the streams it may read, and nothing of the others.
  uint64_t next = request->start_sequence();
  while (!context->IsCancelled()) {
    if (draining_.load() || ledger_->shutting_down()) {
      return read.Close(
          ToGrpcStatus(absl::UnavailableError("server: shutting down; resubscribe later")));
    }
    const uint64_t size = ledger_->Head().size;
    if (next >= size) {
      ledger_->WaitForGrowth(next, kSubscribePoll);
      continue;
    }
    absl::StatusOr<booo::v1::ReadEventsResponse> page =
        ledger_->ReadEvents(next, kSubscribePage, "");
    if (!page.ok()) return read.Close(ToGrpcStatus(page.status()));
    for (const auto& event : page->events()) {
      if (!MayReadStream(*caller, event.stream())) continue;
      if (!writer->Write(event)) return read.Close(grpc::Status::OK);  // the client went away
    }
    next = page->next_start();
  }
  return read.Close(grpc::Status::OK);
}

absl::Status LedgerService::CheckWritable(const std::string& field) const {
  if (cluster_ == nullptr) return absl::OkStatus();
  const NodeRole role = cluster_->role();
  if (cluster_->handing_over()) {
    return absl::UnavailableError(absl::StrCat(
        field, ": the primary is handing over to another node (planned switchover); retry "
        "shortly"));
  }
  if (role == NodeRole::kPrimary || role == NodeRole::kStandalone) return absl::OkStatus();
  return absl::FailedPreconditionError(cluster_->NotPrimaryMessage(field));
}

absl::Time LedgerService::SyncDeadline(const grpc::CallbackServerContext& context) const {
  const absl::Time bound = absl::Now() + sync_timeout_;
  const absl::Time call = absl::FromChrono(context.deadline());
  return std::min(bound, call);
}

absl::StatusOr<booo::v1::Checkpoint> LedgerService::SignHead(const ledger::TreeHead& head) const {
  return signer_->Sign(head);
}

grpc::Status LedgerService::GetCheckpoint(grpc::ServerContext* context,
                                          const booo::v1::GetCheckpointRequest* request,
                                          booo::v1::Checkpoint* response) {
  if (absl::StatusOr<Caller> caller = gate_->Admit(*context); !caller.ok()) {
    return ToGrpcStatus(caller.status());
  }
  std::optional<WitnessedCheckpoint> witnessed;
  if (witnesses_ != nullptr) witnessed = witnesses_->Latest();
  if (request->witnessed()) {
    if (witnesses_ == nullptr) {
      return ToGrpcStatus(absl::FailedPreconditionError(
          "witnessed: ledgerd runs without a witness policy (--witness-policy)"));
    }
    if (!witnessed) {
      return ToGrpcStatus(absl::UnavailableError(
          "witnessed: no witnessing round has finished yet; retry shortly"));
    }
  }
  absl::StatusOr<ledger::TreeHead> signable = signer_->SignableHead();
  if (!request->witnessed() && !signable.ok()) return ToGrpcStatus(signable.status());
  const ledger::TreeHead head = request->witnessed() ? witnessed->head : *signable;
  absl::StatusOr<booo::v1::Checkpoint> signed_head = SignHead(head);
  if (!signed_head.ok()) return ToGrpcStatus(signed_head.status());
  *response = *std::move(signed_head);
  booo::v1::WitnessStatus* status = response->mutable_witnesses();
  if (witnesses_ != nullptr) {
    status->set_policy(true);
    status->set_quorum(witnesses_->policy().DescribeQuorum());
    if (witnessed && witnessed->head.size == head.size && witnessed->head.root == head.root) {
      response->set_note(witnessed->note);
      for (const std::string& name : witnessed->cosigned_by) status->add_cosigned_by(name);
      status->set_quorum_met(witnessed->quorum_met);
    }
  }
  return grpc::Status::OK;
}

grpc::Status LedgerService::Backup(grpc::ServerContext* context,
                                   const booo::v1::BackupRequest* request,
                                   grpc::ServerWriter<booo::v1::BackupChunk>* writer) {
  absl::StatusOr<Caller> caller = gate_->Admit(*context);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  RecordedRead read(gate_->access_log(), *context, *caller, "booo.v1.Ledger/Backup");
  read.set_municipality("*");  // a backup holds every municipality's events
  if (absl::Status access = RequireNationalReader(*caller, "Backup"); !access.ok()) {
    return read.Close(ToGrpcStatus(access));
  }
  if (grpc::Status begun = read.Begin(); !begun.ok()) return begun;
  const std::string dir =
      absl::StrCat(backup_dir_prefix_, ".backup-", ::getpid(), "-", backups_.fetch_add(1));
  absl::StatusOr<std::unique_ptr<ledger::BackupSnapshot>> snapshot =
      ledger::BackupSnapshot::Take(*ledger_, dir);
  if (!snapshot.ok()) {
    Log("warning", "backup failed", {{"reason", std::string(snapshot.status().message())}});
    return read.Close(ToGrpcStatus(snapshot.status()));
  }
  const ledger::TreeHead* head = &(*snapshot)->head();
  // In a cluster the backup's checkpoint, like every other, covers only what may be handed
  // out: the primary waits (a few seconds at most) for its sync mirrors to hold the snapshot.
  for (int waited = 0; signer_->CeilingFor(head->size) < head->size; ++waited) {
    if (waited == 100 || context->IsCancelled()) {
      return read.Close(ToGrpcStatus(absl::UnavailableError(absl::StrCat(
          "Backup: the snapshot of ", head->size, " events is not yet durable on the sync "
          "mirrors (or verified from the primary); take backups from the primary, retry"))));
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  absl::StatusOr<booo::v1::Checkpoint> signed_head = SignHead(*head);
  if (!signed_head.ok()) return read.Close(ToGrpcStatus(signed_head.status()));
  uint64_t bytes = 0;
  const absl::Status streamed = (*snapshot)->Stream(
      [&](const ledger::BackupPart& part) {
        booo::v1::BackupChunk chunk;
        booo::v1::BackupFilePart* file = chunk.mutable_file();
        file->set_name(part.file_name);
        file->set_offset(part.offset);
        file->set_data(part.data.data(), part.data.size());
        file->set_last(part.last);
        if (!writer->Write(chunk)) return absl::CancelledError("backup: the client went away");
        return absl::OkStatus();
      },
      bytes);
  if (!streamed.ok()) {
    Log("warning", "backup failed", {{"reason", std::string(streamed.message())}});
    return read.Close(ToGrpcStatus(streamed));
  }
  booo::v1::BackupChunk last;
  *last.mutable_head() = *std::move(signed_head);
  if (!writer->Write(last)) {
    return read.Close(ToGrpcStatus(absl::CancelledError("backup: the client went away")));
  }
  Log("info", "backup streamed",
      {{"tree_size", head->size}, {"files", (*snapshot)->file_count()}, {"bytes", bytes},
       {"peer", context->peer()}});
  return read.Close(grpc::Status::OK);
}

grpc::Status LedgerService::GetInclusionProof(grpc::ServerContext* context,
                                              const booo::v1::GetInclusionProofRequest* request,
                                              booo::v1::InclusionProof* response) {
  // Proofs and checkpoints hold hashes only: every identified caller may have them, so that
  // each party can check its own events against the same tree.
  if (absl::StatusOr<Caller> caller = gate_->Admit(*context); !caller.ok()) {
    return ToGrpcStatus(caller.status());
  }
  const uint64_t size = request->tree_size() == 0 ? ledger_->Head().size : request->tree_size();
  absl::StatusOr<ledger::Ledger::CheckedInclusionProof> proof =
      ledger_->InclusionProof(request->sequence(), size);
  if (!proof.ok()) return ToGrpcStatus(proof.status());
  response->set_sequence(request->sequence());
  response->set_tree_size(size);
  response->set_leaf_hash(HashBytes(proof->leaf_hash));
  for (const auto& hash : proof->hashes) response->add_hashes(HashBytes(hash));
  response->set_root_hash(HashBytes(proof->root));
  return grpc::Status::OK;
}

grpc::Status LedgerService::GetConsistencyProof(grpc::ServerContext* context,
                                                const booo::v1::GetConsistencyProofRequest* request,
                                                booo::v1::ConsistencyProof* response) {
  if (absl::StatusOr<Caller> caller = gate_->Admit(*context); !caller.ok()) {
    return ToGrpcStatus(caller.status());
  }
  const uint64_t new_size = request->new_size() == 0 ? ledger_->Head().size : request->new_size();
  absl::StatusOr<ledger::Ledger::CheckedConsistencyProof> proof =
      ledger_->ConsistencyProof(request->old_size(), new_size);
  if (!proof.ok()) return ToGrpcStatus(proof.status());
  response->set_old_size(request->old_size());
  response->set_new_size(new_size);
  for (const auto& hash : proof->hashes) response->add_hashes(HashBytes(hash));
  response->set_old_root_hash(HashBytes(proof->old_root));
  response->set_new_root_hash(HashBytes(proof->new_root));
  return grpc::Status::OK;
}

}  // namespace booo::services
