// QueryPool: a few threads that run queries answered through gRPC's callback API.
//
// A callback method must not block gRPC's own threads, and a query can compute for hundreds of
// milliseconds (a grant nobody asked for since start). The handler hands the query to this pool
// and returns; the pool's thread finishes the call.
#ifndef BOOO_SERVICES_QUERY_POOL_H_
#define BOOO_SERVICES_QUERY_POOL_H_

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
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
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    ready_.notify_all();
    for (std::thread& t : threads_) t.join();
  }

  void Submit(std::function<void()> query) {
    {
      std::lock_guard lock(mutex_);
      queue_.push_back(std::move(query));
    }
    ready_.notify_one();
  }

 private:
  void Work() {
    for (;;) {
      std::function<void()> query;
      {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping, and nothing left
        query = std::move(queue_.front());
        queue_.pop_front();
      }
      query();
    }
  }

  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace booo::services

#endif  // BOOO_SERVICES_QUERY_POOL_H_
