// LedgerStore: the RocksDB adapter. It knows the column families and key layouts of
// ledger/core/LEAF_FORMAT.md and nothing of events' meaning. Reads are thread-safe; writes go
// through one StoreBatch at a time, written atomically.
#ifndef BOOO_LEDGER_STORAGE_STORE_H_
#define BOOO_LEDGER_STORAGE_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "absl/synchronization/mutex.h"
#include "absl/strings/string_view.h"
#include "ledger/core/merkle.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
class WriteBatch;
class Cache;
class Statistics;
}  // namespace rocksdb

namespace booo::ledger {

inline constexpr char kStoreFormat[] = "booo-ledger/1";

// Everything one group commit changes; written with LedgerStore::Write in one atomic batch.
class StoreBatch {
 public:
  StoreBatch();
  ~StoreBatch();
  StoreBatch(const StoreBatch&) = delete;
  StoreBatch& operator=(const StoreBatch&) = delete;

  void PutLeaf(uint64_t sequence, absl::string_view leaf_bytes);
  void PutNode(const MerkleNode& node);
  void PutEventId(absl::string_view event_id, uint64_t sequence);
  void PutStreamEntry(absl::string_view stream, uint64_t position, uint64_t sequence);
  void PutStreamVersion(uint64_t sequence, uint64_t stream_version);
  void PutStreamHead(absl::string_view stream, uint64_t version);
  void PutSuperseded(uint64_t superseded, uint64_t superseding);
  void PutTreeSize(uint64_t size);
  // The root at that size, as the writer computed it from the leaves it appended: what the
  // ledger checks its persisted tree against when it opens.
  void PutTreeRoot(const Hash& root);
  void PutLastRecordedAt(int64_t micros);
  // For cutting a log's tail (ledger/storage/log_cut.h) only: what the Puts above wrote for
  // the events being cut.
  void DeleteLeaf(uint64_t sequence);
  void DeleteNode(int level, uint64_t index);
  void DeleteEventId(absl::string_view event_id);
  void DeleteStreamEntry(absl::string_view stream, uint64_t position);
  void DeleteStreamVersion(uint64_t sequence);
  void DeleteStreamHead(absl::string_view stream);
  void DeleteSuperseded(uint64_t superseded);
  size_t count() const;
  // Drops every operation after the first `count` (a batch refused within its group).
  void Truncate(size_t count);

 private:
  friend class LedgerStore;
  struct Op {
    int cf;
    std::string key;
    std::string value;
    bool erase = false;
  };
  std::vector<Op> ops_;
};

class LedgerStore final : public SubtreeHashSource {
 public:
  struct OpenOptions {
    bool read_only = false;
    bool create_if_missing = true;
    // RocksDB's block cache (shared by every column family), and the memtables of all column
    // families together (0: RocksDB's default, per column family); what the store may hold in
    // memory beyond its index and filter blocks.
    size_t block_cache_bytes = size_t{256} << 20;
    size_t write_buffer_bytes = 0;
  };
  // Opens (or creates) the store in `path`. A read-only open takes no lock, so an auditor can
  // open the directory of a running server; it sees the state at the time of opening.
  static absl::StatusOr<std::unique_ptr<LedgerStore>> Open(const std::string& path,
                                                           OpenOptions options);
  ~LedgerStore() override;

  // Writes the batch atomically; with `sync` the WAL is fsynced before returning.
  // RESOURCE_EXHAUSTED when the disk is full, UNAVAILABLE for other I/O errors; nothing of a
  // failed batch is written. After a failure RocksDB refuses every write until it is resumed
  // (which flushes the memtables, so the failed batch's record in the write-ahead log is never
  // replayed): the next Write resumes it first, and fails with the same codes while the cause
  // lasts. From a full disk RocksDB resumes by itself a few seconds after space returns;
  // meanwhile Write fails as the first failed write did. Reads go on throughout. Called from
  // one thread at a time.
  absl::Status Write(const StoreBatch& batch, bool sync);

