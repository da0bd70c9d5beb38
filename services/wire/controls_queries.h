// ControlsQueries: the Controls service's queries over the projection, in wire form, shared by
// the gRPC service and by `ledgerctl --export`. Each catches the projection up, checks the
// request (INVALID_ARGUMENT naming the field) and answers from one consistent state;
// proto/booo/v1/controls_service.proto documents the codes.
//
// Thread safety: every method may be called from any thread.
#ifndef BOOO_SERVICES_WIRE_CONTROLS_QUERIES_H_
#define BOOO_SERVICES_WIRE_CONTROLS_QUERIES_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "booo/v1/controls_service.pb.h"
#include "replay/projection/projection_state.h"

namespace booo::wire {

class ControlsQueries {
 public:
  // `state` must outlive the queries.
  explicit ControlsQueries(replay::ProjectionState* state) : state_(state) {}

  // `today_day` (days since 1970-01-01) is the default day deadlines are judged on; the caller
  // owns the clock.
  absl::StatusOr<booo::v1::ListSignalsResponse> ListSignals(
      const booo::v1::ListSignalsRequest& request, int64_t today_day);
  absl::StatusOr<booo::v1::SisaFigures> GetSisaFigures(
      const booo::v1::GetSisaFiguresRequest& request);
  absl::StatusOr<booo::v1::BudgetExecution> GetBudgetExecution(
      const booo::v1::GetBudgetExecutionRequest& request);
  absl::StatusOr<booo::v1::AccommodationMix> GetAccommodationMix(
      const booo::v1::GetAccommodationMixRequest& request);

 private:
  using Reader = replay::ProjectionState::Reader;
  replay::ProjectionState* const state_;
};

}  // namespace booo::wire

#endif  // BOOO_SERVICES_WIRE_CONTROLS_QUERIES_H_
