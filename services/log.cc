#include "services/log.h"

#include <iostream>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/trace_context.h"

namespace booo::services {

void Log(absl::string_view level, absl::string_view message, nlohmann::json fields) {
  ABSL_CONST_INIT static absl::Mutex mutex(absl::kConstInit);  // one line at a time
  nlohmann::json line = nlohmann::json::object();
  line["ts"] = absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", absl::Now(), absl::UTCTimeZone());
  line["level"] = std::string(level);
  line["msg"] = std::string(message);
  // A line written while a call is handled carries its trace (services/trace_context.h).
  if (const TraceContext* trace = CurrentTrace(); trace != nullptr) {
    line["trace_id"] = trace->trace_id;
    line["span_id"] = trace->span_id;
  }
  if (fields.is_object()) {
    for (auto& [key, value] : fields.items()) line[key] = value;
  }
  const std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  absl::MutexLock lock(&mutex);
  std::cerr << text << '\n' << std::flush;
}

}  // namespace booo::services
