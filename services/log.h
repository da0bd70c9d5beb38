// Structured logs: one JSON object per line on stderr, so that a log shipper can index them.
#ifndef BOOO_SERVICES_LOG_H_
#define BOOO_SERVICES_LOG_H_

#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace booo::services {

// Writes {"ts": <RFC 3339 UTC>, "level": level, "msg": message, ...fields}, with "trace_id"
// and "span_id" when the thread works on a call (services/trace_context.h). Thread-safe.
void Log(absl::string_view level, absl::string_view message, nlohmann::json fields = {});

}  // namespace booo::services

#endif  // BOOO_SERVICES_LOG_H_
