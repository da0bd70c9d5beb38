#include "services/sync_tracker.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace booo::services {

SyncTracker::SyncTracker(uint32_t sync_mirrors, std::function<bool()> lease_valid)
    : sync_mirrors_(sync_mirrors), lease_valid_(std::move(lease_valid)) {
  timer_ = std::thread([this] { TimerLoop(); });
}

SyncTracker::~SyncTracker() {
  Close("the server is stopping");
  {
    absl::MutexLock lock(&mutex_);
    stop_ = true;
  }
  timer_.join();
}

void SyncTracker::Open(uint64_t term) {
  absl::MutexLock lock(&mutex_);
  open_ = true;
  term_ = term;
  mirrors_.clear();
}

void SyncTracker::Close(const std::string& why) {
  std::vector<std::pair<Waiter, absl::Status>> answers;
  {
    absl::MutexLock lock(&mutex_);
    open_ = false;
    closed_why_ = why;
    answers = TakeAnswerable();
  }
  for (auto& [waiter, status] : answers) waiter.done(status);
}

void SyncTracker::Report(uint64_t term, const std::string& mirror, uint64_t durable_size) {
  std::vector<std::pair<Waiter, absl::Status>> answers;
  {
    absl::MutexLock lock(&mutex_);
    if (!open_ || term != term_) return;
    MirrorState& state = mirrors_[mirror];
    if (durable_size <= state.durable_size) return;
    state.durable_size = durable_size;
    answers = TakeAnswerable();
  }
  for (auto& [waiter, status] : answers) waiter.done(status);
}

void SyncTracker::Connected(uint64_t term, const std::string& mirror, const std::string& name) {
  absl::MutexLock lock(&mutex_);
  if (!open_ || term != term_) return;
  MirrorState& state = mirrors_[mirror];
  ++state.connections;
  state.name = name;
}

void SyncTracker::Disconnected(uint64_t term, const std::string& mirror) {
  absl::MutexLock lock(&mutex_);
  if (term != term_) return;
  auto it = mirrors_.find(mirror);
  if (it != mirrors_.end() && it->second.connections > 0) --it->second.connections;
}

uint64_t SyncTracker::SyncedSize() const {
  absl::MutexLock lock(&mutex_);
  return SyncedSizeLocked();
}

uint64_t SyncTracker::SyncedSizeLocked() const {
  if (!open_) return 0;
  if (sync_mirrors_ == 0) return UINT64_MAX;
  // A mirror's report stays true after it disconnects: what it wrote is on its disk.
  std::vector<uint64_t> sizes;
  for (const auto& [name, state] : mirrors_) sizes.push_back(state.durable_size);
  if (sizes.size() < sync_mirrors_) return 0;
  std::nth_element(sizes.begin(), sizes.begin() + (sync_mirrors_ - 1), sizes.end(),
                   std::greater<uint64_t>());
  return sizes[sync_mirrors_ - 1];
}

std::vector<SyncTracker::MirrorView> SyncTracker::Mirrors() const {
  absl::MutexLock lock(&mutex_);
  std::vector<MirrorView> out;
  for (const auto& [name, state] : mirrors_) {
    out.push_back({state.name.empty() ? name : state.name, state.durable_size,
                   state.connections > 0});
  }
  return out;
}

void SyncTracker::WhenSynced(uint64_t size, absl::Time deadline,
                             std::function<void(absl::Status)> done) {
  if (wait_observer_) {
    done = [done = std::move(done), observer = wait_observer_, started = absl::Now(),
            deadline](absl::Status status) {
      const absl::Time now = absl::Now();
      // A timeout is a wait that reached its deadline; not one closed by a stop or a lost lease.
      observer(absl::ToDoubleSeconds(now - started), !status.ok() && now >= deadline);
      done(std::move(status));
    };
  }
  std::vector<std::pair<Waiter, absl::Status>> answers;
  {
    absl::MutexLock lock(&mutex_);
    waiters_.push_back(Waiter{size, deadline, std::move(done)});
    answers = TakeAnswerable();
  }
  for (auto& [waiter, status] : answers) waiter.done(status);
}

std::vector<std::pair<SyncTracker::Waiter, absl::Status>> SyncTracker::TakeAnswerable() {
  std::vector<std::pair<Waiter, absl::Status>> out;
  if (waiters_.empty()) return out;
  const uint64_t synced = SyncedSizeLocked();
  const absl::Time now = absl::Now();
  // Asked once per pass: a primary whose lease ran out (say it was stopped and woke up after
  // another node was elected) must answer nothing OK, even for what its mirrors hold.
  const bool may_acknowledge = open_ && lease_valid_();
  std::vector<Waiter> kept;
  for (Waiter& waiter : waiters_) {
    if (!may_acknowledge) {
      out.emplace_back(std::move(waiter),
                       absl::UnavailableError(absl::StrCat(
                           "not acknowledged: ", open_ ? "this node's lease as primary ran out"
                                                       : closed_why_,
                           "; the event may be in the log: retry with the same bytes")));
    } else if (waiter.size <= synced) {
      out.emplace_back(std::move(waiter), absl::OkStatus());
    } else if (now >= waiter.deadline) {
      out.emplace_back(std::move(waiter),
                       absl::UnavailableError(absl::StrCat(
                           "not acknowledged: fewer than ", sync_mirrors_,
                           " mirror(s) confirmed the event before the deadline (synced size ",
                           synced, ", needed ", waiter.size,
                           "); it may be in the log: retry with the same bytes")));
    } else {
      kept.push_back(std::move(waiter));
    }
  }
  waiters_ = std::move(kept);
  return out;
}

void SyncTracker::TimerLoop() {
  for (;;) {
    std::vector<std::pair<Waiter, absl::Status>> answers;
    {
      absl::MutexLock lock(&mutex_);
      mutex_.AwaitWithTimeout(absl::Condition(&stop_), absl::Milliseconds(20));
      if (stop_) return;
      answers = TakeAnswerable();
    }
    for (auto& [waiter, status] : answers) waiter.done(status);
  }
}

}  // namespace booo::services
