// The ledger's only source of time. Injected, so that logic and tests never read the real
// clock; the server passes SystemClock.
#ifndef BOOO_LEDGER_CORE_CLOCK_H_
#define BOOO_LEDGER_CORE_CLOCK_H_

#include <atomic>
#include <chrono>
#include <cstdint>

namespace booo::ledger {

class Clock {
 public:
  virtual ~Clock() = default;
  // Microseconds since the Unix epoch, UTC. Thread-safe.
  virtual int64_t NowMicros() = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t NowMicros() override {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// A clock that moves only when told to; for tests.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t now_micros) : now_micros_(now_micros) {}
  int64_t NowMicros() override { return now_micros_.load(); }
  void Set(int64_t now_micros) { now_micros_.store(now_micros); }
  void Advance(int64_t delta_micros) { now_micros_.fetch_add(delta_micros); }

 private:
  std::atomic<int64_t> now_micros_;
};

}  // namespace booo::ledger

#endif  // BOOO_LEDGER_CORE_CLOCK_H_
