#include "ledger/storage/store.h"

#include <sys/statvfs.h>

#include <array>
#include <filesystem>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "ledger/core/status_macros.h"
#include "ledger/storage/store_log.h"
#include "rocksdb/db.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/statistics.h"
#include "rocksdb/table.h"
#include "rocksdb/utilities/checkpoint.h"
#include "rocksdb/write_batch.h"

namespace booo::ledger {
namespace {

// "default" is RocksDB's own name for the column family every database has.
constexpr const char* kCfNames[] = {"default", "events",     "tree",      "event_ids",
                                    "streams", "event_meta", "superseded"};
static_assert(std::size(kCfNames) == LedgerStore::kCfCount);

constexpr char kTreeSizeKey[] = "tree_size";
constexpr char kLastRecordedAtKey[] = "last_recorded_at";
constexpr char kTreeRootKey[] = "tree_root";
constexpr char kFormatKey[] = "format";
constexpr char kHeadPrefix[] = "head/";

absl::Status FromRocks(const rocksdb::Status& s, absl::string_view what) {
  if (s.ok()) return absl::OkStatus();
  const std::string msg = absl::StrCat(what, ": ", s.ToString());
  if (s.IsNotFound()) return absl::NotFoundError(msg);
  if (s.IsCorruption()) return absl::DataLossError(msg);
  if (s.IsNoSpace()) return absl::ResourceExhaustedError(msg);
  if (s.IsIOError()) return absl::UnavailableError(msg);
  return absl::InternalError(msg);
}

rocksdb::ColumnFamilyOptions CfOptions(int cf, const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::ColumnFamilyOptions options;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  // Every column family is read by exact key: proofs read tree nodes, reads fetch leaves and
  // stream versions, appends probe ids and heads (a miss, the common case for a new id). A
  // bloom filter spares each Get the files that cannot hold its key; without one, proof p99 was
  // 3.7 ms at 2.3 million events.
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  switch (cf) {
    case LedgerStore::kEvents:
      // Replay reads the leaves in one sequential scan, and a leaf is mostly a signature, hashes
      // and key ids, which do not compress. Decompressing them cost a quarter of the scan at 3
      // million events (uncompressed: 0.85 -> 1.45 million events/s, 237 -> 427 bytes per
      // event on disk), and larger blocks spread each block's fixed cost over more leaves.
      options.compression = rocksdb::kNoCompression;
      table.block_size = 32 << 10;
      break;
    case LedgerStore::kTree:
      options.compression = rocksdb::kNoCompression;  // SHA-256 outputs: incompressible
      break;
    default:
      // Ids, stream names and versions compress well; LZ4 decompresses faster than Snappy.
      options.compression = rocksdb::kLZ4Compression;
      break;
  }
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return options;
}

// The 8 bytes at `p` as a big-endian integer (the caller checked there are 8).
uint64_t LoadBigEndian64(const char* p) {
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = (value << 8) | static_cast<uint8_t>(p[i]);
  return value;
}

}  // namespace

std::string EncodeBigEndian64(uint64_t value) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
  return out;
}

absl::StatusOr<uint64_t> DecodeBigEndian64(absl::string_view bytes) {
  if (bytes.size() != 8) return absl::DataLossError("stored integer is not 8 bytes");
  uint64_t value = 0;
  for (char c : bytes) value = (value << 8) | static_cast<uint8_t>(c);
  return value;
}

std::string LedgerStore::SequenceKey(uint64_t sequence) { return EncodeBigEndian64(sequence); }

std::string LedgerStore::NodeKey(int level, uint64_t index) {
  return absl::StrCat(std::string(1, static_cast<char>(level)), EncodeBigEndian64(index));
}

StoreBatch::StoreBatch() = default;
StoreBatch::~StoreBatch() = default;
size_t StoreBatch::count() const { return ops_.size(); }

void StoreBatch::Truncate(size_t count) {
  if (count < ops_.size()) ops_.resize(count);
}

