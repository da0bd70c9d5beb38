// A small client of etcd's own v3 gRPC API (stubs generated from Debian's etcd .proto files,
// proto/CMakeLists.txt): leases, reads, writes, and the election's and step-down's compare-and-swap transactions.
// Several endpoints (the members of an etcd cluster): a call that fails on one is tried on the
// next, so losing an etcd member costs a retry, not the cluster. Thread-safe.
#ifndef BOOO_SERVICES_ETCD_CLIENT_H_
#define BOOO_SERVICES_ETCD_CLIENT_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "etcd/etcdserver/etcdserverpb/rpc.grpc.pb.h"

namespace booo::services {

class EtcdClient {
 public:
  // `endpoints`: "host:port" of each member (plaintext gRPC, as etcd listens by default).
  explicit EtcdClient(std::vector<std::string> endpoints,
                      absl::Duration call_timeout = absl::Milliseconds(700));

  struct Value {
    std::string value;
    int64_t create_revision = 0;
    int64_t mod_revision = 0;
    int64_t lease = 0;
  };
  absl::StatusOr<int64_t> GrantLease(int64_t ttl_seconds);
  // The lease's remaining TTL in seconds as etcd counts it; 0 or less: expired or unknown.
  absl::StatusOr<int64_t> KeepAlive(int64_t lease);
  absl::Status RevokeLease(int64_t lease);
  absl::StatusOr<std::optional<Value>> Get(const std::string& key);
  // Every key under `prefix`, in key order.
  absl::StatusOr<std::vector<std::pair<std::string, Value>>> GetPrefix(const std::string& prefix);
  absl::Status Put(const std::string& key, const std::string& value, int64_t lease = 0);
  absl::Status Delete(const std::string& key);
  // The election's transaction: creates `leader`, bound to `lease`, only if it does not exist
  // and `round_key` still holds `round` (absent for 0), and moves `round_key` to the next round
  // in the same transaction. The revision it commits at (the term), or nullopt when either
  // compare fails.
  absl::StatusOr<std::optional<int64_t>> CreateLeader(const std::string& leader,
                                                      const std::string& value, int64_t lease,
                                                      const std::string& round_key,
                                                      uint64_t round);
  // Deletes `key` only if it is still the one created at `create_revision`.
  absl::StatusOr<bool> DeleteIfCreatedAt(const std::string& key, int64_t create_revision);

 private:
  struct Endpoint {
    std::string address;
    std::unique_ptr<etcdserverpb::KV::Stub> kv;
    std::unique_ptr<etcdserverpb::Lease::Stub> lease;
  };
  // Runs `call` on the current endpoint, then on each other once, until one answers.
  template <typename Call>
  absl::Status Try(const char* what, Call call);
  absl::StatusOr<etcdserverpb::TxnResponse> RunTxn(const etcdserverpb::TxnRequest& request);

  const absl::Duration call_timeout_;
  std::vector<Endpoint> endpoints_;
  absl::Mutex mutex_;
  size_t current_ ABSL_GUARDED_BY(mutex_) = 0;
};

}  // namespace booo::services

#endif  // BOOO_SERVICES_ETCD_CLIENT_H_