  absl::StatusOr<uint64_t> TreeSize() const;                     // 0 for a new store
  // The root recorded with the tree size; nullopt for a new store or one whose last commit was
  // made before roots were recorded.
  absl::StatusOr<std::optional<Hash>> TreeRoot() const;
  absl::StatusOr<int64_t> LastRecordedAt() const;                // 0 for a new store
  absl::StatusOr<std::string> GetLeaf(uint64_t sequence) const;  // NOT_FOUND if absent
  // Calls `fn(i, leaf bytes, stored leaf hash)` for each of `sequences` (ascending) in order,
  // read in batches (RocksDB's MultiGet on the leaves and on the tree's level 0: one pass over
  // the files per batch instead of a lookup per leaf), both as of one snapshot. The views live
  // only during the call. DATA_LOSS, naming the sequence, for a leaf or hash that is absent; an
  // error from `fn` stops the read and is returned.
  absl::Status GetLeaves(
      absl::Span<const uint64_t> sequences,
      absl::FunctionRef<absl::Status(size_t, absl::string_view, absl::string_view)> fn) const;
  absl::StatusOr<std::optional<uint64_t>> FindEventId(absl::string_view event_id) const;
  absl::StatusOr<std::optional<uint64_t>> FindSuperseding(uint64_t sequence) const;
  absl::StatusOr<uint64_t> StreamVersionAfter(uint64_t sequence) const;
  absl::StatusOr<std::optional<uint64_t>> StreamEntry(absl::string_view stream,
                                                      uint64_t position) const;
  // Whether a scan reads each leaf's stored hash beside it.
  enum class LeafHashes {
    kRead,
    kSkip,  // the hash view is empty: for a caller that reads back the hashes it needs
  };
  // Calls `fn(sequence, leaf bytes, stored leaf hash)` for every leaf in [start, end), in
  // order. It reads the leaves, and with kRead the tree's level 0 side by side, with
  // sequential iterators over one snapshot (read-ahead, and without filling the block cache: a
  // full scan must not evict the hot set). The views live only during the call. DATA_LOSS,
  // naming the sequence, when a leaf (or with kRead its hash) is missing; an error from `fn`
  // stops the scan and is returned.
  absl::Status ScanLeaves(
      uint64_t start, uint64_t end,
      absl::FunctionRef<absl::Status(uint64_t, absl::string_view, absl::string_view)> fn,
      LeafHashes leaf_hashes = LeafHashes::kRead) const;
  // Calls `fn(stream, version)` for every stream head.
  absl::Status ForEachStreamHead(const std::function<void(absl::string_view, uint64_t)>& fn) const;
  // The node as stored: what `ledgerctl verify` compares with the hashes it computes.
  absl::StatusOr<Hash> CompleteSubtree(int level, uint64_t index) const override;
  // The tree's nodes as proofs and the roots of older sizes read them (see ProofNodeSource):
  // the same hashes, read with fewer disk reads. A node that is absent is DATA_LOSS here, not
  // NOT_FOUND: proofs ask only for nodes inside the tree.
  const SubtreeHashSource& ProofNodes() const { return proof_nodes_; }

  // Rewrites every file of every column family with the current options, dropping what is
  // obsolete (a ledger written under older storage options, or one just bulk-written).
  absl::Status CompactAll();

  // A consistent copy of the whole store in `dir` (which must not exist), taken while it is
  // being written: RocksDB's checkpoint, hard links where `dir` is on the same filesystem.
  // UNAVAILABLE when it cannot be made; a partial copy is removed.
  absl::Status CopyTo(const std::string& dir) const;

  // For tests and tamper drills only: overwrite a raw value, bypassing every rule.
  absl::Status RawPutForTesting(int cf, absl::string_view key, absl::string_view value);
  absl::Status RawDeleteForTesting(int cf, absl::string_view key);

