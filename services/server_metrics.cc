// LedgerServer's figures read when Prometheus scrapes (services/metrics.h): the log, the
// projections, RocksDB and the volume, the cluster and the witnesses. Each is read from the
// part that keeps it; nothing is sampled between scrapes.
#include <set>

#include "absl/time/clock.h"
#include "services/server.h"

namespace booo::services {
namespace {

using Labels = prometheus::Labels;

ScrapedFamily Gauge(std::string name, std::string help, double value) {
  return ScrapedFamily{std::move(name), std::move(help), prometheus::MetricType::Gauge,
                       {{Labels{}, value}}};
}

ScrapedFamily Counter(std::string name, std::string help,
                      std::vector<std::pair<Labels, double>> samples) {
  return ScrapedFamily{std::move(name), std::move(help), prometheus::MetricType::Counter,
                       std::move(samples)};
}

}  // namespace

void LedgerServer::AddScrapeSources() {
  const absl::Time started = absl::Now();
  metrics_->AddScrapeSource([this, started](std::vector<ScrapedFamily>& out) {
    const ledger::TreeHead head = ledger_->Head();
    out.push_back(Gauge("booo_log_tree_size", "Events in the log (its tree size)",
                        static_cast<double>(head.size)));
    out.push_back(Gauge("booo_append_queue_events",
                        "Appends queued or written but not yet answered",
                        static_cast<double>(ledger_->QueuedEvents())));
    // What the signer's ceiling would allow, read without raising the recorded size (which
    // the ceiling itself does, on disk: a scrape must not write).
    uint64_t signable = head.size;
    if (cluster_ != nullptr) {
      const uint64_t floor = cluster_->persisted().checkpoint_size;
      signable = cluster_->role() == NodeRole::kPrimary && sync_ != nullptr
                     ? std::min(head.size, std::max(sync_->SyncedSize(), floor))
                     : std::min(head.size, floor);
    }
    out.push_back(Gauge("booo_checkpoint_signable_tree_size",
                        "The largest tree a checkpoint may be signed of now (in a cluster: "
                        "what the sync mirrors hold)",
                        static_cast<double>(signable)));
    // Since a checkpoint of a larger tree was last signed, or since the start.
    const double last = std::max(metrics_->CheckpointLastAdvancedUnixSeconds(),
                                 absl::ToDoubleSeconds(started - absl::UnixEpoch()));
    out.push_back(Gauge("booo_checkpoint_age_seconds",
                        "Seconds since a checkpoint of a larger tree was last signed (or since "
                        "the start)",
                        absl::ToDoubleSeconds(absl::Now() - absl::UnixEpoch()) - last));

    // The projections.
    const uint64_t position = queries_->state.position();
    out.push_back(Gauge("booo_projection_lag_events",
                        "Events in the log the projections have not read yet",
                        static_cast<double>(head.size > position ? head.size - position : 0)));
    const replay::ParsedStreamCache& parsed = queries_->state.parsed_cache();
    out.push_back(ScrapedFamily{
        "booo_projection_cache_bytes",
        "Memory the projection caches hold",
        prometheus::MetricType::Gauge,
        {{Labels{{"cache", "parsed_streams"}}, static_cast<double>(parsed.bytes_held())},
         {Labels{{"cache", "head_grants"}},
          static_cast<double>(queries_->grants.cached_trace_weight())}}});
    out.push_back(Counter(
        "booo_projection_cache_lookups_total",
        "Lookups in the projection caches, by cache and result (hit: answered from the cache)",
        {{Labels{{"cache", "parsed_streams"}, {"result", "hit"}}, static_cast<double>(parsed.hits())},
         {Labels{{"cache", "parsed_streams"}, {"result", "miss"}},
          static_cast<double>(parsed.misses())},
         {Labels{{"cache", "head_grants"}, {"result", "hit"}},
          static_cast<double>(queries_->grants.cache_hits())},
         {Labels{{"cache", "head_grants"}, {"result", "miss"}},
          static_cast<double>(queries_->grants.cache_misses())}}));
    out.push_back(ScrapedFamily{
        "booo_memory_budget_bytes",
        "The memory budget (--memory-budget) and each cache's share of it; \"rest\" holds the "
        "index, the fixed parts and the headroom for computations in flight",
        prometheus::MetricType::Gauge,
        {{Labels{{"part", "total"}}, static_cast<double>(memory_.budget)},
         {Labels{{"part", "rocksdb_block_cache"}}, static_cast<double>(memory_.rocksdb_block_cache)},
         {Labels{{"part", "rocksdb_write_buffers"}},
          static_cast<double>(memory_.rocksdb_write_buffers)},
         {Labels{{"part", "parsed_streams"}}, static_cast<double>(memory_.parsed_streams)},
         {Labels{{"part", "head_traces"}}, static_cast<double>(memory_.head_traces)},
         {Labels{{"part", "rest"}}, static_cast<double>(memory_.rest())}}});
    out.push_back(Gauge("booo_process_resident_bytes",
                        "The process's resident memory (RSS), to hold against the budget",
                        static_cast<double>(ResidentBytes())));
    out.push_back(Gauge("booo_projection_index_bytes",
                        "What the projection's index weighs in memory (grows with the log, "
                        "never evicted)",
                        static_cast<double>(queries_->state.IndexBytes())));
    if (projection_store_ != nullptr) {
      out.push_back(Gauge("booo_projection_kept_events",
                          "Events the projection kept across restarts covers (the next start "
                          "reads only the log beyond them)",
                          static_cast<double>(projection_store_->tree_size())));
      out.push_back(Gauge("booo_projection_kept_bytes",
                          "The kept projection's size on disk",
                          static_cast<double>(projection_store_->DiskBytes())));
      out.push_back(Counter("booo_projection_kept_answers_total",
                            "Head answers the cache missed and the kept projection had (read, "
                            "not computed), and kept answers that could not be written",
                            {{Labels{{"result", "read"}},
                              static_cast<double>(queries_->grants.kept_hits())},
                             {Labels{{"result", "write_failed"}},
                              static_cast<double>(projection_store_->put_failures())}}));
    }

    // RocksDB and the data volume.
    const ledger::LedgerStore::Stats store = ledger_->StoreStats();
    out.push_back(Gauge("booo_rocksdb_block_cache_usage_bytes", "RocksDB block cache in use",
                        static_cast<double>(store.block_cache_usage_bytes)));
    out.push_back(Gauge("booo_rocksdb_block_cache_capacity_bytes", "RocksDB block cache size",
                        static_cast<double>(store.block_cache_capacity_bytes)));
    out.push_back(Gauge("booo_rocksdb_pending_compaction_bytes",
                        "Bytes RocksDB estimates it must still compact",
                        static_cast<double>(store.pending_compaction_bytes)));
    out.push_back(Gauge("booo_rocksdb_live_sst_bytes", "Bytes of the live SST files",
                        static_cast<double>(store.live_sst_bytes)));
    out.push_back(Counter("booo_rocksdb_stall_seconds_total",
                          "Time RocksDB held writes back (write stalls)",
                          {{Labels{}, static_cast<double>(store.stall_micros) / 1e6}}));
    {
      prometheus::ClientMetric fsyncs;
      fsyncs.summary.sample_count = store.wal_syncs;
      fsyncs.summary.sample_sum = store.wal_sync_micros_sum / 1e6;
      fsyncs.summary.quantile = {{0.5, store.wal_sync_micros_p50 / 1e6},
                                 {0.99, store.wal_sync_micros_p99 / 1e6}};
      ScrapedFamily family{"booo_rocksdb_wal_fsync_seconds",
                           "The write-ahead log's fsyncs as RocksDB times them, since the start",
                           prometheus::MetricType::Summary, {}};
      family.metrics.push_back(std::move(fsyncs));
      out.push_back(std::move(family));
    }
    out.push_back(Gauge("booo_data_volume_free_bytes",
                        "Bytes free (to ledgerd) on the data directory's volume",
                        static_cast<double>(store.volume_free_bytes)));
    out.push_back(Gauge("booo_data_volume_size_bytes", "Size of the data directory's volume",
                        static_cast<double>(store.volume_total_bytes)));

    // The cluster.
    if (cluster_ != nullptr) {
      ScrapedFamily role{"booo_cluster_role", "This node's role (1 for the role it has)",
                         prometheus::MetricType::Gauge, {}};
      for (NodeRole r : {NodeRole::kPrimary, NodeRole::kMirror, NodeRole::kCandidate,
                         NodeRole::kDiverged}) {
        role.samples.push_back(
            {Labels{{"role", NodeRoleName(r)}}, cluster_->role() == r ? 1.0 : 0.0});
      }
      out.push_back(std::move(role));
      out.push_back(Gauge("booo_cluster_term", "The cluster term this node knows",
                          static_cast<double>(cluster_->term())));
      if (cluster_->role() == NodeRole::kPrimary && sync_ != nullptr) {
        ScrapedFamily lag{"booo_mirror_lag_events",
                          "Events the primary holds that a mirror has not reported durable",
                          prometheus::MetricType::Gauge, {}};
        ScrapedFamily connected{"booo_mirror_connected", "Whether a mirror follows now",
                                prometheus::MetricType::Gauge, {}};
        // The mirrors connected now and those etcd lists as members: a mirror replaced (by a
        // new key) and gone drops out instead of staying "disconnected" for good.
        std::set<std::string> members;
        if (agent_ != nullptr) {
          for (const std::string& member : agent_->Members()) {
            members.insert(member.substr(0, member.find('@')));
          }
        }
        for (const SyncTracker::MirrorView& mirror : sync_->Mirrors()) {
          if (!mirror.connected && agent_ != nullptr && members.count(mirror.node) == 0) continue;
          lag.samples.push_back({Labels{{"mirror", mirror.node}},
                                 static_cast<double>(head.size > mirror.durable_size
                                                         ? head.size - mirror.durable_size
                                                         : 0)});
          connected.samples.push_back({Labels{{"mirror", mirror.node}}, mirror.connected ? 1.0 : 0.0});
        }
        out.push_back(std::move(lag));
        out.push_back(std::move(connected));
      }
      if (follower_ != nullptr && cluster_->role() != NodeRole::kPrimary) {
        const uint64_t primary = follower_->primary_size();
        out.push_back(Gauge("booo_mirror_behind_primary_events",
                            "On a mirror: events the primary holds that this node does not",
                            static_cast<double>(primary > head.size ? primary - head.size : 0)));
      }
    }

    // The witnesses.
    if (witnesses_ != nullptr) {
      ScrapedFamily age{"booo_witness_cosignature_age_seconds",
                        "Seconds since each witness last gave a valid cosignature (or since "
                        "the start, before its first)",
                        prometheus::MetricType::Gauge, {}};
      const absl::Time now = absl::Now();
      for (const WitnessCollector::WitnessStatus& witness : witnesses_->Witnesses()) {
        const absl::Time since = std::max(witness.last_cosigned, started);
        age.samples.push_back({Labels{{"witness", witness.name}}, absl::ToDoubleSeconds(now - since)});
      }
      out.push_back(std::move(age));
    }
  });
}

}  // namespace booo::services