void StoreBatch::PutLeaf(uint64_t sequence, absl::string_view leaf_bytes) {
  ops_.push_back(
      {LedgerStore::kEvents, LedgerStore::SequenceKey(sequence), std::string(leaf_bytes)});
}
void StoreBatch::PutNode(const MerkleNode& node) {
  ops_.push_back({LedgerStore::kTree, LedgerStore::NodeKey(node.level, node.index),
                  std::string(node.hash.begin(), node.hash.end())});
}
void StoreBatch::PutEventId(absl::string_view event_id, uint64_t sequence) {
  ops_.push_back({LedgerStore::kEventIds, std::string(event_id), EncodeBigEndian64(sequence)});
}
void StoreBatch::PutStreamEntry(absl::string_view stream, uint64_t position, uint64_t sequence) {
  ops_.push_back({LedgerStore::kStreams,
                  absl::StrCat(stream, std::string(1, '\0'), EncodeBigEndian64(position)),
                  EncodeBigEndian64(sequence)});
}
void StoreBatch::PutStreamVersion(uint64_t sequence, uint64_t stream_version) {
  ops_.push_back({LedgerStore::kEventMeta, LedgerStore::SequenceKey(sequence),
                  EncodeBigEndian64(stream_version)});
}
void StoreBatch::PutStreamHead(absl::string_view stream, uint64_t version) {
  ops_.push_back(
      {LedgerStore::kMeta, absl::StrCat(kHeadPrefix, stream), EncodeBigEndian64(version)});
}
void StoreBatch::PutSuperseded(uint64_t superseded, uint64_t superseding) {
  ops_.push_back({LedgerStore::kSuperseded, LedgerStore::SequenceKey(superseded),
                  EncodeBigEndian64(superseding)});
}
void StoreBatch::DeleteLeaf(uint64_t sequence) {
  ops_.push_back({LedgerStore::kEvents, LedgerStore::SequenceKey(sequence), "", true});
}
void StoreBatch::DeleteNode(int level, uint64_t index) {
  ops_.push_back({LedgerStore::kTree, LedgerStore::NodeKey(level, index), "", true});
}
void StoreBatch::DeleteEventId(absl::string_view event_id) {
  ops_.push_back({LedgerStore::kEventIds, std::string(event_id), "", true});
}
void StoreBatch::DeleteStreamEntry(absl::string_view stream, uint64_t position) {
  ops_.push_back({LedgerStore::kStreams,
                  absl::StrCat(stream, std::string(1, '\0'), EncodeBigEndian64(position)), "",
                  true});
}
void StoreBatch::DeleteStreamVersion(uint64_t sequence) {
  ops_.push_back({LedgerStore::kEventMeta, LedgerStore::SequenceKey(sequence), "", true});
}
void StoreBatch::DeleteStreamHead(absl::string_view stream) {
  ops_.push_back({LedgerStore::kMeta, absl::StrCat(kHeadPrefix, stream), "", true});
}
void StoreBatch::DeleteSuperseded(uint64_t superseded) {
  ops_.push_back({LedgerStore::kSuperseded, LedgerStore::SequenceKey(superseded), "", true});
}

void StoreBatch::PutTreeRoot(const Hash& root) {
  ops_.push_back({LedgerStore::kMeta, kTreeRootKey, std::string(root.begin(), root.end())});
}

void StoreBatch::PutTreeSize(uint64_t size) {
  ops_.push_back({LedgerStore::kMeta, kTreeSizeKey, EncodeBigEndian64(size)});
}
void StoreBatch::PutLastRecordedAt(int64_t micros) {
  ops_.push_back(
      {LedgerStore::kMeta, kLastRecordedAtKey, EncodeBigEndian64(static_cast<uint64_t>(micros))});
}

