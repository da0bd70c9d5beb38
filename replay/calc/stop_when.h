// Giving up a computation whose caller stopped waiting. A whole trace at national scale takes
// seconds of a core to compute; a client that read a stream's first chunk and stopped, or whose
// deadline passed, should not keep that core busy. The server installs a StopWhen around a
// query; the computation asks CheckNotStopped() at safe points (between the calculation's
// steps, every few thousand events read back) and returns CANCELLED there, keeping nothing it
// computed (no cache holds a partial result: each caches only what returned OK).
//
// Thread-local, as a query runs on one thread: what it calls need not pass the predicate on.
#ifndef BOOO_REPLAY_CALC_STOP_WHEN_H_
#define BOOO_REPLAY_CALC_STOP_WHEN_H_

#include <functional>

#include "absl/status/status.h"

namespace booo::replay {

class StopWhen {
 public:
  // While this object lives, CheckNotStopped() on this thread fails once `stopped` returns
  // true. `stopped` must be cheap; it is kept (a temporary lambda may be passed). Nested scopes
  // stack.
  explicit StopWhen(std::function<bool()> stopped);
  ~StopWhen();
  StopWhen(const StopWhen&) = delete;
  StopWhen& operator=(const StopWhen&) = delete;

 private:
  const std::function<bool()> stopped_;
  const StopWhen* outer_;
  friend absl::Status CheckNotStopped();
};

// OK, or CANCELLED when the innermost StopWhen of this thread says its caller stopped.
absl::Status CheckNotStopped();

}  // namespace booo::replay

#endif  // BOOO_REPLAY_CALC_STOP_WHEN_H_
