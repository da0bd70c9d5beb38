#include "services/cluster_service.h"

#include "services/access_log.h"

#include <atomic>
#include <thread>

#include "absl/strings/str_cat.h"
#include "services/grpc_status.h"
#include "services/log.h"

namespace booo::services {
namespace {

constexpr uint32_t kFollowPage = 512;  // events per message

absl::Status RequireMirror(const Caller& caller) {
  if (caller.development || caller.role == booo::v1::ROLE_MIRROR) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat(
      "Follow: only a key registered with the mirror role may follow the primary; the caller "
      "is ", caller.Describe()));
}

std::string Bytes(const ledger::Hash& hash) { return std::string(hash.begin(), hash.end()); }

}  // namespace

grpc::Status ClusterService::Follow(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<booo::v1::FollowResponse, booo::v1::FollowRequest>* stream) {
  absl::StatusOr<Caller> caller = deps_.gate->Admit(*context);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  // A mirror copies every municipality's events: a recorded read, for as long as it follows.
  RecordedRead read(deps_.gate->access_log(), *context, *caller, "booo.v1.Cluster/Follow");
  read.set_municipality("*");
  if (absl::Status mirror = RequireMirror(*caller); !mirror.ok()) {
    return read.Close(ToGrpcStatus(mirror));
  }
  if (deps_.cluster->role() != NodeRole::kPrimary) {
    return read.Close(
        ToGrpcStatus(absl::FailedPreconditionError(deps_.cluster->NotPrimaryMessage("Follow"))));
  }
  const uint64_t term = deps_.cluster->term();
  booo::v1::FollowRequest first;
  if (!stream->Read(&first) || !first.has_start() || first.start().node().empty()) {
    return read.Close(ToGrpcStatus(absl::InvalidArgumentError(
        "start: the first message must be a FollowStart naming the mirror's node")));
  }
  const booo::v1::FollowStart& start = first.start();
  const ledger::TreeHead head = deps_.ledger->Head();
  if (start.size() > head.size) {
    return read.Close(ToGrpcStatus(absl::FailedPreconditionError(absl::StrCat(
        "start.size: the mirror holds ", start.size(), " events, the primary ", head.size,
        ": the mirror has a tail the primary does not; follow from a smaller size to find "
        "where the logs part"))));
  }
  if (start.size() > 0) {
    absl::StatusOr<ledger::Hash> root = deps_.ledger->RootAt(start.size());
    if (!root.ok()) return read.Close(ToGrpcStatus(root.status()));
    if (start.root() != Bytes(*root)) {
      return read.Close(ToGrpcStatus(absl::FailedPreconditionError(absl::StrCat(
          "start.root: the mirror's tree of ", start.size(), " events is not the primary's "
          "(primary root ", ledger::HashToHex(*root), "); follow from a smaller size to find "
          "where the logs part"))));
    }
  }
  if (grpc::Status begun = read.Begin(); !begun.ok()) return begun;
  const std::string node = start.node();
  // What the mirror's reports count as: its key (one per node), not the name it gives itself,
  // so that one key cannot confirm twice under two names.
  const std::string identity = caller->development ? node : caller->key_id;
  Log("info", "mirror following", {{"mirror", node}, {"from", start.size()}, {"term", term}});
  deps_.sync->Connected(term, identity, node);
  // What the primary has sent: no report may claim more (a faulty or hostile mirror could
  // otherwise confirm events it never received).
  std::atomic<uint64_t> sent{start.size()};
  // The mirror's tree up to its start is this log's (checked above) and on its disk: it counts
  // at once, or an up-to-date mirror would confirm nothing until the log grows.
  deps_.sync->Report(term, identity, start.size());
  // The mirror's reports arrive on the same stream; read them beside the sending loop.
  std::thread reader([&] {
    booo::v1::FollowRequest report;
    while (stream->Read(&report)) {
      if (report.kind_case() == booo::v1::FollowRequest::kDurableSize) {
        deps_.sync->Report(term, identity, std::min(report.durable_size(), sent.load()));
      }
    }
  });

  uint64_t next = start.size();
  uint64_t sent_checkpoint = 0;
  absl::Status ended = absl::OkStatus();
  while (!context->IsCancelled()) {
    if (deps_.cluster->role() != NodeRole::kPrimary || deps_.cluster->term() != term ||
        deps_.ledger->shutting_down()) {
      ended = absl::UnavailableError("Follow: this node is no longer the primary of term " +
                                     std::to_string(term));
      break;
    }
    booo::v1::FollowResponse response;
    const uint64_t size = deps_.ledger->Head().size;
    if (next < size) {
      absl::StatusOr<booo::v1::ReadEventsResponse> page =
          deps_.ledger->ReadEvents(next, kFollowPage, "");
      if (!page.ok()) {
        ended = page.status();
        break;
      }
      for (booo::v1::StoredEvent& event : *page->mutable_events()) {
        event.clear_superseded_by_sequence();  // a reading-time fact, not the log's
        *response.add_events() = std::move(event);
      }
      next += static_cast<uint64_t>(response.events_size());
    }
    // Counted as sent before it is written: a report can only follow the write.
    sent.store(next);
    if (absl::StatusOr<booo::v1::Checkpoint> checkpoint = deps_.signer->Latest();
        checkpoint.ok() && checkpoint->tree_size() > sent_checkpoint) {
      sent_checkpoint = checkpoint->tree_size();
      *response.mutable_checkpoint() = *std::move(checkpoint);
    }
    if (response.events_size() == 0 && !response.has_checkpoint()) {
      deps_.ledger->WaitForGrowth(next, absl::Milliseconds(20));
      continue;
    }
    response.set_term(term);
    response.set_primary_size(size);
    response.set_term_start_size(deps_.cluster->term_start_size());
    if (!stream->Write(response)) break;  // the mirror went away
  }
  context->TryCancel();
  reader.join();
  deps_.sync->Disconnected(term, identity);
  Log("info", "mirror stopped following", {{"mirror", node}, {"sent_up_to", next}});
  return read.Close(ToGrpcStatus(ended));
}