absl::StatusOr<std::unique_ptr<LedgerStore>> LedgerStore::Open(const std::string& path,
                                                               OpenOptions options) {
  const bool exists = std::filesystem::exists(std::filesystem::path(path) / "CURRENT");
  if (!exists && (options.read_only || !options.create_if_missing)) {
    return absl::NotFoundError(absl::StrCat("data directory ", path, ": holds no ledger"));
  }
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = options.create_if_missing;
  db_options.create_missing_column_families = options.create_if_missing;
  // A torn record at the WAL's tail is an append that was never acknowledged: drop it. Damage
  // anywhere before the tail would silently lose acknowledged events under RocksDB's default
  // (point-in-time recovery), so it must stop the open instead.
  db_options.wal_recovery_mode = rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  db_options.info_log = NewStderrRocksDbLogger();  // not a LOG file on the ledger's disk
  auto cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  if (options.write_buffer_bytes > 0) db_options.db_write_buffer_size = options.write_buffer_bytes;
  // Tickers and histograms, not the per-operation timers (rocksdb::StatsLevel): the stall time
  // and the WAL fsyncs for the operator's metrics, at no measurable cost to appends.
  auto statistics = rocksdb::CreateDBStatistics();
  statistics->set_stats_level(rocksdb::StatsLevel::kExceptDetailedTimers);
  db_options.statistics = statistics;
  std::vector<rocksdb::ColumnFamilyDescriptor> cfds;
  for (int i = 0; i < kCfCount; ++i) {
    cfds.emplace_back(kCfNames[i], CfOptions(i, cache));
  }
  std::unique_ptr<LedgerStore> store(new LedgerStore());
  store->read_only_ = options.read_only;
  store->path_ = path;
  store->block_cache_ = cache;
  store->statistics_ = statistics;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s =
      options.read_only
          ? rocksdb::DB::OpenForReadOnly(db_options, path, cfds, &store->handles_, &raw, false)
          : rocksdb::DB::Open(db_options, path, cfds, &store->handles_, &raw);
  RETURN_IF_ERROR(FromRocks(s, absl::StrCat("opening ", path)));
  store->db_.reset(raw);

  ASSIGN_OR_RETURN(std::optional<std::string> format, store->Get(kMeta, kFormatKey));
  if (!format) {
    if (options.read_only) return absl::DataLossError("store: no format marker");
    rocksdb::Status put =
        store->db_->Put(rocksdb::WriteOptions(), store->handles_[kMeta], kFormatKey, kStoreFormat);
    RETURN_IF_ERROR(FromRocks(put, "writing format marker"));
  } else if (*format != kStoreFormat) {
    return absl::FailedPreconditionError(
        absl::StrCat("data directory ", path, ": format \"", *format, "\" is not ", kStoreFormat));
  }
  RETURN_IF_ERROR(store->LoadUpperTree());
  return store;
}

absl::Status LedgerStore::LoadUpperTree() {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), handles_[kTree]));
  for (it->Seek(NodeKey(kUpperTreeLevel, 0)); it->Valid(); it->Next()) {
    NoteTreeNode(absl::string_view(it->key().data(), it->key().size()),
                 absl::string_view(it->value().data(), it->value().size()));
  }
  return FromRocks(it->status(), "loading the upper tree");
}

void LedgerStore::NoteTreeNode(absl::string_view key, absl::string_view value) {
  if (key.size() != 9 || static_cast<uint8_t>(key[0]) < kUpperTreeLevel) return;
  const size_t level = static_cast<uint8_t>(key[0]) - kUpperTreeLevel;
  const uint64_t index = LoadBigEndian64(key.data() + 1);
  absl::StatusOr<Hash> hash = HashFromBytes(std::string_view(value.data(), value.size()));
  absl::MutexLock lock(&upper_mutex_);
  if (upper_.size() <= level) upper_.resize(level + 1);
  std::vector<Hash>& row = upper_[level];
  if (index < row.size()) {
    // Overwritten (only a tamper drill does that): serve what is stored, or nothing.
    if (hash.ok()) {
      row[index] = *hash;
    } else {
      row.resize(index);
    }
  } else if (index == row.size() && hash.ok()) {
    row.push_back(*hash);  // nodes complete in index order; a gap ends what is copied
  }
}

LedgerStore::~LedgerStore() {
  if (db_ == nullptr) return;
  for (auto* handle : handles_) db_->DestroyColumnFamilyHandle(handle);
  db_->Close();
}

