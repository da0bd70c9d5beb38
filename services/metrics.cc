#include "services/metrics.h"

#include <exception>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "prometheus/collectable.h"
#include "prometheus/exposer.h"
#include "prometheus/text_serializer.h"

namespace booo::services {
namespace {

// Seconds from 100 µs to 30 s: an fsync, a group commit, a national query, a sync timeout.
const prometheus::Histogram::BucketBoundaries kSecondsBuckets = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
    0.1,    0.25,    0.5,    1,     2.5,    5,     10,   30};
// Signature checks: tens of microseconds each.
const prometheus::Histogram::BucketBoundaries kSignatureBuckets = {
    0.00001, 0.00002, 0.00005, 0.0001, 0.0002, 0.0005, 0.001, 0.01};
// Events per group commit: up to LedgerOptions::max_group_events.
const prometheus::Histogram::BucketBoundaries kGroupBuckets = {1,  2,   4,   8,   16,  32,
                                                               64, 128, 256, 512, 1024};

const char* const kCodeNames[17] = {
    "OK",           "Canceled",          "Unknown",           "InvalidArgument",
    "DeadlineExceeded", "NotFound",      "AlreadyExists",     "PermissionDenied",
    "ResourceExhausted", "FailedPrecondition", "Aborted",     "OutOfRange",
    "Unimplemented", "Internal",         "Unavailable",       "DataLoss",
    "Unauthenticated"};

// "/booo.v1.Ledger/Append" -> {"booo.v1.Ledger", "Append"}.
std::pair<std::string, std::string> SplitMethod(absl::string_view method) {
  if (!method.empty() && method.front() == '/') method.remove_prefix(1);
  const size_t slash = method.find('/');
  if (slash == absl::string_view::npos) return {"unknown", std::string(method)};
  return {std::string(method.substr(0, slash)), std::string(method.substr(slash + 1))};
}

}  // namespace

const char* GrpcCodeName(grpc::StatusCode code) {
  const int index = static_cast<int>(code);
  return index >= 0 && index < 17 ? kCodeNames[index] : "Unknown";
}

// The scrape-time figures, beside the registry's own families.
class Metrics::ScrapeCollectable final : public prometheus::Collectable {
 public:
  void Add(ScrapeSource source) {
    absl::MutexLock lock(&mutex_);
    sources_.push_back(std::move(source));
  }
  std::vector<prometheus::MetricFamily> Collect() const override {
    std::vector<ScrapedFamily> scraped;
    {
      absl::MutexLock lock(&mutex_);
      for (const ScrapeSource& source : sources_) source(scraped);
    }
    std::vector<prometheus::MetricFamily> families;
    for (ScrapedFamily& family : scraped) {
      prometheus::MetricFamily out;
      out.name = std::move(family.name);
      out.help = std::move(family.help);
      out.type = family.type;
      for (auto& [labels, value] : family.samples) {
        prometheus::ClientMetric metric;
        for (auto& [name, label_value] : labels) metric.label.push_back({name, label_value});
        if (family.type == prometheus::MetricType::Counter) {
          metric.counter.value = value;
        } else {
          metric.gauge.value = value;
        }
        out.metric.push_back(std::move(metric));
      }
      for (prometheus::ClientMetric& metric : family.metrics) out.metric.push_back(std::move(metric));
      families.push_back(std::move(out));
    }
    return families;
  }

 private:
  mutable absl::Mutex mutex_;
  std::vector<ScrapeSource> sources_ ABSL_GUARDED_BY(mutex_);
};

