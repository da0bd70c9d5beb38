#include "ledger/storage/log_cut.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <map>

#include "absl/strings/str_cat.h"
#include "ledger/core/event_validation.h"
#include "ledger/core/leaf_format.h"
#include "ledger/core/merkle.h"
#include "ledger/core/status_macros.h"
#include "ledger/storage/store.h"

namespace booo::ledger {
namespace {

// Writes and fsyncs the whole file before the store changes: the tail must outlive the cut.
absl::Status WriteSynced(const std::string& path, const std::string& bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return absl::UnavailableError(absl::StrCat("tail_file: cannot create ", path));
  size_t at = 0;
  while (at < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + at, bytes.size() - at);
    if (n <= 0) {
      ::close(fd);
      return absl::UnavailableError(absl::StrCat("tail_file: cannot write ", path));
    }
    at += static_cast<size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced) return absl::UnavailableError(absl::StrCat("tail_file: cannot sync ", path));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<CutReport> CutLogTail(const std::string& data_dir, uint64_t keep,
                                     const std::string& tail_file) {
  ASSIGN_OR_RETURN(std::unique_ptr<LedgerStore> store,
                   LedgerStore::Open(data_dir, {.read_only = false, .create_if_missing = false}));
  ASSIGN_OR_RETURN(const uint64_t size, store->TreeSize());
  CutReport report{size, keep, ""};
  if (keep > size) {
    return absl::InvalidArgumentError(
        absl::StrCat("keep: ", keep, " is above the log's size ", size));
  }
  if (keep == size) return report;

  StoreBatch batch;
  std::string tail(kCutTailMagic);
  // Per stream, the lowest version the tail gave it: the stream's head goes back to it.
  std::map<std::string, uint64_t> stream_back_to;
  int64_t last_recorded_at = 0;
  for (uint64_t sequence = keep; sequence < size; ++sequence) {
    ASSIGN_OR_RETURN(std::string leaf_bytes, store->GetLeaf(sequence));
    ASSIGN_OR_RETURN(Leaf leaf, DecodeLeaf(leaf_bytes));
    absl::StatusOr<booo::v1::EventBody> body = ParseEventBody(leaf.body);
    if (!body.ok() || leaf.sequence != sequence) {
      return absl::DataLossError(absl::StrCat("sequence ", sequence, ": the stored event does "
                                              "not decode; the tail is not cut"));
    }
    const uint32_t n = static_cast<uint32_t>(leaf_bytes.size());
    for (int shift = 24; shift >= 0; shift -= 8) tail.push_back(static_cast<char>(n >> shift));
    tail += leaf_bytes;

    ASSIGN_OR_RETURN(const uint64_t version_after, store->StreamVersionAfter(sequence));
    batch.DeleteLeaf(sequence);
    batch.DeleteStreamVersion(sequence);
    batch.DeleteSuperseded(sequence);  // superseded by a cut event: gone with it
    batch.DeleteEventId(body->event_id());
    batch.DeleteStreamEntry(body->stream(), version_after - 1);
    auto [it, fresh] = stream_back_to.emplace(body->stream(), version_after - 1);
    if (!fresh) it->second = std::min(it->second, version_after - 1);
    if (!body->supersedes_event_id().empty()) {
      ASSIGN_OR_RETURN(std::optional<uint64_t> target,
                       store->FindEventId(body->supersedes_event_id()));
      if (target && *target < keep) batch.DeleteSuperseded(*target);
    }
  }
  for (const auto& [stream, version] : stream_back_to) {
    if (version == 0) {
      batch.DeleteStreamHead(stream);
    } else {
      batch.PutStreamHead(stream, version);
    }
  }
  // Tree nodes: at each level, every stored (complete) node that covers a cut leaf.
  for (int level = 0; level < 64 && (uint64_t{1} << level) <= size; ++level) {
    for (uint64_t index = keep >> level; index < (size >> level); ++index) {
      batch.DeleteNode(level, index);
    }
  }
  if (keep > 0) {
    ASSIGN_OR_RETURN(std::string last_bytes, store->GetLeaf(keep - 1));
    ASSIGN_OR_RETURN(Leaf last, DecodeLeaf(last_bytes));
    last_recorded_at = last.recorded_at_micros;
  }
  ASSIGN_OR_RETURN(CompactRange kept_tree, CompactRange::Load(*store, keep));
  batch.PutTreeSize(keep);
  batch.PutTreeRoot(kept_tree.Root());
  batch.PutLastRecordedAt(last_recorded_at);

  RETURN_IF_ERROR(WriteSynced(tail_file, tail));
  RETURN_IF_ERROR(store->Write(batch, /*sync=*/true));
  report.tail_file = tail_file;
  return report;
}

}  // namespace booo::ledger
