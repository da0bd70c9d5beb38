#include "services/grants_service.h"

#include <memory>
#include <string>
#include <vector>

#include "grpc/slice.h"
#include "replay/calc/stop_when.h"
#include "services/wire/grant_response.h"
#include "services/access_log.h"
#include "services/access_policy.h"
#include "services/answer.h"

namespace booo::services {
namespace {

// A slice over bytes the projection shares, released with them when gRPC is done.
grpc::Slice SharedSlice(std::shared_ptr<const std::string> bytes) {
  auto* owner = new std::shared_ptr<const std::string>(std::move(bytes));
  grpc_slice slice = grpc_slice_new_with_user_data(
      const_cast<char*>((*owner)->data()), (*owner)->size(),
      [](void* p) { delete static_cast<std::shared_ptr<const std::string>*>(p); }, owner);
  return grpc::Slice(slice, grpc::Slice::STEAL_REF);
}

}  // namespace

grpc::ServerUnaryReactor* GrantsService::GetGrant(grpc::CallbackServerContext* context,
                                                  const grpc::ByteBuffer* request,
                                                  grpc::ByteBuffer* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<Caller> caller = gate_->Admit(*context);
  if (!caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  std::vector<grpc::Slice> slices;
  booo::v1::GetGrantRequest parsed;
  std::string bytes;
  if (request->Dump(&slices).ok()) {
    for (const grpc::Slice& s : slices)
      bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  auto read = std::make_shared<RecordedRead>(gate_->access_log(), *context, *caller,
                                             "booo.v1.Grants/GetGrant");
  // A refusal is recorded too (a synced write): on the query pool, never on gRPC's own thread.
  auto refuse = [this, reactor, read](grpc::Status refusal) {
    queries_.Submit([reactor, read, refusal] { reactor->Finish(read->Close(refusal)); });
  };
  if (!parsed.ParseFromString(bytes)) {
    refuse(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "request: is not a serialized booo.v1.GetGrantRequest"));
    return reactor;
  }
  read->set_municipality(parsed.municipality_code());
  if (absl::Status access =
          RequireMunicipalityAccess(*caller, "municipality_code", parsed.municipality_code());
      !access.ok()) {
    refuse(ToGrpcStatus(access));
    return reactor;
  }
  queries_.Submit([this, context, reactor, response, read, request = std::move(parsed)] {
    // A caller gone (cancelled, past its deadline) does not keep a core computing for it.
    const replay::StopWhen stop_when_gone([context] { return context->IsCancelled(); });
    absl::StatusOr<wire::SerializedGrant> answer = projection_->GetGrantSerialized(request);
    if (!answer.ok()) {
      reactor->Finish(read->Close(Refusal("GetGrant", answer.status())));
      return;
    }
    // Recorded before the answer is handed to gRPC: an unrecorded read is never sent.
    if (grpc::Status recorded = read->Close(grpc::Status::OK); !recorded.ok()) {
      reactor->Finish(recorded);
      return;
    }
    std::vector<grpc::Slice> out;
    out.push_back(SharedSlice(std::move(answer->bytes)));
    if (!answer->tail.empty()) out.emplace_back(answer->tail);
    *response = grpc::ByteBuffer(out.data(), out.size());
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

grpc::Status GrantsService::StreamGrantTrace(grpc::ServerContext* context,
                                             const booo::v1::GetGrantRequest* request,
                                             grpc::ServerWriter<booo::v1::GrantTraceChunk>* writer) {
  absl::StatusOr<Caller> caller = gate_->Admit(*context);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  RecordedRead read(gate_->access_log(), *context, *caller, "booo.v1.Grants/StreamGrantTrace");
  read.set_municipality(request->municipality_code());
  if (absl::Status access =
          RequireMunicipalityAccess(*caller, "municipality_code", request->municipality_code());
      !access.ok()) {
    return read.Close(ToGrpcStatus(access));
  }
  bool sent = false;
  grpc::Status begun;
  // A client that stopped reading (after the first chunk, say) does not keep a core computing
  // the rest of a national-scale trace for it.
  const replay::StopWhen stop_when_gone([context] { return context->IsCancelled(); });
  const absl::Status streamed =
      projection_->StreamGrantTrace(*request, [&](const booo::v1::GrantTraceChunk& chunk) {
        if (!sent) {
          // Recorded before the first chunk leaves: an unrecorded read is never sent. The
          // record is rewritten with the outcome at the end.
          sent = true;
          begun = read.Begin();
          if (!begun.ok()) return false;
        }
        return !context->IsCancelled() && writer->Write(chunk);
      });
  if (sent && !begun.ok()) return begun;
  return read.Close(Refusal("StreamGrantTrace", streamed));
}

grpc::Status GrantsService::ListBalances(grpc::ServerContext* context,
                                         const booo::v1::ListBalancesRequest* request,
                                         booo::v1::ListBalancesResponse* response) {
  absl::StatusOr<Caller> caller = gate_->Admit(*context);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  RecordedRead read(gate_->access_log(), *context, *caller, "booo.v1.Grants/ListBalances");
  read.set_municipality(ConcernedMunicipality(*caller, ""));
  absl::StatusOr<booo::v1::ListBalancesResponse> balances = projection_->ListBalances(*request);
  if (!balances.ok() || !caller->is_municipality()) {
    return read.Close(Answer("ListBalances", std::move(balances), response));
  }
  // A municipality's list is its own rows, and the totals are theirs.
  booo::v1::ListBalancesResponse own;
  own.set_tree_size(balances->tree_size());
  wire::BalanceTotalsBuilder totals;
  for (booo::v1::BalanceRow& row : *balances->mutable_rows()) {
    if (row.municipality_code() != caller->municipality_code) continue;
    if (absl::Status added = totals.Add(row); !added.ok()) {
      return read.Close(Refusal("ListBalances", added));
    }
    *own.add_rows() = std::move(row);
  }
  *own.mutable_totals() = totals.Build();
  *response = std::move(own);
  return read.Close(grpc::Status::OK);
}

grpc::Status GrantsService::ReplaySettlement(grpc::ServerContext* context,
                                             const booo::v1::ReplaySettlementRequest* request,
                                             booo::v1::ReplaySettlementResponse* response) {
  absl::StatusOr<Caller> caller = gate_->Admit(*context);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  RecordedRead read(gate_->access_log(), *context, *caller, "booo.v1.Grants/ReplaySettlement");
  absl::StatusOr<booo::v1::ReplaySettlementResponse> replayed =
      projection_->ReplaySettlement(*request);
  // Whose determination it is shows only once it is found; nothing is sent before the check.
  if (replayed.ok()) {
    read.set_municipality(replayed->municipality_code());
    if (absl::Status access = RequireMunicipalityAccess(
            *caller, request->has_sequence() ? "sequence" : "event_id",
            replayed->municipality_code());
        !access.ok()) {
      return read.Close(ToGrpcStatus(access));
    }
  }
  return read.Close(Answer("ReplaySettlement", std::move(replayed), response));
}

grpc::Status GrantsService::SimulateAmendment(grpc::ServerContext* context,
                                              const booo::v1::SimulateAmendmentRequest* request,
                                              booo::v1::SimulateAmendmentResponse* response) {
  absl::StatusOr<Caller> caller = gate_->Admit(*context);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  RecordedRead read(gate_->access_log(), *context, *caller, "booo.v1.Grants/SimulateAmendment");
  read.set_municipality("*");  // the impact on every municipality: ministry tooling
  if (absl::Status access = RequireNationalReader(*caller, "SimulateAmendment"); !access.ok()) {
    return read.Close(ToGrpcStatus(access));
  }
  return read.Close(
      Answer("SimulateAmendment", projection_->SimulateAmendment(*request), response));
}

}  // namespace booo::services
