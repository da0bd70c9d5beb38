#include "replay/kept/projection_store.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/escaping.h"
#include "ledger/core/civil_date.h"
#include "ledger/core/crypto.h"
#include "ledger/core/status_macros.h"
#include "replay/calc/calculation_version.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"
#include "rocksdb/table.h"
#include "rocksdb/cache.h"

namespace booo::replay {
namespace {

constexpr uint32_t kFormat = 1;
constexpr size_t kDigestBytes = 32;
constexpr char kManifestKey[] = "m";
constexpr char kSegmentPrefix[] = "i/";
constexpr char kAnswerPrefix[] = "a/";

// ---- encoding: little-endian fixed integers, LEB128 varints, a SHA-256 trailer ----

void PutFixed(std::string& out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}
void PutVarint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}
uint64_t ZigZag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

void Seal(std::string& out) { out += ledger::Sha256Bytes(out); }

// Reads a sealed record front to back; every read fails (returns false) past its end.
class RecordReader {
 public:
  // False when the record is shorter than its trailer or the trailer does not match.
  bool Open(absl::string_view record) {
    if (record.size() < kDigestBytes) return false;
    data_ = record.substr(0, record.size() - kDigestBytes);
    return ledger::Sha256Bytes(std::string_view(data_.data(), data_.size())) ==
           record.substr(data_.size());
  }
  bool Fixed(int bytes, uint64_t& value) {
    if (data_.size() < static_cast<size_t>(bytes)) return false;
    value = 0;
    for (int i = 0; i < bytes; ++i) value |= uint64_t{static_cast<uint8_t>(data_[i])} << (8 * i);
    data_.remove_prefix(bytes);
    return true;
  }
  bool Varint(uint64_t& value) {
    value = 0;
    for (int shift = 0; shift < 64 && !data_.empty(); shift += 7) {
      const uint8_t byte = static_cast<uint8_t>(data_[0]);
      data_.remove_prefix(1);
      value |= uint64_t{byte & 0x7fu} << shift;
      if ((byte & 0x80) == 0) return true;
    }
    return false;
  }
  bool Bytes(size_t n, absl::string_view& out) {
    if (data_.size() < n) return false;
    out = data_.substr(0, n);
    data_.remove_prefix(n);
    return true;
  }
  bool done() const { return data_.empty(); }

 private:
  absl::string_view data_;
};

std::string SegmentKey(uint64_t segment) {
  std::string key = kSegmentPrefix;
  for (int i = 7; i >= 0; --i) key.push_back(static_cast<char>((segment >> (8 * i)) & 0xff));
  return key;
}

std::string AnswerKey(absl::string_view code, int32_t year) {
  std::string key = absl::StrCat(kAnswerPrefix, code, "/");
  PutFixed(key, static_cast<uint32_t>(year), 4);
  return key;
}

int64_t RecordedDay(int64_t micros) {
  return micros >= 0 ? micros / ledger::kMicrosPerDay
                     : -((-micros + ledger::kMicrosPerDay - 1) / ledger::kMicrosPerDay);
}

// A segment: format, first sequence, count, the cited leaf hash of its last event, then per
// event its stream (+3), its business day against its recording day (kOther: none) and its
// recording time against the previous event's.
std::string EncodeSegment(uint64_t first, absl::Span<const IndexEntry> entries,
                          absl::string_view last_leaf_hash) {
  std::string out;
  PutFixed(out, kFormat, 4);
  PutFixed(out, first, 8);
  PutFixed(out, entries.size(), 4);
  out.append(last_leaf_hash.data(), last_leaf_hash.size());
  int64_t previous = 0;
  for (const IndexEntry& e : entries) {
    PutVarint(out, static_cast<uint64_t>(e.stream + 3));
    if (e.stream != IndexEntry::kOther) {
      PutVarint(out, ZigZag(e.business_day - RecordedDay(e.recorded_at_micros)));
    }
    PutVarint(out, ZigZag(e.recorded_at_micros - previous));
    previous = e.recorded_at_micros;
  }
  Seal(out);
  return out;
}

struct Segment {
  uint64_t first = 0;
  std::string last_leaf_hash;
  std::vector<IndexEntry> entries;
};

std::optional<Segment> DecodeSegment(absl::string_view record) {
  RecordReader in;
  uint64_t format, first, count;
  absl::string_view leaf;
  if (!in.Open(record) || !in.Fixed(4, format) || format != kFormat || !in.Fixed(8, first) ||
      !in.Fixed(4, count) || !in.Bytes(kDigestBytes, leaf) ||
      count > ProjectionStore::kSegmentEvents) {
    return std::nullopt;
  }
  Segment segment{first, std::string(leaf), {}};
  segment.entries.reserve(count);
  int64_t previous = 0;
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t stream, day = 0, delta;
    if (!in.Varint(stream) || stream > uint64_t{INT32_MAX}) return std::nullopt;
    IndexEntry e;
    e.stream = static_cast<int32_t>(stream) - 3;
    if (e.stream != IndexEntry::kOther && !in.Varint(day)) return std::nullopt;
    if (!in.Varint(delta)) return std::nullopt;
    e.recorded_at_micros = previous + UnZigZag(delta);
    previous = e.recorded_at_micros;
    if (e.stream != IndexEntry::kOther) {
      e.business_day = static_cast<int32_t>(RecordedDay(e.recorded_at_micros) + UnZigZag(day));
    }
    segment.entries.push_back(e);
  }
  if (!in.done()) return std::nullopt;
  return segment;
}

