// The primary's side of synchronous acknowledgement: which size each mirror holds durably,
// and the appends waiting for enough of them.
//
// An append is answered only once its event is durable on the primary (the ledger's group
// commit) and on `sync_mirrors` mirrors: the synced size is the sync_mirrors-th largest durable
// size the mirrors of this term reported. Mirrors report per group they write, so one report
// answers a whole group of appends. An append that is not synced by its deadline is answered
// UNAVAILABLE: it may be in the log (a retry with the same bytes gets its receipt once it is
// synced) but it was not acknowledged. While the node is not a primary holding a valid lease,
// nothing is answered OK: waiting appends get UNAVAILABLE at once (Close, or the lease check
// run before every answer).
#ifndef BOOO_SERVICES_SYNC_TRACKER_H_
#define BOOO_SERVICES_SYNC_TRACKER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace booo::services {

class SyncTracker {
 public:
  // `lease_valid` says whether this node may still acknowledge (its etcd lease has not run
  // out by its own clock); it is asked before every answer.
  SyncTracker(uint32_t sync_mirrors, std::function<bool()> lease_valid);
  ~SyncTracker();

  uint32_t sync_mirrors() const { return sync_mirrors_; }

  // Starts acknowledging for `term`, with no mirror reports yet.
  void Open(uint64_t term);
  // Stops acknowledging: every waiter gets UNAVAILABLE with `why`, and so does every later one
  // until Open.
  void Close(const std::string& why);

  // A mirror of `term` holds every event below `durable_size`. Reports of another term, or
  // that go back, are ignored.
  void Report(uint64_t term, const std::string& mirror, uint64_t durable_size);
  // `mirror` is the identity reports count under (its key); `name` the node name it gives.
  void Connected(uint64_t term, const std::string& mirror, const std::string& name);
  void Disconnected(uint64_t term, const std::string& mirror);

  // The size durable on enough mirrors (every size when sync_mirrors is 0); 0 while closed.
  uint64_t SyncedSize() const;
  struct MirrorView {
    std::string node;
    uint64_t durable_size = 0;
    bool connected = false;
  };
  std::vector<MirrorView> Mirrors() const;

  // Calls `done` once: OK when `size` events are synced (on this thread if they already are),
  // UNAVAILABLE at `deadline` or when closed.
  void WhenSynced(uint64_t size, absl::Time deadline, std::function<void(absl::Status)> done);
  // Told of every wait once answered: how long, and whether it timed out (metrics).
  // Set once, before serving.
  void SetWaitObserver(std::function<void(double seconds, bool timed_out)> observer) {
    wait_observer_ = std::move(observer);
  }

 private:
  struct Waiter {
    uint64_t size;
    absl::Time deadline;
    std::function<void(absl::Status)> done;
  };
  uint64_t SyncedSizeLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Takes the waiters that can be answered now (synced, timed out, or closed).
  std::vector<std::pair<Waiter, absl::Status>> TakeAnswerable() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void TimerLoop();

  std::function<void(double, bool)> wait_observer_;
  const uint32_t sync_mirrors_;
  const std::function<bool()> lease_valid_;
  mutable absl::Mutex mutex_;
  bool open_ ABSL_GUARDED_BY(mutex_) = false;
  std::string closed_why_ ABSL_GUARDED_BY(mutex_) = "not the primary";
  uint64_t term_ ABSL_GUARDED_BY(mutex_) = 0;
  struct MirrorState {
    uint64_t durable_size = 0;
    int connections = 0;
    std::string name;
  };
  std::map<std::string, MirrorState> mirrors_ ABSL_GUARDED_BY(mutex_);
  std::vector<Waiter> waiters_ ABSL_GUARDED_BY(mutex_);
  bool stop_ ABSL_GUARDED_BY(mutex_) = false;
  std::thread timer_;
};

}  // namespace booo::services

#endif  // BOOO_SERVICES_SYNC_TRACKER_H_
