// QueryPool: a few threads that run queries answered through gRPC's callback API.
//
// A callback method must not block gRPC's own threads, and a query can compute for hundreds of
// milliseconds (a grant nobody asked for since start). The handler hands the query to this pool
// and returns; the pool's thread finishes the call.
#ifndef BOOO_SERVICES_QUERY_POOL_H_
#define BOOO_SERVICES_QUERY_POOL_H_

#include <deque>
#include <functional>
#include <thread>
#include <vector>

namespace booo::services {

class QueryPool {
 public:
  explicit QueryPool(int threads) {
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Work(); });
  }
  QueryPool(const QueryPool&) = delete;
  QueryPool& operator=(const QueryPool&) = delete;
  // Runs every query already submitted, then stops.
  ~QueryPool() {
    {
      absl::MutexLock lock(&mutex_);
      stopping_ = true;
    }
    ready_.SignalAll();
    for (std::thread& t : threads_) t.join();
  }

  void Submit(std::function<void()> query) {
    {
      absl::MutexLock lock(&mutex_);
      queue_.push_back(std::move(query));
    }
    ready_.Signal();
  }

 private:
  void Work() {
    for (;;) {
      std::function<void()> query;
      {
        absl::MutexLock lock(&mutex_);
        while (!stopping_ && queue_.empty()) ready_.Wait(&mutex_);
        if (queue_.empty()) return;  // stopping, and nothing left
        query = std::move(queue_.front());
        queue_.pop_front();
      }
      query();
    }
  }

  absl::Mutex mutex_;
  absl::CondVar ready_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mutex_);
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace booo::services

#endif  // BOOO_SERVICES_QUERY_POOL_H_
