#include "services/log.h"

#include <atomic>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/trace_context.h"

namespace booo::services {
namespace {

// Ranks: debug 0, info 1, warning 2, error 3. Any other name a caller writes is kept (rank 1).
int Rank(absl::string_view level) {
  if (level == "debug") return 0;
  if (level == "warning") return 2;
  if (level == "error") return 3;
  return 1;
}

std::atomic<int> threshold{1};

}  // namespace

absl::Status SetLogThreshold(absl::string_view level) {
  if (level != "debug" && level != "info" && level != "warning" && level != "error") {
    return absl::InvalidArgumentError(absl::StrCat(
        "log_level: \"", level, "\" is not one of debug, info, warning, error"));
  }
  threshold.store(Rank(level), std::memory_order_relaxed);
  return absl::OkStatus();
}

bool DebugLogged() { return threshold.load(std::memory_order_relaxed) == 0; }

void Log(absl::string_view level, absl::string_view message, nlohmann::json fields) {
  if (Rank(level) < threshold.load(std::memory_order_relaxed)) return;
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
