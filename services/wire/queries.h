// The projection with both services' query facades over one event log: what ledgerd serves
// and what `ledgerctl --export` answers offline from a verified export.
#ifndef BOOO_SERVICES_WIRE_QUERIES_H_
#define BOOO_SERVICES_WIRE_QUERIES_H_

#include "replay/projection/event_log.h"
#include "replay/projection/projection_state.h"
#include "services/wire/controls_queries.h"
#include "services/wire/grants_queries.h"

namespace booo::wire {

struct Queries {
  // `log` must outlive the queries.
  explicit Queries(const replay::EventLog* log, replay::ProjectionOptions projection = {},
                   GrantsQueryOptions grants_options = {})
      : state(log, projection), grants(&state, grants_options), controls(&state) {}
  Queries(const Queries&) = delete;
  Queries& operator=(const Queries&) = delete;

  replay::ProjectionState state;
  GrantsQueries grants;
  ControlsQueries controls;
};

}  // namespace booo::wire

#endif  // BOOO_SERVICES_WIRE_QUERIES_H_
