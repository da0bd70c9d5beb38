#include "services/trace_context.h"

#include <openssl/rand.h>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"

namespace booo::services {
namespace {

bool IsLowerHex(absl::string_view text) {
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool AllZero(absl::string_view text) { return text.find_first_not_of('0') == absl::string_view::npos; }

// `bytes` random bytes as lowercase hex, never all zeros.
std::string RandomHexId(int bytes) {
  unsigned char raw[16] = {};
  do {
    if (RAND_bytes(raw, bytes) != 1) {
      // The system's randomness failing is not a reason to fail a call; an id must only be
      // unlikely to repeat, which the clock gives well enough.
      const uint64_t now = static_cast<uint64_t>(absl::GetCurrentTimeNanos());
      for (int i = 0; i < bytes; ++i) raw[i] = static_cast<unsigned char>(now >> (8 * (i % 8)));
    }
  } while (AllZero(absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(raw), static_cast<size_t>(bytes)))));
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(raw), static_cast<size_t>(bytes)));
}

struct Registry {
  absl::Mutex mutex;
  absl::flat_hash_map<const grpc::ServerContextBase*, TraceContext> calls ABSL_GUARDED_BY(mutex);
};
Registry& Calls() {
  static Registry* const registry = new Registry();  // never destroyed: calls end at exit
  return *registry;
}

thread_local std::optional<TraceContext> current_trace;

}  // namespace

std::string TraceContext::Traceparent() const {
  return absl::StrCat("00-", trace_id, "-", span_id, sampled ? "-01" : "-00");
}

std::optional<ParsedTraceparent> ParseTraceparent(absl::string_view header) {
  header = absl::StripAsciiWhitespace(header);
  // version "-" trace-id "-" parent-id "-" flags: 2 + 1 + 32 + 1 + 16 + 1 + 2 = 55 characters.
  if (header.size() < 55 || header[2] != '-' || header[35] != '-' || header[52] != '-') {
    return std::nullopt;
  }
  const absl::string_view version = header.substr(0, 2);
  const absl::string_view trace_id = header.substr(3, 32);
  const absl::string_view parent_id = header.substr(36, 16);
  const absl::string_view flags = header.substr(53, 2);
  if (!IsLowerHex(version) || version == "ff" || !IsLowerHex(trace_id) ||
      !IsLowerHex(parent_id) || !IsLowerHex(flags)) {
    return std::nullopt;
  }
  // Version 00 is exactly 55 characters; a later version may carry more after a dash.
  if (version == "00" ? header.size() != 55 : (header.size() > 55 && header[55] != '-')) {
    return std::nullopt;
  }
  if (AllZero(trace_id) || AllZero(parent_id)) return std::nullopt;
  const int flag_bits = std::stoi(std::string(flags), nullptr, 16);
  return ParsedTraceparent{std::string(trace_id), std::string(parent_id), (flag_bits & 1) != 0};
}

TraceContext StartSpan(const std::optional<ParsedTraceparent>& parent) {
  TraceContext trace;
  if (parent) {
    trace.trace_id = parent->trace_id;
    trace.parent_span_id = parent->parent_id;
    trace.sampled = parent->sampled;
  } else {
    trace.trace_id = RandomHexId(16);
  }
  trace.span_id = RandomHexId(8);
  return trace;
}

void RegisterCallTrace(const grpc::ServerContextBase* context, TraceContext trace) {
  Registry& registry = Calls();
  absl::MutexLock lock(&registry.mutex);
  registry.calls.insert_or_assign(context, std::move(trace));
}

void UnregisterCallTrace(const grpc::ServerContextBase* context) {
  Registry& registry = Calls();
  absl::MutexLock lock(&registry.mutex);
  registry.calls.erase(context);
}

TraceContext CallTrace(const grpc::ServerContextBase& context) {
  {
    Registry& registry = Calls();
    absl::MutexLock lock(&registry.mutex);
    if (auto it = registry.calls.find(&context); it != registry.calls.end()) return it->second;
  }
  return StartSpan(std::nullopt);
}

const TraceContext* CurrentTrace() { return current_trace ? &*current_trace : nullptr; }

void SetCurrentTrace(const TraceContext& trace) { current_trace = trace; }

void ClearCurrentTrace(absl::string_view span_id) {
  if (current_trace && current_trace->span_id == span_id) current_trace.reset();
}

}  // namespace booo::services