// The manifest: format, tree size, segments, the root at the tree size (zeros when the log
// keeps no tree), the cited leaf hash of the last event, the municipality codes by number.
struct Manifest {
  uint64_t tree_size = 0;
  uint64_t segments = 0;
  std::string root;
  std::string last_leaf_hash;
  std::vector<std::string> codes;
};

std::string EncodeManifest(const Manifest& m) {
  std::string out;
  PutFixed(out, kFormat, 4);
  PutFixed(out, m.tree_size, 8);
  PutFixed(out, m.segments, 8);
  out += m.root;
  out += m.last_leaf_hash;
  PutVarint(out, m.codes.size());
  for (const std::string& code : m.codes) {
    PutVarint(out, code.size());
    out += code;
  }
  Seal(out);
  return out;
}

std::optional<Manifest> DecodeManifest(absl::string_view record) {
  RecordReader in;
  uint64_t format, count;
  Manifest m;
  absl::string_view root, leaf;
  if (!in.Open(record) || !in.Fixed(4, format) || format != kFormat ||
      !in.Fixed(8, m.tree_size) || !in.Fixed(8, m.segments) || !in.Bytes(kDigestBytes, root) ||
      !in.Bytes(kDigestBytes, leaf) || !in.Varint(count)) {
    return std::nullopt;
  }
  m.root = std::string(root);
  m.last_leaf_hash = std::string(leaf);
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t size;
    absl::string_view code;
    if (!in.Varint(size) || !in.Bytes(size, code)) return std::nullopt;
    m.codes.emplace_back(code);
  }
  if (!in.done()) return std::nullopt;
  return m;
}

absl::Status FromRocks(const rocksdb::Status& s, absl::string_view what) {
  return absl::UnavailableError(absl::StrCat("projection store: ", what, ": ", s.ToString()));
}

// The leaf hashes of the events at `sequences` (ascending), read back and checked by the log.
absl::StatusOr<std::vector<std::string>> LeafHashes(const EventLog& log,
                                                    const std::vector<uint64_t>& sequences) {
  std::vector<std::string> out(sequences.size());
  RETURN_IF_ERROR(log.ReadBodies(sequences, [&](size_t i, absl::string_view, absl::string_view h) {
    out[i] = std::string(h);
    return absl::OkStatus();
  }));
  return out;
}

// The root at `size` as the manifest keeps it: zeros for a log that keeps no tree.
absl::StatusOr<std::string> RootOf(const EventLog& log, uint64_t size) {
  if (size == 0) return std::string(kDigestBytes, '\0');
  absl::StatusOr<std::string> root = log.TreeRootAt(size);
  if (absl::IsUnimplemented(root.status())) return std::string(kDigestBytes, '\0');
  return root;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ProjectionStore>> ProjectionStore::Open(
    const std::string& dir, ProjectionStoreOptions options) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  rocksdb::Options db_options;
  db_options.create_if_missing = true;
  db_options.keep_log_file_num = 2;
  // Small: the store is read at start and then once per answer it keeps; its memory counts
  // against the process's budget.
  db_options.write_buffer_size = 16 << 20;
  db_options.max_write_buffer_number = 2;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(8 << 20);
  table.block_size = 64 << 10;
  db_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  db_options.compression = rocksdb::kLZ4Compression;
  rocksdb::DB* raw = nullptr;
  const rocksdb::Status opened = rocksdb::DB::Open(db_options, dir, &raw);
  if (!opened.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("projection_dir: cannot open ", dir, ": ", opened.ToString()));
  }
  std::unique_ptr<ProjectionStore> store(new ProjectionStore(dir, options));
  store->db_.reset(raw);
  return store;
}