  // What RocksDB and the data volume say now, for the operator's metrics. Cheap: properties
  // RocksDB keeps anyway, and one statvfs.
  struct Stats {
    uint64_t block_cache_usage_bytes = 0;
    uint64_t block_cache_capacity_bytes = 0;
    uint64_t pending_compaction_bytes = 0;  // estimated, over every column family
    uint64_t live_sst_bytes = 0;
    uint64_t stall_micros = 0;              // writes held back by RocksDB, since the open
    // The write-ahead log's fsyncs since the open, as RocksDB times them.
    uint64_t wal_syncs = 0;
    double wal_sync_micros_sum = 0;
    double wal_sync_micros_p50 = 0, wal_sync_micros_p99 = 0;
    uint64_t volume_free_bytes = 0;   // available to this process on the data directory's volume
    uint64_t volume_total_bytes = 0;
  };
  Stats GetStats() const;

  // Column family indexes, in the order they are opened.
  enum Cf : int {
    kMeta = 0,
    kEvents,
    kTree,
    kEventIds,
    kStreams,
    kEventMeta,
    kSuperseded,
    kCfCount
  };
  static std::string SequenceKey(uint64_t sequence);
  static std::string NodeKey(int level, uint64_t index);

 private:
  LedgerStore() = default;
  absl::StatusOr<std::optional<std::string>> Get(int cf, absl::string_view key) const;
  absl::Status LoadUpperTree();
  // Records a tree node just written (or overwritten) in the upper-tree copy, if it belongs there.
  void NoteTreeNode(absl::string_view key, absl::string_view value);

  // Proofs read the nodes below kUpperTreeLevel from the level-0 row, tile-shaped: the 2^level
  // leaf hashes beneath a node are adjacent keys of the tree's column family, so the siblings
  // a proof needs at levels 0, 1 and 2 (all under one aligned group of 8 leaves) come from one
  // data block, and the level-1 and -2 nodes, which lie in other blocks far away in key order,
  // are computed (three SHA-256 at most) instead of read. With every cache dropped that is one
  // disk read near the leaf instead of three, and one near the tree size instead of three.
  class ProofNodeSource final : public SubtreeHashSource {
   public:
    explicit ProofNodeSource(const LedgerStore* store) : store_(store) {}
    absl::StatusOr<Hash> CompleteSubtree(int level, uint64_t index) const override;

   private:
    const LedgerStore* store_;
  };
  // The hash of the complete subtree (level, index), 1 <= level < kUpperTreeLevel, folded from
  // its 2^level leaf hashes, read in one MultiGet. NOT_FOUND, naming the leaf, when one is
  // absent; DATA_LOSS when one is not 32 bytes.
  absl::StatusOr<Hash> SubtreeFromLeafHashes(int level, uint64_t index) const;

  ProofNodeSource proof_nodes_{this};
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::string path_;
  std::shared_ptr<rocksdb::Cache> block_cache_;
  std::shared_ptr<rocksdb::Statistics> statistics_;
  bool read_only_ = false;
  absl::Status write_failure_;  // why the last Write failed: resume RocksDB before the next

  // The tree's nodes from level kUpperTreeLevel up, in memory, by level then index. A proof
  // reads a few dozen subtree hashes, most of them high in the tree; each RocksDB read that
  // misses the block cache costs tens of microseconds, and one that misses the page cache a
  // disk read (proof p99 2.3-3.8 ms at 2.3 M events without this; from level 6 up, 1.2 ms at
  // 10 M events once other queries had churned the caches, six levels read from disk per
  // proof). From level 3 up: a quarter of the leaf count in hashes, 80 MB at 10 M events.
  static constexpr int kUpperTreeLevel = 3;
  mutable absl::Mutex upper_mutex_;
  // [level - kUpperTreeLevel][index], dense
  std::vector<std::vector<Hash>> upper_ ABSL_GUARDED_BY(upper_mutex_);
};

std::string EncodeBigEndian64(uint64_t value);
absl::StatusOr<uint64_t> DecodeBigEndian64(absl::string_view bytes);

}  // namespace booo::ledger

#endif  // BOOO_LEDGER_STORAGE_STORE_H_
