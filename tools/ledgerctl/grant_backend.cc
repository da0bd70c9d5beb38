#include "tools/ledgerctl/grant_backend.h"

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "booo/v1/controls_service.grpc.pb.h"
#include "booo/v1/grants_service.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "ledger/core/event_validation.h"
#include "ledger/core/export_file.h"
#include "ledger/core/leaf_format.h"
#include "ledger/core/merkle.h"
#include "ledger/core/status_macros.h"
#include "ledger/core/verifier.h"
#include "replay/calc/grant_payload_rules.h"
#include "replay/calc/rule_guard.h"
#include "replay/projection/event_log.h"
#include "services/wire/queries.h"
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
    replay::GrantPayloadRules payload_rules;
    options.payload_rules = &payload_rules;
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


// The Grants and Controls services of a ledgerd.
class RemoteGrantBackend final : public GrantBackend {
 public:
  explicit RemoteGrantBackend(const std::string& address) {
    auto channel = OpenChannel(address);
    grants_ = booo::v1::Grants::NewStub(channel);
    controls_ = booo::v1::Controls::NewStub(channel);
  }
  absl::StatusOr<booo::v1::GetGrantResponse> GetGrant(const booo::v1::GetGrantRequest& r) override {
    return Remote<booo::v1::GetGrantRequest, booo::v1::GetGrantResponse>(
        *grants_, &booo::v1::Grants::Stub::GetGrant, r);
  }
  absl::StatusOr<booo::v1::ListBalancesResponse> ListBalances(
      const booo::v1::ListBalancesRequest& r) override {
    return Remote<booo::v1::ListBalancesRequest, booo::v1::ListBalancesResponse>(
        *grants_, &booo::v1::Grants::Stub::ListBalances, r);
  }
  absl::StatusOr<booo::v1::ReplaySettlementResponse> ReplaySettlement(
      const booo::v1::ReplaySettlementRequest& r) override {
    return Remote<booo::v1::ReplaySettlementRequest, booo::v1::ReplaySettlementResponse>(
        *grants_, &booo::v1::Grants::Stub::ReplaySettlement, r);
  }
  absl::StatusOr<booo::v1::SimulateAmendmentResponse> SimulateAmendment(
      const booo::v1::SimulateAmendmentRequest& r) override {
    return Remote<booo::v1::SimulateAmendmentRequest, booo::v1::SimulateAmendmentResponse>(
        *grants_, &booo::v1::Grants::Stub::SimulateAmendment, r);
  }
  absl::StatusOr<booo::v1::ListSignalsResponse> ListSignals(
      const booo::v1::ListSignalsRequest& r) override {
    return Remote<booo::v1::ListSignalsRequest, booo::v1::ListSignalsResponse>(
        *controls_, &booo::v1::Controls::Stub::ListSignals, r);
  }
  absl::StatusOr<booo::v1::SisaFigures> GetSisaFigures(
      const booo::v1::GetSisaFiguresRequest& r) override {
    return Remote<booo::v1::GetSisaFiguresRequest, booo::v1::SisaFigures>(
        *controls_, &booo::v1::Controls::Stub::GetSisaFigures, r);
  }
  absl::StatusOr<booo::v1::BudgetExecution> GetBudgetExecution(
      const booo::v1::GetBudgetExecutionRequest& r) override {
    return Remote<booo::v1::GetBudgetExecutionRequest, booo::v1::BudgetExecution>(
        *controls_, &booo::v1::Controls::Stub::GetBudgetExecution, r);
  }
  absl::StatusOr<booo::v1::AccommodationMix> GetAccommodationMix(
      const booo::v1::GetAccommodationMixRequest& r) override {
    return Remote<booo::v1::GetAccommodationMixRequest, booo::v1::AccommodationMix>(
        *controls_, &booo::v1::Controls::Stub::GetAccommodationMix, r);
  }

 private:
  std::unique_ptr<booo::v1::Grants::Stub> grants_;
  std::unique_ptr<booo::v1::Controls::Stub> controls_;
};

// A verified export, answered by the server's own query facades.
class LocalGrantBackend final : public GrantBackend {
 public:
  explicit LocalGrantBackend(std::vector<booo::v1::StoredEvent> events)
      : log_(std::move(events)), queries_(&log_) {}
  absl::StatusOr<booo::v1::GetGrantResponse> GetGrant(const booo::v1::GetGrantRequest& r) override {
    return queries_.grants.GetGrant(r);
  }
  absl::StatusOr<booo::v1::ListBalancesResponse> ListBalances(
      const booo::v1::ListBalancesRequest& r) override {
    return queries_.grants.ListBalances(r);
  }
  absl::StatusOr<booo::v1::ReplaySettlementResponse> ReplaySettlement(
      const booo::v1::ReplaySettlementRequest& r) override {
    return queries_.grants.ReplaySettlement(r);
  }
  absl::StatusOr<booo::v1::SimulateAmendmentResponse> SimulateAmendment(
      const booo::v1::SimulateAmendmentRequest& r) override {
    return queries_.grants.SimulateAmendment(r);
  }
  absl::StatusOr<booo::v1::ListSignalsResponse> ListSignals(
      const booo::v1::ListSignalsRequest& r) override {
    // Offline, deadlines are judged on this machine's day unless the request names one.
    const absl::CivilDay today = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
    return queries_.controls.ListSignals(r, today - absl::CivilDay(1970, 1, 1));
  }
  absl::StatusOr<booo::v1::SisaFigures> GetSisaFigures(
      const booo::v1::GetSisaFiguresRequest& r) override {
    return queries_.controls.GetSisaFigures(r);
  }
  absl::StatusOr<booo::v1::BudgetExecution> GetBudgetExecution(
      const booo::v1::GetBudgetExecutionRequest& r) override {
    return queries_.controls.GetBudgetExecution(r);
  }
  absl::StatusOr<booo::v1::AccommodationMix> GetAccommodationMix(
      const booo::v1::GetAccommodationMixRequest& r) override {
    return queries_.controls.GetAccommodationMix(r);
  }

 private:
  replay::MemoryEventLog log_;
  wire::Queries queries_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<GrantBackend>> GrantBackend::Open(const std::string& address,
                                                                 const std::string& export_file) {
  if (export_file.empty()) return std::make_unique<RemoteGrantBackend>(address);
  ASSIGN_OR_RETURN(std::vector<booo::v1::StoredEvent> events, ReadVerifiedExport(export_file));
  return std::make_unique<LocalGrantBackend>(std::move(events));
}

}  // namespace booo::ledgerctl