Metrics::Metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      scraped_(std::make_shared<ScrapeCollectable>()),
      started_(prometheus::BuildCounter()
                   .Name("grpc_server_started_total")
                   .Help("RPCs started on the server, by service and method")
                   .Register(*registry_)),
      handled_(prometheus::BuildCounter()
                   .Name("grpc_server_handled_total")
                   .Help("RPCs completed on the server, by service, method and status code")
                   .Register(*registry_)),
      handling_(prometheus::BuildHistogram()
                    .Name("grpc_server_handling_seconds")
                    .Help("Time from an RPC's arrival to its status being sent")
                    .Register(*registry_)),
      in_flight_(prometheus::BuildGauge()
                     .Name("booo_grpc_server_in_flight_calls")
                     .Help("RPCs started and not yet completed")
                     .Register(*registry_)),
      refused_(prometheus::BuildCounter()
                   .Name("booo_grpc_server_refused_total")
                   .Help("RPCs answered with a status other than OK, by code")
                   .Register(*registry_)),
      group_events_(prometheus::BuildHistogram()
                        .Name("booo_append_group_events")
                        .Help("Events written per group commit")
                        .Register(*registry_)
                        .Add({}, kGroupBuckets)),
      group_commit_seconds_(prometheus::BuildHistogram()
                                .Name("booo_append_group_commit_seconds")
                                .Help("A group commit: admission, the durable write, publishing")
                                .Register(*registry_)
                                .Add({}, kSecondsBuckets)),
      group_write_seconds_(prometheus::BuildHistogram()
                               .Name("booo_append_fsync_seconds")
                               .Help("A group's durable write: the batch into RocksDB's "
                                     "write-ahead log and its fsync")
                               .Register(*registry_)
                               .Add({}, kSecondsBuckets)),
      signature_seconds_(prometheus::BuildHistogram()
                             .Name("booo_append_signature_verify_seconds")
                             .Help("One Ed25519 signature check at admission")
                             .Register(*registry_)
                             .Add({}, kSignatureBuckets)),
      appended_events_(prometheus::BuildCounter()
                           .Name("booo_appended_events_total")
                           .Help("Events appended to the log (a mirror: replicated)")
                           .Register(*registry_)
                           .Add({})),
      appended_bytes_(prometheus::BuildCounter()
                          .Name("booo_appended_bytes_total")
                          .Help("Leaf bytes appended to the log")
                          .Register(*registry_)
                          .Add({})),
      replicated_events_(prometheus::BuildCounter()
                             .Name("booo_replicated_events_total")
                             .Help("Events a mirror copied from the primary and verified")
                             .Register(*registry_)
                             .Add({})),
      failed_group_writes_(prometheus::BuildCounter()
                               .Name("booo_append_group_write_failures_total")
                               .Help("Group commits whose durable write failed (disk full, I/O)")
                               .Register(*registry_)
                               .Add({})),
      checkpoint_sign_seconds_(prometheus::BuildHistogram()
                                   .Name("booo_checkpoint_sign_seconds")
                                   .Help("Signing one checkpoint")
                                   .Register(*registry_)
                                   .Add({}, kSignatureBuckets)),
      checkpoint_signed_size_(prometheus::BuildGauge()
                                  .Name("booo_checkpoint_signed_tree_size")
                                  .Help("The largest tree size a checkpoint was signed of")
                                  .Register(*registry_)
                                  .Add({})),
      checkpoint_signed_at_(prometheus::BuildGauge()
                                .Name("booo_checkpoint_last_advanced_timestamp_seconds")
                                .Help("When a checkpoint of a larger tree was last signed "
                                      "(Unix time)")
                                .Register(*registry_)
                                .Add({})),
      sync_wait_seconds_(prometheus::BuildHistogram()
                             .Name("booo_sync_ack_wait_seconds")
                             .Help("An append's wait for its sync mirrors' acknowledgements")
                             .Register(*registry_)
                             .Add({}, kSecondsBuckets)),
      sync_timeouts_(prometheus::BuildCounter()
                         .Name("booo_sync_ack_timeouts_total")
                         .Help("Appends answered UNAVAILABLE: the sync mirrors did not "
                               "acknowledge in time")
                         .Register(*registry_)
                         .Add({})),
      tiles_served_(prometheus::BuildCounter()
                        .Name("booo_tiles_served_total")
                        .Help("Requests answered by the tiles listener, by kind and HTTP status")
                        .Register(*registry_)),
      projection_rebuild_seconds_(prometheus::BuildGauge()
                                      .Name("booo_projection_rebuild_seconds")
                                      .Help("How long the projections took to rebuild at start")
                                      .Register(*registry_)
                                      .Add({})),
      access_records_(prometheus::BuildCounter()
                          .Name("booo_access_records_total")
                          .Help("Reads recorded in the access log (result=written), or refused "
                                "because they could not be (result=failed)")
                          .Register(*registry_)) {}

Metrics::~Metrics() { StopServing(); }

Metrics::MethodMetrics& Metrics::ForMethod(absl::string_view method, absl::string_view type) {
  auto [it, inserted] = methods_.try_emplace(method);
  if (inserted) {
    auto [service, name] = SplitMethod(method);
    const prometheus::Labels labels = {
        {"grpc_service", service}, {"grpc_method", name}, {"grpc_type", std::string(type)}};
    it->second.started = &started_.Add(labels);
    it->second.handling = &handling_.Add(labels, kSecondsBuckets);
    it->second.in_flight = &in_flight_.Add(labels);
  }
  return it->second;
}