absl::Status LedgerStore::Write(const StoreBatch& batch, bool sync) {
  if (read_only_) return absl::FailedPreconditionError("store: opened read-only");
  if (!write_failure_.ok()) {
    // RocksDB recovers from a full disk by itself (its file manager polls for free space) and
    // refuses a manual resume meanwhile as busy: the write fails as the first one did, until
    // the recovery is done.
    const rocksdb::Status resumed = db_->Resume();
    if (resumed.IsBusy()) return write_failure_;
    RETURN_IF_ERROR(FromRocks(resumed, "resuming after a failed write"));
    write_failure_ = absl::OkStatus();
  }
  rocksdb::WriteBatch wb;
  for (const auto& op : batch.ops_) {
    RETURN_IF_ERROR(FromRocks(op.erase ? wb.Delete(handles_[op.cf], op.key)
                                       : wb.Put(handles_[op.cf], op.key, op.value),
                              "building batch"));
  }
  rocksdb::WriteOptions options;
  options.sync = sync;
  if (absl::Status written = FromRocks(db_->Write(options, &wb), "writing batch"); !written.ok()) {
    write_failure_ = written;
    return written;
  }
  for (const auto& op : batch.ops_) {
    if (op.cf == kTree && !op.erase) NoteTreeNode(op.key, op.value);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<std::string>> LedgerStore::Get(int cf, absl::string_view key) const {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), handles_[cf],
                               rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  RETURN_IF_ERROR(FromRocks(s, "reading"));
  return std::optional<std::string>(std::move(value));
}

absl::StatusOr<uint64_t> LedgerStore::TreeSize() const {
  ASSIGN_OR_RETURN(std::optional<std::string> v, Get(kMeta, kTreeSizeKey));
  if (!v) return uint64_t{0};
  return DecodeBigEndian64(*v);
}

absl::StatusOr<std::optional<Hash>> LedgerStore::TreeRoot() const {
  ASSIGN_OR_RETURN(std::optional<std::string> v, Get(kMeta, kTreeRootKey));
  if (!v) return std::optional<Hash>();
  absl::StatusOr<Hash> root = HashFromBytes(*v);
  if (!root.ok()) return absl::DataLossError("store: the recorded tree root is not 32 bytes");
  return std::optional<Hash>(*root);
}

absl::StatusOr<int64_t> LedgerStore::LastRecordedAt() const {
  ASSIGN_OR_RETURN(std::optional<std::string> v, Get(kMeta, kLastRecordedAtKey));
  if (!v) return int64_t{0};
  ASSIGN_OR_RETURN(uint64_t raw, DecodeBigEndian64(*v));
  return static_cast<int64_t>(raw);
}

absl::StatusOr<std::string> LedgerStore::GetLeaf(uint64_t sequence) const {
  ASSIGN_OR_RETURN(std::optional<std::string> v, Get(kEvents, SequenceKey(sequence)));
  if (!v) return absl::NotFoundError(absl::StrCat("sequence: no event ", sequence));
  return std::move(*v);
}

absl::Status LedgerStore::GetLeaves(
    absl::Span<const uint64_t> sequences,
    absl::FunctionRef<absl::Status(size_t, absl::string_view, absl::string_view)> fn) const {
  constexpr size_t kBatch = 256;
  std::vector<std::string> leaf_keys, hash_keys;
  std::vector<rocksdb::Slice> leaf_slices, hash_slices;
  std::vector<rocksdb::PinnableSlice> leaves(kBatch), hashes(kBatch);
  std::vector<rocksdb::Status> leaf_statuses(kBatch), hash_statuses(kBatch);
  // One snapshot for both column families, so a leaf and its hash are read as of one moment.
  const rocksdb::Snapshot* snapshot = db_->GetSnapshot();
  absl::Cleanup release = [&] { db_->ReleaseSnapshot(snapshot); };
  rocksdb::ReadOptions options;
  options.snapshot = snapshot;
  absl::Status result = absl::OkStatus();
  for (size_t first = 0; first < sequences.size() && result.ok(); first += kBatch) {
    const size_t n = std::min(kBatch, sequences.size() - first);
    leaf_keys.clear();
    hash_keys.clear();
    leaf_slices.clear();
    hash_slices.clear();
    for (size_t i = 0; i < n; ++i) {
      leaf_keys.push_back(SequenceKey(sequences[first + i]));
      hash_keys.push_back(NodeKey(0, sequences[first + i]));
    }
    for (size_t i = 0; i < n; ++i) {
      leaf_slices.emplace_back(leaf_keys[i]);
      hash_slices.emplace_back(hash_keys[i]);
      leaves[i].Reset();
      hashes[i].Reset();
    }
    db_->MultiGet(options, handles_[kEvents], n, leaf_slices.data(), leaves.data(),
                  leaf_statuses.data(), /*sorted_input=*/true);
    db_->MultiGet(options, handles_[kTree], n, hash_slices.data(), hashes.data(),
                  hash_statuses.data(), /*sorted_input=*/true);
    for (size_t i = 0; i < n && result.ok(); ++i) {
      const uint64_t sequence = sequences[first + i];
      for (const auto& [status, what] :
           {std::pair{&leaf_statuses[i], "event"}, std::pair{&hash_statuses[i], "leaf hash"}}) {
        if (status->IsNotFound()) {
          result = absl::DataLossError(
              absl::StrCat("sequence ", sequence, ": the stored ", what, " is missing"));
        } else if (result.ok()) {
          result = FromRocks(*status, absl::StrCat("reading sequence ", sequence));
        }
        if (!result.ok()) break;
      }
      if (result.ok()) {
        result = fn(first + i, absl::string_view(leaves[i].data(), leaves[i].size()),
                    absl::string_view(hashes[i].data(), hashes[i].size()));
      }
    }
  }
  return result;
}

absl::StatusOr<std::optional<uint64_t>> LedgerStore::FindEventId(absl::string_view id) const {
  ASSIGN_OR_RETURN(std::optional<std::string> v, Get(kEventIds, id));
  if (!v) return std::optional<uint64_t>();
  ASSIGN_OR_RETURN(uint64_t seq, DecodeBigEndian64(*v));
  return std::optional<uint64_t>(seq);
}

absl::StatusOr<std::optional<uint64_t>> LedgerStore::FindSuperseding(uint64_t sequence) const {
  ASSIGN_OR_RETURN(std::optional<std::string> v, Get(kSuperseded, SequenceKey(sequence)));
  if (!v) return std::optional<uint64_t>();
  ASSIGN_OR_RETURN(uint64_t seq, DecodeBigEndian64(*v));
  return std::optional<uint64_t>(seq);
}

absl::StatusOr<uint64_t> LedgerStore::StreamVersionAfter(uint64_t sequence) const {
  ASSIGN_OR_RETURN(std::optional<std::string> v, Get(kEventMeta, SequenceKey(sequence)));
  if (!v) return absl::DataLossError(absl::StrCat("sequence ", sequence, ": no stream version"));
  return DecodeBigEndian64(*v);
}

absl::StatusOr<std::optional<uint64_t>> LedgerStore::StreamEntry(absl::string_view stream,
                                                                 uint64_t position) const {
  ASSIGN_OR_RETURN(
      std::optional<std::string> v,
      Get(kStreams, absl::StrCat(stream, std::string(1, '\0'), EncodeBigEndian64(position))));
  if (!v) return std::optional<uint64_t>();
  ASSIGN_OR_RETURN(uint64_t seq, DecodeBigEndian64(*v));
  return std::optional<uint64_t>(seq);
}

absl::Status LedgerStore::ScanLeaves(
    uint64_t start, uint64_t end,
    absl::FunctionRef<absl::Status(uint64_t, absl::string_view, absl::string_view)> fn,
    LeafHashes leaf_hashes) const {
  if (start >= end) return absl::OkStatus();
  const bool with_hashes = leaf_hashes == LeafHashes::kRead;
  const std::string leaf_bound = SequenceKey(end);
  const std::string hash_first = NodeKey(0, start);
  const std::string hash_bound = NodeKey(0, end);
  const rocksdb::Slice leaf_bound_slice(leaf_bound), hash_bound_slice(hash_bound);
  // Both iterators read one snapshot, so a leaf and its hash are seen as of one moment.
  const rocksdb::Snapshot* snapshot = db_->GetSnapshot();
  absl::Cleanup release = [&] { db_->ReleaseSnapshot(snapshot); };
  rocksdb::ReadOptions leaf_options;
  leaf_options.readahead_size = 512 << 10;
  leaf_options.fill_cache = false;
  leaf_options.snapshot = snapshot;
  rocksdb::ReadOptions hash_options = leaf_options;
  leaf_options.iterate_upper_bound = &leaf_bound_slice;
  hash_options.iterate_upper_bound = &hash_bound_slice;
  std::unique_ptr<rocksdb::Iterator> leaves(db_->NewIterator(leaf_options, handles_[kEvents]));
  std::unique_ptr<rocksdb::Iterator> hashes;
  leaves->Seek(SequenceKey(start));
  if (with_hashes) {
    hashes.reset(db_->NewIterator(hash_options, handles_[kTree]));
    hashes->Seek(hash_first);
  }
  auto missing = [](uint64_t sequence, absl::string_view what) {
    return absl::DataLossError(
        absl::StrCat("sequence ", sequence, ": the stored ", what, " is missing"));
  };
  for (uint64_t sequence = start; sequence < end; ++sequence) {
    if (!leaves->Valid()) {
      RETURN_IF_ERROR(FromRocks(leaves->status(), "scanning events"));
      return missing(sequence, "event");
    }
    const rocksdb::Slice leaf_key = leaves->key();
    if (leaf_key.size() != 8 || LoadBigEndian64(leaf_key.data()) != sequence) {
      return missing(sequence, "event");
    }
    absl::string_view hash;
    if (with_hashes) {
      if (!hashes->Valid()) {
        RETURN_IF_ERROR(FromRocks(hashes->status(), "scanning leaf hashes"));
        return missing(sequence, "leaf hash");
      }
      const rocksdb::Slice hash_key = hashes->key();
      if (hash_key.size() != 9 || LoadBigEndian64(hash_key.data() + 1) != sequence) {
        return missing(sequence, "leaf hash");
      }
      hash = absl::string_view(hashes->value().data(), hashes->value().size());
    }
    const rocksdb::Slice leaf = leaves->value();
    RETURN_IF_ERROR(fn(sequence, absl::string_view(leaf.data(), leaf.size()), hash));
    leaves->Next();
    if (with_hashes) hashes->Next();
  }
  return absl::OkStatus();
}

absl::Status LedgerStore::ForEachStreamHead(
    const std::function<void(absl::string_view, uint64_t)>& fn) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), handles_[kMeta]));
  const absl::string_view prefix = kHeadPrefix;
  for (it->Seek(rocksdb::Slice(prefix.data(), prefix.size()));
       it->Valid() && it->key().starts_with(rocksdb::Slice(prefix.data(), prefix.size()));
       it->Next()) {
    const absl::string_view key(it->key().data(), it->key().size());
    ASSIGN_OR_RETURN(uint64_t version,
                     DecodeBigEndian64(absl::string_view(it->value().data(), it->value().size())));
    fn(key.substr(prefix.size()), version);
  }
  return FromRocks(it->status(), "scanning stream heads");
}

