#include "tools/ledgerctl/grant_backend.h"

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/create_channel.h"
#include "ledger/event_validation.h"
#include "ledger/export_file.h"
#include "ledger/leaf_format.h"
#include "ledger/merkle.h"
#include "ledger/status_macros.h"
#include "ledger/verifier.h"
#include "replay/rule_guard.h"
#include "tools/ledgerctl/client.h"

namespace booo::ledgerctl {
namespace {

// Every leaf of the export as a StoredEvent, after the whole file verified.
absl::StatusOr<std::vector<booo::v1::StoredEvent>> ReadVerifiedExport(const std::string& path) {
  {
    ASSIGN_OR_RETURN(std::unique_ptr<ledger::ExportFileReader> leaves,
                     ledger::ExportFileReader::Open(path));
    replay::RuleGuard guard;
    ledger::VerifyOptions options;
    options.policy = &guard;
    RETURN_IF_ERROR(ledger::VerifyLedger(*leaves, options).status());
  }
  ASSIGN_OR_RETURN(std::unique_ptr<ledger::ExportFileReader> leaves,
                   ledger::ExportFileReader::Open(path));
  std::vector<booo::v1::StoredEvent> events;
  for (;;) {
    ASSIGN_OR_RETURN(std::optional<std::string> bytes, leaves->Next());
    if (!bytes) break;
    ASSIGN_OR_RETURN(ledger::Leaf leaf, ledger::DecodeLeaf(*bytes));
    ASSIGN_OR_RETURN(booo::v1::EventBody body, ledger::ParseEventBody(leaf.body));
    const ledger::Hash hash = ledger::HashLeaf(*bytes);
    booo::v1::StoredEvent event;
    event.set_sequence(leaf.sequence);
    event.set_recorded_at_micros(leaf.recorded_at_micros);
    event.set_key_id(leaf.key_id);
    event.set_body(leaf.body);
    event.set_signature(leaf.signature);
    event.set_leaf_hash(std::string(hash.begin(), hash.end()));
    event.set_stream(body.stream());
    event.set_event_id(body.event_id());
    events.push_back(std::move(event));
  }
  return events;
}

template <typename Request, typename Response, typename Stub, typename Method>
absl::StatusOr<Response> Remote(Stub& stub, Method method, const Request& request) {
  grpc::ClientContext context;
  Response response;
  RETURN_IF_ERROR(FromGrpc((stub.*method)(&context, request, &response)));
  return response;
}

}  // namespace

absl::StatusOr<GrantBackend> GrantBackend::Open(const std::string& address,
                                                const std::string& export_file) {
  GrantBackend backend;
  if (export_file.empty()) {
    auto channel = OpenChannel(address);
    backend.stub_ = booo::v1::Grants::NewStub(channel);
    backend.controls_ = booo::v1::Controls::NewStub(channel);
    return backend;
  }
  ASSIGN_OR_RETURN(std::vector<booo::v1::StoredEvent> events, ReadVerifiedExport(export_file));
  backend.log_ = std::make_unique<replay::MemoryEventLog>(std::move(events));
  backend.projection_ = std::make_unique<replay::GrantProjection>(backend.log_.get());
  return backend;
}

absl::StatusOr<booo::v1::GetGrantResponse> GrantBackend::GetGrant(
    const booo::v1::GetGrantRequest& r) {
  if (projection_) return projection_->GetGrant(r);
  return Remote<booo::v1::GetGrantRequest, booo::v1::GetGrantResponse>(
      *stub_, &booo::v1::Grants::Stub::GetGrant, r);
}

absl::StatusOr<booo::v1::ListBalancesResponse> GrantBackend::ListBalances(
    const booo::v1::ListBalancesRequest& r) {
  if (projection_) return projection_->ListBalances(r);
  return Remote<booo::v1::ListBalancesRequest, booo::v1::ListBalancesResponse>(
      *stub_, &booo::v1::Grants::Stub::ListBalances, r);
}

absl::StatusOr<booo::v1::ReplaySettlementResponse> GrantBackend::ReplaySettlement(
    const booo::v1::ReplaySettlementRequest& r) {
  if (projection_) return projection_->ReplaySettlement(r);
  return Remote<booo::v1::ReplaySettlementRequest, booo::v1::ReplaySettlementResponse>(
      *stub_, &booo::v1::Grants::Stub::ReplaySettlement, r);
}

absl::StatusOr<booo::v1::SimulateAmendmentResponse> GrantBackend::SimulateAmendment(
    const booo::v1::SimulateAmendmentRequest& r) {
  if (projection_) return projection_->SimulateAmendment(r);
  return Remote<booo::v1::SimulateAmendmentRequest, booo::v1::SimulateAmendmentResponse>(
      *stub_, &booo::v1::Grants::Stub::SimulateAmendment, r);
}

absl::StatusOr<booo::v1::ListSignalsResponse> GrantBackend::ListSignals(
    const booo::v1::ListSignalsRequest& r) {
  if (projection_) {
    const absl::CivilDay today = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
    const int64_t days = today - absl::CivilDay(1970, 1, 1);
    return projection_->ListSignals(r, days);
  }
  return Remote<booo::v1::ListSignalsRequest, booo::v1::ListSignalsResponse>(
      *controls_, &booo::v1::Controls::Stub::ListSignals, r);
}

absl::StatusOr<booo::v1::SisaFigures> GrantBackend::GetSisaFigures(
    const booo::v1::GetSisaFiguresRequest& r) {
  if (projection_) return projection_->GetSisaFigures(r);
  return Remote<booo::v1::GetSisaFiguresRequest, booo::v1::SisaFigures>(
      *controls_, &booo::v1::Controls::Stub::GetSisaFigures, r);
}

absl::StatusOr<booo::v1::BudgetExecution> GrantBackend::GetBudgetExecution(
    const booo::v1::GetBudgetExecutionRequest& r) {
  if (projection_) return projection_->GetBudgetExecution(r);
  return Remote<booo::v1::GetBudgetExecutionRequest, booo::v1::BudgetExecution>(
      *controls_, &booo::v1::Controls::Stub::GetBudgetExecution, r);
}

absl::StatusOr<booo::v1::AccommodationMix> GrantBackend::GetAccommodationMix(
    const booo::v1::GetAccommodationMixRequest& r) {
  if (projection_) return projection_->GetAccommodationMix(r);
  return Remote<booo::v1::GetAccommodationMixRequest, booo::v1::AccommodationMix>(
      *controls_, &booo::v1::Controls::Stub::GetAccommodationMix, r);
}

}  // namespace booo::ledgerctl