void Metrics::CallStarted(absl::string_view method, absl::string_view type) {
  absl::MutexLock lock(&mutex_);
  MethodMetrics& m = ForMethod(method, type);
  m.started->Increment();
  m.in_flight->Increment();
}

void Metrics::CallHandled(absl::string_view method, absl::string_view type,
                          grpc::StatusCode code, double seconds) {
  const int index = static_cast<int>(code) >= 0 && static_cast<int>(code) < 17
                        ? static_cast<int>(code)
                        : static_cast<int>(grpc::StatusCode::UNKNOWN);
  absl::MutexLock lock(&mutex_);
  MethodMetrics& m = ForMethod(method, type);
  if (m.handled[index] == nullptr) {
    auto [service, name] = SplitMethod(method);
    m.handled[index] = &handled_.Add({{"grpc_service", service},
                                      {"grpc_method", name},
                                      {"grpc_type", std::string(type)},
                                      {"grpc_code", kCodeNames[index]}});
  }
  m.handled[index]->Increment();
  m.handling->Observe(seconds);
  m.in_flight->Decrement();
  if (code != grpc::StatusCode::OK) refused_.Add({{"grpc_code", kCodeNames[index]}}).Increment();
}

void Metrics::OnGroupCommitted(const ledger::GroupCommitStats& stats) {
  group_commit_seconds_.Observe(stats.commit_seconds);
  if (!stats.written) {
    failed_group_writes_.Increment();
    return;
  }
  if (stats.events == 0) return;
  group_events_.Observe(static_cast<double>(stats.events));
  group_write_seconds_.Observe(stats.write_seconds);
  appended_events_.Increment(static_cast<double>(stats.events));
  appended_bytes_.Increment(static_cast<double>(stats.leaf_bytes));
  if (stats.replicated) replicated_events_.Increment(static_cast<double>(stats.events));
}

void Metrics::OnSignatureChecked(double seconds) { signature_seconds_.Observe(seconds); }

void Metrics::CheckpointSigned(uint64_t tree_size, double seconds) {
  checkpoint_sign_seconds_.Observe(seconds);
  absl::MutexLock lock(&mutex_);
  if (tree_size > highest_signed_size_ || checkpoint_signed_at_.Value() == 0) {
    highest_signed_size_ = std::max(highest_signed_size_, tree_size);
    checkpoint_signed_size_.Set(static_cast<double>(highest_signed_size_));
    checkpoint_signed_at_.Set(absl::ToDoubleSeconds(absl::Now() - absl::UnixEpoch()));
  }
}

void Metrics::SyncWaited(double seconds, bool timed_out) {
  sync_wait_seconds_.Observe(seconds);
  if (timed_out) sync_timeouts_.Increment();
}

void Metrics::TileServed(absl::string_view kind, int status) {
  tiles_served_.Add({{"kind", std::string(kind)}, {"code", absl::StrCat(status)}}).Increment();
}

void Metrics::ProjectionRebuilt(double seconds) { projection_rebuild_seconds_.Set(seconds); }

void Metrics::AccessRecorded(bool written) {
  access_records_.Add({{"result", written ? "written" : "failed"}}).Increment();
}

void Metrics::AddScrapeSource(ScrapeSource source) { scraped_->Add(std::move(source)); }

std::string Metrics::Text() const {
  std::vector<prometheus::MetricFamily> families = registry_->Collect();
  for (prometheus::MetricFamily& family : scraped_->Collect()) families.push_back(std::move(family));
  return prometheus::TextSerializer().Serialize(families);
}

absl::Status Metrics::Serve(const std::string& listen_address) {
  try {
    exposer_ = std::make_unique<prometheus::Exposer>(listen_address, 2);
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("metrics_listen: cannot listen on ", listen_address, ": ", e.what()));
  }
  exposer_->RegisterCollectable(registry_);
  exposer_->RegisterCollectable(scraped_);
  const std::vector<int> ports = exposer_->GetListeningPorts();
  port_ = ports.empty() ? 0 : ports.front();
  return absl::OkStatus();
}

void Metrics::StopServing() { exposer_.reset(); }

}  // namespace booo::services