absl::StatusOr<Hash> LedgerStore::CompleteSubtree(int level, uint64_t index) const {
  if (level >= kUpperTreeLevel) {
    absl::ReaderMutexLock lock(&upper_mutex_);
    const size_t row = static_cast<size_t>(level - kUpperTreeLevel);
    if (row < upper_.size() && index < upper_[row].size()) return upper_[row][index];
  }
  ASSIGN_OR_RETURN(std::optional<std::string> v, Get(kTree, NodeKey(level, index)));
  if (!v) {
    return absl::NotFoundError(absl::StrCat("tree node (", level, ", ", index, ") is absent"));
  }
  absl::StatusOr<Hash> hash = HashFromBytes(*v);
  if (!hash.ok()) {
    return absl::DataLossError(absl::StrCat("tree node (", level, ", ", index, ") is corrupt"));
  }
  return hash;
}

absl::StatusOr<Hash> LedgerStore::ProofNodeSource::CompleteSubtree(int level,
                                                                   uint64_t index) const {
  absl::StatusOr<Hash> node = level <= 0 || level >= kUpperTreeLevel
                                  ? store_->CompleteSubtree(level, index)
                                  : store_->SubtreeFromLeafHashes(level, index);
  // Proofs ask only for nodes inside the tree they prove: one that is absent was lost.
  if (absl::IsNotFound(node.status())) return absl::DataLossError(node.status().message());
  return node;
}

