// The read-access log (proto/booo/v1/access_log_service.proto): one record per read of a
// municipality's data, written durably before the answer leaves, so that a read the ledger
// cannot record is refused rather than served unrecorded. It is kept in a RocksDB database of
// its own (by default <data_dir>/access-log), apart from the Merkle log: the log is the
// record of facts, this the record of access, and it forgets records past its retention.
//
// Thread safety: every method may be called from any thread.
#ifndef BOOO_SERVICES_ACCESS_LOG_H_
#define BOOO_SERVICES_ACCESS_LOG_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "booo/v1/access_log_service.pb.h"
#include "grpcpp/server_context.h"
#include "services/caller.h"
#include "services/metrics.h"
#include "services/trace_context.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
class WriteBatch;
}  // namespace rocksdb

namespace booo::services {

struct AccessLogOptions {
  absl::Duration retention = absl::Hours(24 * 400);  // records older than this are deleted
  absl::Duration sweep_interval = absl::Hours(1);    // how often they are looked for
  std::string instance;                              // the node's name, in every record
  // The processing activity of each RPC ("booo.v1.Grants/GetGrant" -> a URI in the
  // organisation's register); an RPC without one gets `activity_base` + its name.
  absl::flat_hash_map<std::string, std::string> activities;
  std::string activity_base = "urn:booo-ledger:processing-activity:";
  Metrics* metrics = nullptr;  // not owned; may be null
};

// Reads "<rpc> <uri>" lines (blank lines and '#' comments skipped) into `activities`.
// INVALID_ARGUMENT naming the line for anything else.
absl::Status ParseProcessingActivities(absl::string_view text,
                                       absl::flat_hash_map<std::string, std::string>& activities);

class AccessLog {
 public:
  static absl::StatusOr<std::unique_ptr<AccessLog>> Open(const std::string& dir,
                                                         AccessLogOptions options);
  ~AccessLog();

  std::string ActivityFor(absl::string_view rpc) const;
  const std::string& instance() const { return options_.instance; }
  Metrics* metrics() const { return options_.metrics; }

  // A record of a read by `caller` of `rpc` under `trace`, starting now (its outcome and end
  // still to be set).
  booo::v1::AccessRecord NewRecord(const TraceContext& trace, const Caller& caller,
                                   absl::string_view rpc) const;

  // Durable (the write-ahead log fsynced) before it returns; UNAVAILABLE or RESOURCE_EXHAUSTED
  // when it cannot be written. A record with the same start time and operation id replaces
  // the earlier one (a stream's record at its end).
  absl::Status Write(const booo::v1::AccessRecord& record);

  // The records of the request's municipality (and the every-municipality reads) or all,
  // within [from, to), oldest first, a page at a time. INVALID_ARGUMENT as the RPC says.
  absl::StatusOr<booo::v1::ListAccessRecordsResponse> List(
      const booo::v1::ListAccessRecordsRequest& request) const;

  // Deletes the records that started before now minus the retention; how many. The sweeper
  // thread calls it at open and every sweep_interval.
  absl::StatusOr<size_t> Sweep();

 private:
  explicit AccessLog(AccessLogOptions options);
  void SweepLoop();
  absl::Status WriteDurably(const booo::v1::AccessRecord& record);
  absl::Status OpenStoreLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(db_mutex_);
  void CloseStoreLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(db_mutex_);

  const AccessLogOptions options_;
  std::string dir_;
  // The store: used under the lock shared, replaced (after a failed write) under it exclusive.
  mutable absl::Mutex db_mutex_;
  std::unique_ptr<rocksdb::DB> db_ ABSL_GUARDED_BY(db_mutex_);
  rocksdb::ColumnFamilyHandle* by_time_ ABSL_GUARDED_BY(db_mutex_) = nullptr;
  rocksdb::ColumnFamilyHandle* by_municipality_ ABSL_GUARDED_BY(db_mutex_) = nullptr;
  rocksdb::ColumnFamilyHandle* default_ ABSL_GUARDED_BY(db_mutex_) = nullptr;
  std::atomic<bool> broken_{false};  // the last write failed: reopen before the next
  absl::Time last_reopen_ ABSL_GUARDED_BY(db_mutex_) = absl::InfinitePast();
  absl::Mutex failure_mutex_ ABSL_ACQUIRED_AFTER(db_mutex_);
  absl::Status last_failure_ ABSL_GUARDED_BY(failure_mutex_);  // why the store is failed

  absl::Mutex stop_mutex_;
  bool stopping_ ABSL_GUARDED_BY(stop_mutex_) = false;
  std::thread sweeper_;
};

// The municipality a stream belongs to: "GM0363" for "municipality/GM0363", empty for the
// streams of no municipality (keys, rules, budget).
std::string MunicipalityOfStream(absl::string_view stream);
// The municipality a read of `stream` concerns, for `caller`: the stream's; for the whole log
// (an empty stream) "*", or a municipality caller's own code (its read is narrowed to it).
std::string ConcernedMunicipality(const Caller& caller, absl::string_view stream);

// One read being served, and its record. A handler makes one once it knows the caller, names
// the municipality concerned, and passes its outcome through Close before answering: the
// record is written then, and a read whose record cannot be written gets UNAVAILABLE instead
// of its answer. A stream calls Begin before its first message, so that it is recorded before
// anything is sent. Without an access log (`log` null) nothing is recorded and the outcome
// passes unchanged.
class RecordedRead {
 public:
  RecordedRead(AccessLog* log, const grpc::ServerContextBase& context, const Caller& caller,
               absl::string_view rpc);
  // "GM0363"; "*" for every municipality; empty (the default) for none.
  void set_municipality(absl::string_view code) { record_.set_municipality_code(std::string(code)); }

  grpc::Status Begin();
  grpc::Status Close(const grpc::Status& status);

 private:
  AccessLog* const log_;
  booo::v1::AccessRecord record_;
};

}  // namespace booo::services

#endif  // BOOO_SERVICES_ACCESS_LOG_H_
