#include "services/ledger_service.h"

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "ledger/checkpoint.h"
#include "services/grpc_status.h"
#include "services/log.h"

namespace booo::services {
namespace {

std::string HashBytes(const ledger::Hash& hash) { return std::string(hash.begin(), hash.end()); }

// Subscribe wakes at least this often to notice a cancelled client or a draining server.
constexpr absl::Duration kSubscribePoll = absl::Milliseconds(200);
constexpr uint32_t kSubscribePage = 256;

}  // namespace

LedgerService::LedgerService(ledger::Ledger* ledger, ledger::Ed25519PrivateKey checkpoint_key)
    : ledger_(ledger), checkpoint_key_(std::move(checkpoint_key)) {}

grpc::ServerUnaryReactor* LedgerService::Append(grpc::CallbackServerContext* context,
                                                const booo::v1::AppendRequest* request,
                                                booo::v1::AppendResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (!request->has_event()) {
    reactor->Finish(ToGrpcStatus(absl::InvalidArgumentError("event: is required")));
    return reactor;
  }
  // The request, response and reactor live until Finish; the context's peer is read now.
  ledger_->AppendAsync(
      request->event().body(), request->event().signature(),
      [reactor, response, peer = context->peer()](absl::StatusOr<ledger::AppendResult> result) {
        if (!result.ok()) {
          Log("info", "append refused",
              {{"code", absl::StatusCodeToString(result.status().code())},
               {"reason", std::string(result.status().message())},
               {"peer", peer}});
          reactor->Finish(ToGrpcStatus(result.status()));
          return;
        }
        Log("info", result->duplicate ? "append retried" : "appended",
            {{"sequence", result->receipt.sequence()},
             {"event_id", result->receipt.event_id()},
             {"stream", result->receipt.stream()}});
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
  std::vector<ledger::Ledger::SignedBytes> events;
  events.reserve(request->events_size());
  for (const booo::v1::SignedEvent& event : request->events()) {
    events.push_back({event.body(), event.signature()});
  }
  ledger_->AppendBatchAsync(
      std::move(events), [reactor, response, peer = context->peer()](
                             absl::StatusOr<std::vector<ledger::AppendResult>> results) {
        if (!results.ok()) {
          Log("info", "append batch refused",
              {{"code", absl::StatusCodeToString(results.status().code())},
               {"reason", std::string(results.status().message())},
               {"peer", peer}});
          reactor->Finish(ToGrpcStatus(results.status()));
          return;
        }
        Log("info", "appended batch",
            {{"events", results->size()},
             {"first_sequence", results->front().receipt.sequence()},
             {"last_sequence", results->back().receipt.sequence()}});
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
  absl::StatusOr<booo::v1::StoredEvent> event;
  switch (request->selector_case()) {
    case booo::v1::GetEventRequest::kSequence:
      event = ledger_->GetEvent(request->sequence());
      break;
    case booo::v1::GetEventRequest::kEventId:
      event = ledger_->GetEventById(request->event_id());
      break;
    default:
      return ToGrpcStatus(absl::InvalidArgumentError("selector: set sequence or event_id"));
  }
  if (!event.ok()) return ToGrpcStatus(event.status());
  *response = std::move(*event);
  return grpc::Status::OK;
}

grpc::Status LedgerService::ReadEvents(grpc::ServerContext* context,
                                       const booo::v1::ReadEventsRequest* request,
                                       booo::v1::ReadEventsResponse* response) {
  absl::StatusOr<booo::v1::ReadEventsResponse> page =
      ledger_->ReadEvents(request->start(), request->max_events(), request->stream());
  if (!page.ok()) return ToGrpcStatus(page.status());
  *response = std::move(*page);
  return grpc::Status::OK;
}

grpc::Status LedgerService::Subscribe(grpc::ServerContext* context,
                                      const booo::v1::SubscribeRequest* request,
                                      grpc::ServerWriter<booo::v1::StoredEvent>* writer) {
  // Events are read by sequence from the store, catch-up and live alike, so a subscriber sees
  // every event exactly once and in order, whatever appends race with it.
  uint64_t next = request->start_sequence();
  while (!context->IsCancelled()) {
    if (draining_.load() || ledger_->shutting_down()) {
      return ToGrpcStatus(absl::UnavailableError("server: shutting down; resubscribe later"));
    }
    const uint64_t size = ledger_->Head().size;
    if (next >= size) {
      ledger_->WaitForGrowth(next, kSubscribePoll);
      continue;
    }
    absl::StatusOr<booo::v1::ReadEventsResponse> page =
        ledger_->ReadEvents(next, kSubscribePage, "");
    if (!page.ok()) return ToGrpcStatus(page.status());
    for (const auto& event : page->events()) {
      if (!writer->Write(event)) return grpc::Status::OK;  // the client went away
    }
    next = page->next_start();
  }
  return grpc::Status::OK;
}

grpc::Status LedgerService::GetCheckpoint(grpc::ServerContext* context,
                                          const booo::v1::GetCheckpointRequest* request,
                                          booo::v1::Checkpoint* response) {
  std::optional<ledger::GenesisInfo> genesis = ledger_->Genesis();
  if (!genesis) {
    return ToGrpcStatus(absl::FailedPreconditionError("ledger: has no genesis yet"));
  }
  const ledger::TreeHead head = ledger_->Head();
  ledger::Checkpoint checkpoint{genesis->origin, head.size, head.root, {}};
  absl::StatusOr<std::string> note =
      ledger::SignCheckpoint(checkpoint, genesis->checkpoint_key_name, checkpoint_key_);
  if (!note.ok()) return ToGrpcStatus(note.status());
  response->set_note(*note);
  response->set_tree_size(head.size);
  response->set_root_hash(HashBytes(head.root));
  response->set_origin(genesis->origin);
  response->set_key_name(genesis->checkpoint_key_name);
  return grpc::Status::OK;
}

grpc::Status LedgerService::GetInclusionProof(grpc::ServerContext* context,
                                              const booo::v1::GetInclusionProofRequest* request,
                                              booo::v1::InclusionProof* response) {
  const uint64_t size = request->tree_size() == 0 ? ledger_->Head().size : request->tree_size();
  absl::StatusOr<std::vector<ledger::Hash>> proof =
      ledger_->InclusionProof(request->sequence(), size);
  if (!proof.ok()) return ToGrpcStatus(proof.status());
  absl::StatusOr<booo::v1::StoredEvent> event = ledger_->GetEvent(request->sequence());
  if (!event.ok()) return ToGrpcStatus(event.status());
  absl::StatusOr<ledger::Hash> root = ledger_->RootAt(size);
  if (!root.ok()) return ToGrpcStatus(root.status());
  response->set_sequence(request->sequence());
  response->set_tree_size(size);
  response->set_leaf_hash(event->leaf_hash());
  for (const auto& hash : *proof) response->add_hashes(HashBytes(hash));
  response->set_root_hash(HashBytes(*root));
  return grpc::Status::OK;
}

grpc::Status LedgerService::GetConsistencyProof(grpc::ServerContext* context,
                                                const booo::v1::GetConsistencyProofRequest* request,
                                                booo::v1::ConsistencyProof* response) {
  const uint64_t new_size = request->new_size() == 0 ? ledger_->Head().size : request->new_size();
  absl::StatusOr<std::vector<ledger::Hash>> proof =
      ledger_->ConsistencyProof(request->old_size(), new_size);
  if (!proof.ok()) return ToGrpcStatus(proof.status());
  absl::StatusOr<ledger::Hash> old_root = ledger_->RootAt(request->old_size());
  if (!old_root.ok()) return ToGrpcStatus(old_root.status());
  absl::StatusOr<ledger::Hash> new_root = ledger_->RootAt(new_size);
  if (!new_root.ok()) return ToGrpcStatus(new_root.status());
  response->set_old_size(request->old_size());
  response->set_new_size(new_size);
  for (const auto& hash : *proof) response->add_hashes(HashBytes(hash));
  response->set_old_root_hash(HashBytes(*old_root));
  response->set_new_root_hash(HashBytes(*new_root));
  return grpc::Status::OK;
}

}  // namespace booo::services