absl::StatusOr<Hash> LedgerStore::SubtreeFromLeafHashes(int level, uint64_t index) const {
  constexpr size_t kMaxWidth = size_t{1} << (kUpperTreeLevel - 1);
  if (level < 1 || level >= kUpperTreeLevel || index > (UINT64_MAX >> level)) {
    return absl::InvalidArgumentError(
        absl::StrCat("tree node (", level, ", ", index, "): not below the upper tree"));
  }
  const size_t width = size_t{1} << level;
  const uint64_t first = index << level;
  std::array<std::string, kMaxWidth> keys;
  std::array<rocksdb::Slice, kMaxWidth> slices;
  std::array<rocksdb::PinnableSlice, kMaxWidth> values;
  std::array<rocksdb::Status, kMaxWidth> statuses;
  for (size_t i = 0; i < width; ++i) {
    keys[i] = NodeKey(0, first + i);
    slices[i] = rocksdb::Slice(keys[i]);
  }
  db_->MultiGet(rocksdb::ReadOptions(), handles_[kTree], width, slices.data(), values.data(),
                statuses.data(), /*sorted_input=*/true);
  std::array<Hash, kMaxWidth> row;
  for (size_t i = 0; i < width; ++i) {
    if (statuses[i].IsNotFound()) {
      return absl::NotFoundError(absl::StrCat("tree node (0, ", first + i, ") is absent"));
    }
    if (!statuses[i].ok()) {
      return FromRocks(statuses[i], absl::StrCat("reading tree node (0, ", first + i, ")"));
    }
    absl::StatusOr<Hash> hash =
        HashFromBytes(std::string_view(values[i].data(), values[i].size()));
    if (!hash.ok()) {
      return absl::DataLossError(absl::StrCat("tree node (0, ", first + i, ") is corrupt"));
    }
    row[i] = *hash;
  }
  for (size_t n = width; n > 1; n /= 2) {
    for (size_t i = 0; i < n / 2; ++i) row[i] = HashChildren(row[2 * i], row[2 * i + 1]);
  }
  return row[0];
}

