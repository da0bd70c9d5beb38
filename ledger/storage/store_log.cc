#include "ledger/storage/store_log.h"

#include <cstdarg>
#include <cstdio>
#include <string>

#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "rocksdb/env.h"

namespace booo::ledger {
namespace {

// `text` as a JSON string body: quotes, backslashes and control characters escaped.
std::string JsonEscaped(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      out += absl::StrFormat("\\u%04x", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

class StderrLogger final : public rocksdb::Logger {
 public:
  StderrLogger() : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL) {}

  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    Logv(rocksdb::InfoLogLevel::WARN_LEVEL, format, ap);
  }
  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override {
    if (level < GetInfoLogLevel()) return;
    char buffer[2048];
    std::vsnprintf(buffer, sizeof(buffer), format, ap);
    const std::string line = absl::StrFormat(
        "{\"ts\":\"%s\",\"level\":\"%s\",\"msg\":\"rocksdb\",\"text\":\"%s\"}\n",
        absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", absl::Now(), absl::UTCTimeZone()),
        level >= rocksdb::InfoLogLevel::ERROR_LEVEL ? "error" : "warning",
        JsonEscaped(buffer));
    absl::MutexLock lock(&mutex_);  // one line at a time on stderr
    std::fputs(line.c_str(), stderr);
  }

 private:
  absl::Mutex mutex_;
};

}  // namespace

std::shared_ptr<rocksdb::Logger> NewStderrRocksDbLogger() {
  return std::make_shared<StderrLogger>();
}

}  // namespace booo::ledger