absl::Status ProjectionStore::Destroy(const std::string& dir) {
  const rocksdb::Status s = rocksdb::DestroyDB(dir, rocksdb::Options());
  if (!s.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("projection_dir: cannot delete ", dir, ": ", s.ToString()));
  }
  return absl::OkStatus();
}

ProjectionStore::~ProjectionStore() {
  if (db_) db_->Close();
}

uint64_t ProjectionStore::tree_size() const {
  absl::MutexLock lock(&mutex_);
  return tree_size_;
}

absl::Status ProjectionStore::Clear() {
  absl::MutexLock lock(&mutex_);
  return ClearLocked();
}

absl::Status ProjectionStore::ClearLocked() {
  // Every key starts with a printable letter.
  const rocksdb::Status s = db_->DeleteRange(rocksdb::WriteOptions(), db_->DefaultColumnFamily(),
                                             std::string(1, '\0'), std::string(1, '\x7f'));
  if (!s.ok()) return FromRocks(s, "cannot discard what it keeps");
  tree_size_ = 0;
  tail_.clear();
  return absl::OkStatus();
}

absl::Status ProjectionStore::WriteIndexRecord(const std::string& key, const std::string& value) {
  if (options_.fail_index_after_writes >= 0 && index_writes_ >= options_.fail_index_after_writes) {
    return absl::AbortedError("projection store: stopped here for a test (a simulated crash)");
  }
  ++index_writes_;
  const rocksdb::Status s = db_->Put(rocksdb::WriteOptions(), key, value);
  return s.ok() ? absl::OkStatus() : FromRocks(s, "cannot write its index");
}

absl::Status ProjectionStore::AppendIndex(const ProjectionIndex& index, const EventLog& log) {
  absl::MutexLock lock(&mutex_);
  if (index.first_sequence != tree_size_) {
    return absl::FailedPreconditionError(absl::StrCat(
        "projection store: keeps ", tree_size_, " events; an index from ", index.first_sequence,
        " does not follow on"));
  }
  if (index.entries.empty()) return absl::OkStatus();
  const uint64_t end = tree_size_ + index.entries.size();
  // The segments touched: the partial one (rewritten with its new events), then new ones.
  std::vector<uint64_t> lasts;
  for (uint64_t first = tree_size_ - tail_.size(); first < end; first += kSegmentEvents) {
    lasts.push_back(std::min(end, first + kSegmentEvents) - 1);
  }
  if (lasts.back() != end - 1) lasts.push_back(end - 1);
  ASSIGN_OR_RETURN(std::vector<std::string> cited, LeafHashes(log, lasts));
  // Read before anything is written: a root the log cannot give stops the update whole.
  ASSIGN_OR_RETURN(std::string root, RootOf(log, end));
  std::vector<IndexEntry> entries = tail_;
  entries.insert(entries.end(), index.entries.begin(), index.entries.end());
  const uint64_t base = tree_size_ - tail_.size();  // the first touched segment's first event
  for (size_t i = 0, offset = 0; offset < entries.size(); ++i, offset += kSegmentEvents) {
    const size_t count = std::min<size_t>(kSegmentEvents, entries.size() - offset);
    const uint64_t first = base + offset;
    RETURN_IF_ERROR(WriteIndexRecord(
        SegmentKey(first / kSegmentEvents),
        EncodeSegment(first, absl::MakeConstSpan(entries).subspan(offset, count), cited[i])));
  }
  Manifest manifest;
  manifest.tree_size = end;
  manifest.segments = (end + kSegmentEvents - 1) / kSegmentEvents;
  manifest.root = std::move(root);
  manifest.last_leaf_hash = cited.back();
  manifest.codes = index.codes;
  RETURN_IF_ERROR(WriteIndexRecord(kManifestKey, EncodeManifest(manifest)));
  tree_size_ = end;
  const size_t in_tail = end % kSegmentEvents;
  tail_.assign(entries.end() - static_cast<std::ptrdiff_t>(in_tail), entries.end());
  return absl::OkStatus();
}