absl::Status LedgerStore::CompactAll() {
  rocksdb::CompactRangeOptions options;
  options.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  for (rocksdb::ColumnFamilyHandle* handle : handles_) {
    RETURN_IF_ERROR(FromRocks(db_->CompactRange(options, handle, nullptr, nullptr), "compacting"));
  }
  return absl::OkStatus();
}

absl::Status LedgerStore::CopyTo(const std::string& dir) const {
  rocksdb::Checkpoint* raw = nullptr;
  rocksdb::Status s = rocksdb::Checkpoint::Create(db_.get(), &raw);
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  // The WAL is flushed into the copy (log_size_for_flush 0), so it holds every acknowledged
  // write up to the moment it is taken.
  if (s.ok()) s = checkpoint->CreateCheckpoint(dir, /*log_size_for_flush=*/0);
  if (!s.ok()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
    return absl::UnavailableError(absl::StrCat("backup: cannot copy the store to ", dir, ": ",
                                               s.ToString()));
  }
  return absl::OkStatus();
}

absl::Status LedgerStore::RawPutForTesting(int cf, absl::string_view key, absl::string_view value) {
  if (cf == kTree) NoteTreeNode(key, value);
  return FromRocks(
      db_->Put(rocksdb::WriteOptions(), handles_[cf], rocksdb::Slice(key.data(), key.size()),
               rocksdb::Slice(value.data(), value.size())),
      "raw put");
}

absl::Status LedgerStore::RawDeleteForTesting(int cf, absl::string_view key) {
  return FromRocks(db_->Delete(rocksdb::WriteOptions(), handles_[cf],
                               rocksdb::Slice(key.data(), key.size())),
                   "raw delete");
}

}  // namespace booo::ledger

namespace booo::ledger {

LedgerStore::Stats LedgerStore::GetStats() const {
  Stats stats;
  stats.block_cache_usage_bytes = block_cache_->GetUsage();
  stats.block_cache_capacity_bytes = block_cache_->GetCapacity();
  uint64_t value = 0;
  if (db_->GetAggregatedIntProperty(rocksdb::DB::Properties::kEstimatePendingCompactionBytes,
                                    &value)) {
    stats.pending_compaction_bytes = value;
  }
  if (db_->GetAggregatedIntProperty(rocksdb::DB::Properties::kLiveSstFilesSize, &value)) {
    stats.live_sst_bytes = value;
  }
  stats.stall_micros = statistics_->getTickerCount(rocksdb::STALL_MICROS);
  rocksdb::HistogramData wal_sync;
  statistics_->histogramData(rocksdb::WAL_FILE_SYNC_MICROS, &wal_sync);
  stats.wal_syncs = wal_sync.count;
  stats.wal_sync_micros_sum = static_cast<double>(wal_sync.sum);
  stats.wal_sync_micros_p50 = wal_sync.median;
  stats.wal_sync_micros_p99 = wal_sync.percentile99;
  struct statvfs volume {};
  if (::statvfs(path_.c_str(), &volume) == 0) {
    stats.volume_free_bytes = static_cast<uint64_t>(volume.f_bavail) * volume.f_frsize;
    stats.volume_total_bytes = static_cast<uint64_t>(volume.f_blocks) * volume.f_frsize;
  }
  return stats;
}

}  // namespace booo::ledger
