// ProjectionStore: the projection kept across restarts, in a RocksDB of its own (by default
// <data-dir>/projection). It keeps what the projection needs to answer without reading the
// whole log again: the index of every event (ProjectionIndex: where each municipality's facts
// are, their business days, the rules' and budget lines' positions), and answers computed at
// the head (KeptAnswers: each municipality-year's balance row and the top levels of its grant,
// each municipality's years). The format is PROJECTION_FORMAT.md beside this file.
//
// The log stays the truth. The kept index cites the log: the tree root at the size it covers,
// and the leaf hash of each segment's last event. LoadIndex checks those, and every record's
// own checksum, and discards everything kept at the first mismatch (the projection is then
// rebuilt from the log). The index is written segments first, the manifest that makes them
// count last: a crash between the two leaves the previous manifest and what it covers, and
// the segments only ever grow, so every manifest's prefix stays valid.
//
// Thread safety: every method may be called from any thread; AppendIndex and LoadIndex are
// serialised with each other.
#ifndef BOOO_REPLAY_PROJECTION_PROJECTION_STORE_H_
#define BOOO_REPLAY_PROJECTION_PROJECTION_STORE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "replay/projection/event_log.h"
#include "replay/projection/kept_answers.h"
#include "replay/projection/projection_state.h"
#include "rocksdb/db.h"

namespace booo::replay {

struct ProjectionStoreOptions {
  // For tests: the index's writes fail after this many (a crash in the middle of an update:
  // what was written stays, nothing after it is). Negative: never.
  int fail_index_after_writes = -1;
  // Whether LoadIndex discards what does not fit the log (a server, which then rebuilds), or
  // only says so (a check that must change nothing).
  bool discard_on_mismatch = true;
};

class ProjectionStore : public KeptAnswers {
 public:
  // Events per index segment: a segment is rewritten while it fills, then never again.
  static constexpr uint64_t kSegmentEvents = 65536;

  // Opens (creating) the store in `dir`. FAILED_PRECONDITION naming the directory when RocksDB
  // cannot open it (another process holds it, or it is not a store).
  static absl::StatusOr<std::unique_ptr<ProjectionStore>> Open(const std::string& dir,
                                                               ProjectionStoreOptions options = {});
  // Deletes the store in `dir` (one that cannot be opened is derived data, made anew).
  // FAILED_PRECONDITION when another process holds it.
  static absl::Status Destroy(const std::string& dir);
  ~ProjectionStore() override;
  ProjectionStore(const ProjectionStore&) = delete;
  ProjectionStore& operator=(const ProjectionStore&) = delete;

  struct Loaded {
    ProjectionIndex index;  // from sequence 0; empty when nothing usable was kept
    bool found = false;     // whether anything was kept at all (a manifest)
    size_t answers_dropped = 0;  // computed past the index before a crash: discarded
    // Why what was kept was discarded (empty when it was used, or nothing was kept).
    std::string discarded;
  };
  // Reads the kept index and checks it against `log`: format, checksums, a size the log
  // holds, the log's root at that size, the leaf hashes the segments cite. On a mismatch
  // everything kept (answers too) is discarded (unless the options say otherwise) and
  // `discarded` says why. Otherwise answers computed past the index's tree size (before a
  // crash) are discarded: nothing proves the log they came from is this one. An error only when
  // the store or the log cannot be read.
  absl::StatusOr<Loaded> LoadIndex(const EventLog& log) ABSL_LOCKS_EXCLUDED(mutex_);
  // Keeps the index of further events: `index.first_sequence` must be tree_size()
  // (FAILED_PRECONDITION otherwise) and `index.codes` every code numbered so far.
  absl::Status AppendIndex(const ProjectionIndex& index, const EventLog& log)
      ABSL_LOCKS_EXCLUDED(mutex_);
  // The events the kept index covers.
  uint64_t tree_size() const ABSL_LOCKS_EXCLUDED(mutex_);
  // Discards everything kept.
  absl::Status Clear() ABSL_LOCKS_EXCLUDED(mutex_);

  std::optional<KeptAnswer> Get(absl::string_view code, int32_t year) const override;
  // The calculation version of the answer record for (code, year) when its seal holds; nullopt
  // for a damaged record (or none).
  std::optional<uint32_t> AnswerVersion(absl::string_view code, int32_t year) const;
  void Put(absl::string_view code, int32_t year, const KeptAnswer& answer) override;
  // Every kept answer's key ("code/year"), for comparing two stores.
  std::vector<std::pair<std::string, int32_t>> AnswerKeys() const;
  uint64_t put_failures() const { return put_failures_.load(std::memory_order_relaxed); }
  // The store's size on disk (its live table files and logs), in bytes.
  uint64_t DiskBytes() const;

 private:
  ProjectionStore(std::string dir, ProjectionStoreOptions options)
      : dir_(std::move(dir)), options_(options) {}
  absl::Status ClearLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  absl::Status WriteIndexRecord(const std::string& key, const std::string& value)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // The checked, decoded kept index; `discarded` set (and nothing returned) on a mismatch.
  absl::StatusOr<std::optional<ProjectionIndex>> ReadIndexLocked(const EventLog& log,
                                                                 std::string& discarded)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  const std::string dir_;
  const ProjectionStoreOptions options_;
  std::unique_ptr<rocksdb::DB> db_;
  mutable absl::Mutex mutex_;
  uint64_t tree_size_ ABSL_GUARDED_BY(mutex_) = 0;
  // Deletes the answers computed past `tree_size`; how many.
  absl::StatusOr<size_t> DropAnswersPast(uint64_t tree_size) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // The entries of the last, partial segment (rewritten whole as it grows).
  std::vector<IndexEntry> tail_ ABSL_GUARDED_BY(mutex_);
  int index_writes_ ABSL_GUARDED_BY(mutex_) = 0;
  std::atomic<uint64_t> put_failures_{0};
};

}  // namespace booo::replay

#endif  // BOOO_REPLAY_PROJECTION_PROJECTION_STORE_H_