absl::StatusOr<ProjectionStore::Loaded> ProjectionStore::LoadIndex(const EventLog& log) {
  absl::MutexLock lock(&mutex_);
  Loaded loaded;
  std::string manifest;
  loaded.found = db_->Get(rocksdb::ReadOptions(), kManifestKey, &manifest).ok();
  ASSIGN_OR_RETURN(std::optional<ProjectionIndex> index, ReadIndexLocked(log, loaded.discarded));
  if (!index) {
    if (options_.discard_on_mismatch) RETURN_IF_ERROR(ClearLocked());
    return loaded;
  }
  loaded.index = *std::move(index);
  tree_size_ = loaded.index.entries.size();
  if (options_.discard_on_mismatch) {
    ASSIGN_OR_RETURN(loaded.answers_dropped, DropAnswersPast(tree_size_));
  }
  const size_t in_tail = tree_size_ % kSegmentEvents;
  tail_.assign(loaded.index.entries.end() - static_cast<std::ptrdiff_t>(in_tail),
               loaded.index.entries.end());
  return loaded;
}

absl::StatusOr<std::optional<ProjectionIndex>> ProjectionStore::ReadIndexLocked(
    const EventLog& log, std::string& discarded) {
  std::string record;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), kManifestKey, &record);
  if (s.IsNotFound()) {
    // Nothing kept as an index; answers without one cannot be trusted to fit this log.
    return std::optional<ProjectionIndex>();
  }
  if (!s.ok()) return FromRocks(s, "cannot read its manifest");
  auto discard = [&](std::string why) -> std::optional<ProjectionIndex> {
    discarded = std::move(why);
    return std::nullopt;
  };
  std::optional<Manifest> manifest = DecodeManifest(record);
  if (!manifest) return discard("its manifest is damaged or of another format");
  const uint64_t size = manifest->tree_size;
  if (size > log.Size()) {
    return discard(absl::StrCat("it covers ", size, " events and the log holds ", log.Size(),
                                ": the log was cut or replaced"));
  }
  if (manifest->segments != (size + kSegmentEvents - 1) / kSegmentEvents) {
    return discard("its manifest names the wrong number of segments");
  }
  absl::StatusOr<std::string> root = RootOf(log, size);
  if (!root.ok()) {
    // A damaged tree: the log itself refuses its proofs; the projection needs none of it.
    return discard(absl::StrCat("the log's root at tree size ", size,
                                " cannot be read: ", root.status().message()));
  }
  if (*root != manifest->root && manifest->root != std::string(kDigestBytes, '\0')) {
    return discard(absl::StrCat("the log's root at tree size ", size,
                                " is not the one it was made from: the log was replaced"));
  }
  ProjectionIndex index;
  index.codes = manifest->codes;
  index.entries.reserve(size);
  std::vector<uint64_t> cited_sequences;
  std::vector<std::string> cited;
  for (uint64_t n = 0; n < manifest->segments; ++n) {
    s = db_->Get(rocksdb::ReadOptions(), SegmentKey(n), &record);
    if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "cannot read its index");
    std::optional<Segment> segment;
    if (s.ok()) segment = DecodeSegment(record);
    if (!segment || segment->first != n * kSegmentEvents) {
      return discard(absl::StrCat("index segment ", n, " is missing or damaged"));
    }
    const uint64_t want = std::min(kSegmentEvents, size - n * kSegmentEvents);
    if (segment->entries.size() < want) {
      return discard(absl::StrCat("index segment ", n, " holds fewer events than its manifest says"));
    }
    if (segment->entries.size() == want) {  // its cited leaf is inside the covered prefix
      cited_sequences.push_back(segment->first + want - 1);
      cited.push_back(segment->last_leaf_hash);
    }
    index.entries.insert(index.entries.end(), segment->entries.begin(),
                         segment->entries.begin() + static_cast<std::ptrdiff_t>(want));
  }
  if (size > 0 && (cited_sequences.empty() || cited_sequences.back() != size - 1)) {
    cited_sequences.push_back(size - 1);
    cited.push_back(manifest->last_leaf_hash);
  }
  ASSIGN_OR_RETURN(std::vector<std::string> actual, LeafHashes(log, cited_sequences));
  for (size_t i = 0; i < cited.size(); ++i) {
    if (actual[i] != cited[i]) {
      return discard(absl::StrCat("the leaf hash it cites for sequence ", cited_sequences[i],
                                  " is not the log's"));
    }
  }
  return std::optional<ProjectionIndex>(std::move(index));
}

