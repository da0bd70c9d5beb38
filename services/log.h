// Structured logs: one JSON object per line on stderr, so that a log shipper can index them.
#ifndef BOOO_SERVICES_LOG_H_
#define BOOO_SERVICES_LOG_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace booo::services {

// Writes {"ts": <RFC 3339 UTC>, "level": level, "msg": message, ...fields}, with "trace_id"
// and "span_id" when the thread works on a call (services/trace_context.h), if `level`
// ("debug", "info", "warning" or "error") is at or above the threshold. Thread-safe.
void Log(absl::string_view level, absl::string_view message, nlohmann::json fields = {});

// The lowest level written; "info" unless set. Unknown names are refused, naming the field.
absl::Status SetLogThreshold(absl::string_view level);

// Whether lines at "debug" are written: a caller checks before building a line's fields when
// the line is written once per event (a successful append), where the fields would cost more
// than the rest of the call's logging.
bool DebugLogged();

}  // namespace booo::services

#endif  // BOOO_SERVICES_LOG_H_
