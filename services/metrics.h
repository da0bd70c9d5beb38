// The operator's metrics, in Prometheus' text exposition, through prometheus-cpp (README
// "Operating ledgerd" lists every metric). Two kinds:
// - Events counted or timed as they happen: calls (grpc_server_* by method and code, the names
//   dashboards already know), group commits and signature checks (as the ledger's observer),
//   checkpoints signed, sync-acknowledgement waits, tiles served.
// - Figures read when Prometheus scrapes (ScrapeSource): the tree size, the projection's lag,
//   RocksDB's and the volume's figures, mirrors and witnesses. Nothing polls between scrapes.
// Names follow Prometheus' rules: base units (seconds, bytes) in the name, `_total` counters.
//
// Thread safety: every method may be called from any thread.
#ifndef BOOO_SERVICES_METRICS_H_
#define BOOO_SERVICES_METRICS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/support/status.h"
#include "ledger/storage/ledger_observer.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/metric_family.h"
#include "prometheus/registry.h"

namespace prometheus {
class Exposer;
}

namespace booo::services {

// "OK", "InvalidArgument", ...: the names grpc_code labels carry (as go-grpc-prometheus).
const char* GrpcCodeName(grpc::StatusCode code);

// One metric family made at scrape time: a gauge (or counter) per label set.
struct ScrapedFamily {
  ScrapedFamily(std::string name, std::string help, prometheus::MetricType type,
                std::vector<std::pair<prometheus::Labels, double>> samples = {})
      : name(std::move(name)), help(std::move(help)), type(type), samples(std::move(samples)) {}
  std::string name;
  std::string help;
  prometheus::MetricType type = prometheus::MetricType::Gauge;
  std::vector<std::pair<prometheus::Labels, double>> samples;
  // Metrics made whole (a summary's count, sum and quantiles), besides `samples`.
  std::vector<prometheus::ClientMetric> metrics;
};
// Appends the families it knows of now. Called on the scraping thread.
using ScrapeSource = std::function<void(std::vector<ScrapedFamily>& out)>;

class Metrics final : public ledger::LedgerObserver {
 public:
  Metrics();
  ~Metrics() override;
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // --- Calls (services/call_observer.h) ---
  // `method` is gRPC's full name "/booo.v1.Ledger/Append"; `type` "unary", "server_stream",
  // "client_stream" or "bidi_stream".
  void CallStarted(absl::string_view method, absl::string_view type);
  void CallHandled(absl::string_view method, absl::string_view type, grpc::StatusCode code,
                   double seconds);

  // --- Appends (the ledger's observer) ---
  void OnGroupCommitted(const ledger::GroupCommitStats& stats) override;
  void OnSignatureChecked(double seconds) override;

  // --- The log, the cluster, the tiles ---
  void CheckpointSigned(uint64_t tree_size, double seconds);
  // An append's wait for its sync mirrors, and whether it ended at its deadline.
  void SyncWaited(double seconds, bool timed_out);
  // `kind`: "checkpoint", "tile", "entries"; `status`: the HTTP status sent.
  void TileServed(absl::string_view kind, int status);
  void ProjectionRebuilt(double seconds);
  // A read recorded in the access log, or one refused because it could not be.
  void AccessRecorded(bool written);

  void AddScrapeSource(ScrapeSource source);
  // When a checkpoint of a larger tree was last signed (Unix seconds); 0 before the first.
  double CheckpointLastAdvancedUnixSeconds() const { return checkpoint_signed_at_.Value(); }

  // The exposition as Prometheus would scrape it now (also what /metrics serves).
  std::string Text() const;

  // Serves /metrics over plain HTTP on `listen_address` ("host:port"; port 0 picks one) until
  // StopServing or destruction. UNAVAILABLE when the address cannot be bound.
  absl::Status Serve(const std::string& listen_address);
  int port() const { return port_; }
  void StopServing();

 private:
  class ScrapeCollectable;
  struct MethodMetrics {
    prometheus::Counter* started = nullptr;
    prometheus::Gauge* in_flight = nullptr;
    prometheus::Histogram* handling = nullptr;
    prometheus::Counter* handled[17] = {};  // by grpc::StatusCode, made when first seen
  };
  MethodMetrics& ForMethod(absl::string_view method, absl::string_view type)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  const std::shared_ptr<prometheus::Registry> registry_;
  const std::shared_ptr<ScrapeCollectable> scraped_;

  prometheus::Family<prometheus::Counter>& started_;
  prometheus::Family<prometheus::Counter>& handled_;
  prometheus::Family<prometheus::Histogram>& handling_;
  prometheus::Family<prometheus::Gauge>& in_flight_;
  prometheus::Family<prometheus::Counter>& refused_;
  prometheus::Histogram& group_events_;
  prometheus::Histogram& group_commit_seconds_;
  prometheus::Histogram& group_write_seconds_;
  prometheus::Histogram& signature_seconds_;
  prometheus::Counter& appended_events_;
  prometheus::Counter& appended_bytes_;
  prometheus::Counter& replicated_events_;
  prometheus::Counter& failed_group_writes_;
  prometheus::Histogram& checkpoint_sign_seconds_;
  prometheus::Gauge& checkpoint_signed_size_;
  prometheus::Gauge& checkpoint_signed_at_;
  prometheus::Histogram& sync_wait_seconds_;
  prometheus::Counter& sync_timeouts_;
  prometheus::Family<prometheus::Counter>& tiles_served_;
  prometheus::Gauge& projection_rebuild_seconds_;
  prometheus::Family<prometheus::Counter>& access_records_;

  absl::Mutex mutex_;
  absl::flat_hash_map<std::string, MethodMetrics> methods_ ABSL_GUARDED_BY(mutex_);
  uint64_t highest_signed_size_ ABSL_GUARDED_BY(mutex_) = 0;

  std::unique_ptr<prometheus::Exposer> exposer_;
  int port_ = 0;
};

}  // namespace booo::services

#endif  // BOOO_SERVICES_METRICS_H_
