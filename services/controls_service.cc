#include "services/controls_service.h"

#include "ledger/core/civil_date.h"
#include "services/access_log.h"
#include "services/access_policy.h"
#include "services/answer.h"

namespace booo::services {

grpc::Status ControlsService::ListSignals(grpc::ServerContext* context,
                                          const booo::v1::ListSignalsRequest* request,
                                          booo::v1::ListSignalsResponse* response) {
  absl::StatusOr<Caller> caller = gate_->Admit(*context);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  RecordedRead read(gate_->access_log(), *context, *caller, "booo.v1.Controls/ListSignals");
  read.set_municipality(request->municipality_code().empty()
                            ? ConcernedMunicipality(*caller, "")
                            : request->municipality_code());
  absl::StatusOr<std::string> code =
      ScopedMunicipality(*caller, "municipality_code", request->municipality_code());
  if (!code.ok()) return read.Close(ToGrpcStatus(code.status()));
  booo::v1::ListSignalsRequest scoped = *request;
  scoped.set_municipality_code(*std::move(code));
  const int64_t today = clock_->NowMicros() / ledger::kMicrosPerDay;
  return read.Close(Answer("ListSignals", projection_->ListSignals(scoped, today), response));
}

grpc::Status ControlsService::GetSisaFigures(grpc::ServerContext* context,
                                             const booo::v1::GetSisaFiguresRequest* request,
                                             booo::v1::SisaFigures* response) {
  absl::StatusOr<Caller> caller = gate_->Admit(*context);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  RecordedRead read(gate_->access_log(), *context, *caller, "booo.v1.Controls/GetSisaFigures");
  read.set_municipality(request->municipality_code());
  if (absl::Status access =
          RequireMunicipalityAccess(*caller, "municipality_code", request->municipality_code());
      !access.ok()) {
    return read.Close(ToGrpcStatus(access));
  }
  return read.Close(Answer("GetSisaFigures", projection_->GetSisaFigures(*request), response));
}

grpc::Status ControlsService::GetBudgetExecution(grpc::ServerContext* context,
                                                 const booo::v1::GetBudgetExecutionRequest* request,
                                                 booo::v1::BudgetExecution* response) {
  absl::StatusOr<Caller> caller = gate_->Admit(*context);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  RecordedRead read(gate_->access_log(), *context, *caller, "booo.v1.Controls/GetBudgetExecution");
  read.set_municipality("*");
  // The national budget line against national spending: the ministry's and the auditor's.
  if (absl::Status access = RequireNationalReader(*caller, "GetBudgetExecution"); !access.ok()) {
    return read.Close(ToGrpcStatus(access));
  }
  return read.Close(
      Answer("GetBudgetExecution", projection_->GetBudgetExecution(*request), response));
}

grpc::Status ControlsService::GetAccommodationMix(
    grpc::ServerContext* context, const booo::v1::GetAccommodationMixRequest* request,
    booo::v1::AccommodationMix* response) {
  absl::StatusOr<Caller> caller = gate_->Admit(*context);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  RecordedRead read(gate_->access_log(), *context, *caller,
                    "booo.v1.Controls/GetAccommodationMix");
  read.set_municipality(request->municipality_code().empty()
                            ? ConcernedMunicipality(*caller, "")
                            : request->municipality_code());
  absl::StatusOr<std::string> code =
      ScopedMunicipality(*caller, "municipality_code", request->municipality_code());
  if (!code.ok()) return read.Close(ToGrpcStatus(code.status()));
  booo::v1::GetAccommodationMixRequest scoped = *request;
  scoped.set_municipality_code(*std::move(code));
  return read.Close(
      Answer("GetAccommodationMix", projection_->GetAccommodationMix(scoped), response));
}

}  // namespace booo::services
