#include "replay/calc/stop_when.h"

#include <utility>

namespace booo::replay {
namespace {

thread_local const StopWhen* innermost = nullptr;

}  // namespace

StopWhen::StopWhen(std::function<bool()> stopped)
    : stopped_(std::move(stopped)), outer_(innermost) {
  innermost = this;
}

StopWhen::~StopWhen() { innermost = outer_; }

absl::Status CheckNotStopped() {
  if (innermost != nullptr && innermost->stopped_()) {
    return absl::CancelledError("the caller stopped waiting; the computation was given up");
  }
  return absl::OkStatus();
}

}  // namespace booo::replay