namespace {

// An answer record decoded, whatever its calculation version; nullopt when damaged.
std::optional<std::pair<uint32_t, KeptAnswer>> DecodeAnswer(absl::string_view record) {
  RecordReader in;
  uint64_t format, version, length;
  KeptAnswer answer;
  absl::string_view bytes;
  if (!in.Open(record) || !in.Fixed(4, format) || format != kFormat || !in.Fixed(4, version) ||
      !in.Fixed(8, answer.rules_version) || !in.Fixed(8, answer.stream_version) ||
      !in.Fixed(8, answer.tree_size) || !in.Varint(length) || !in.Bytes(length, bytes) ||
      !in.done()) {
    return std::nullopt;
  }
  answer.bytes = std::string(bytes);
  return std::pair{static_cast<uint32_t>(version), std::move(answer)};
}

}  // namespace

std::optional<KeptAnswer> ProjectionStore::Get(absl::string_view code, int32_t year) const {
  std::string record;
  if (!db_->Get(rocksdb::ReadOptions(), AnswerKey(code, year), &record).ok()) return std::nullopt;
  auto decoded = DecodeAnswer(record);
  if (!decoded || decoded->first != kCalculationVersion) return std::nullopt;
  return std::move(decoded->second);
}

std::optional<uint32_t> ProjectionStore::AnswerVersion(absl::string_view code, int32_t year) const {
  std::string record;
  if (!db_->Get(rocksdb::ReadOptions(), AnswerKey(code, year), &record).ok()) return std::nullopt;
  auto decoded = DecodeAnswer(record);
  if (!decoded) return std::nullopt;
  return decoded->first;
}

absl::StatusOr<size_t> ProjectionStore::DropAnswersPast(uint64_t tree_size) {
  std::vector<std::string> past;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(kAnswerPrefix); it->Valid() && it->key().starts_with(kAnswerPrefix); it->Next()) {
    auto decoded = DecodeAnswer(absl::string_view(it->value().data(), it->value().size()));
    // A damaged record goes too: it could not be used anyway.
    if (!decoded || decoded->second.tree_size > tree_size) past.push_back(it->key().ToString());
  }
  if (!it->status().ok()) return FromRocks(it->status(), "cannot read its answers");
  for (const std::string& key : past) {
    const rocksdb::Status s = db_->Delete(rocksdb::WriteOptions(), key);
    if (!s.ok()) return FromRocks(s, "cannot discard an answer");
  }
  return past.size();
}

void ProjectionStore::Put(absl::string_view code, int32_t year, const KeptAnswer& answer) {
  std::string out;
  PutFixed(out, kFormat, 4);
  PutFixed(out, kCalculationVersion, 4);
  PutFixed(out, answer.rules_version, 8);
  PutFixed(out, answer.stream_version, 8);
  PutFixed(out, answer.tree_size, 8);
  PutVarint(out, answer.bytes.size());
  out += answer.bytes;
  Seal(out);
  if (!db_->Put(rocksdb::WriteOptions(), AnswerKey(code, year), out).ok()) {
    put_failures_.fetch_add(1, std::memory_order_relaxed);
  }
}

std::vector<std::pair<std::string, int32_t>> ProjectionStore::AnswerKeys() const {
  std::vector<std::pair<std::string, int32_t>> keys;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(kAnswerPrefix); it->Valid() && it->key().starts_with(kAnswerPrefix); it->Next()) {
    const absl::string_view key(it->key().data(), it->key().size());
    if (key.size() < 7) continue;
    const absl::string_view code = key.substr(2, key.size() - 7);
    uint32_t year = 0;
    for (int i = 0; i < 4; ++i) year |= uint32_t{static_cast<uint8_t>(key[key.size() - 4 + i])} << (8 * i);
    keys.emplace_back(std::string(code), static_cast<int32_t>(year));
  }
  return keys;
}

uint64_t ProjectionStore::DiskBytes() const {
  uint64_t bytes = 0;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, error)) {
    if (entry.is_regular_file(error)) bytes += entry.file_size(error);
  }
  return bytes;
}

}  // namespace booo::replay