booo::v1::NodeStatus ClusterService::Status() const {
  booo::v1::NodeStatus status;
  const ledger::TreeHead head = deps_.ledger->Head();
  const NodeRole role = deps_.cluster->role();
  status.set_node(deps_.cluster->node_name());
  status.set_role(NodeRoleName(role));
  status.set_term(deps_.cluster->term());
  status.set_durable_size(head.size);
  status.set_root(Bytes(head.root));
  status.set_checkpoint_size(deps_.signer->CeilingFor(head.size));
  status.set_primary(deps_.cluster->primary());
  status.set_health(deps_.cluster->health());
  if (role == NodeRole::kPrimary) {
    status.set_primary_size(head.size);
    status.set_sync_mirrors(deps_.sync->sync_mirrors());
    status.set_synced_size(std::min(head.size, deps_.sync->SyncedSize()));
    for (const SyncTracker::MirrorView& mirror : deps_.sync->Mirrors()) {
      booo::v1::MirrorStatus* out = status.add_mirrors();
      out->set_node(mirror.node);
      out->set_durable_size(mirror.durable_size);
      out->set_lag(head.size > mirror.durable_size ? head.size - mirror.durable_size : 0);
    }
  } else if (deps_.primary_size) {
    status.set_primary_size(deps_.primary_size());
  }
  if (deps_.members) {
    for (const std::string& member : deps_.members()) status.add_members(member);
  }
  return status;
}

grpc::Status ClusterService::GetNodeStatus(grpc::ServerContext* context,
                                           const booo::v1::GetNodeStatusRequest* request,
                                           booo::v1::NodeStatus* response) {
  absl::StatusOr<Caller> caller = deps_.gate->Admit(*context);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  *response = Status();
  return grpc::Status::OK;
}

grpc::Status ClusterService::Switchover(grpc::ServerContext* context,
                                        const booo::v1::SwitchoverRequest* request,
                                        booo::v1::SwitchoverResponse* response) {
  absl::StatusOr<Caller> caller = deps_.gate->Admit(*context);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  if (!caller->development && caller->role != booo::v1::ROLE_MINISTRY) {
    return ToGrpcStatus(absl::PermissionDeniedError(absl::StrCat(
        "Switchover: only a ministry key may hand the primary over; the caller is ",
        caller->Describe())));
  }
  if (request->to_node().empty()) {
    return ToGrpcStatus(absl::InvalidArgumentError("to_node: is required"));
  }
  if (deps_.cluster->role() != NodeRole::kPrimary || !deps_.switchover) {
    return ToGrpcStatus(
        absl::FailedPreconditionError(deps_.cluster->NotPrimaryMessage("Switchover")));
  }
  absl::Time deadline = std::min(absl::FromChrono(context->deadline()),
                                 absl::Now() + absl::Seconds(30));
  absl::StatusOr<booo::v1::SwitchoverResponse> done =
      deps_.switchover(request->to_node(), deadline);
  if (!done.ok()) return ToGrpcStatus(done.status());
  *response = *std::move(done);
  return grpc::Status::OK;
}

}  // namespace booo::services
