// Cutting a log's unreplicated tail, for a former primary that rejoins its cluster as a mirror.
//
// A primary may hold events its mirrors never received: appended, written to its own disk, but
// never acknowledged (an acknowledgement waits for the sync mirrors) and never covered by a
// checkpoint (checkpoints cover only what the sync mirrors hold). When another node has become
// primary and appended other events at those sequences, the old primary's tail is not part of
// the log, and it can follow the new primary only without it. The cut removes every trace of
// the tail from the store in one atomic write (leaves, tree nodes, event ids, stream entries,
// versions and heads, supersessions, the tree size, root and last recorded-at), after writing
// the cut events to a file kept for inspection.
//
// The caller decides where to cut and vouches that nothing below `keep` was acknowledged or
// checkpointed elsewhere (services/cluster_follower.cc finds the first event the new primary
// does not have, and refuses to cut below the last checkpoint the node handed out or verified).
// Runs on a store no Ledger has open (ledgerd cuts before it opens the ledger).
#ifndef BOOO_LEDGER_STORAGE_LOG_CUT_H_
#define BOOO_LEDGER_STORAGE_LOG_CUT_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace booo::ledger {

// The file of cut events: this magic line, then per event a 4-byte big-endian length and the
// leaf bytes (ledger/core/LEAF_FORMAT.md), in sequence order, as an export file holds them.
inline constexpr char kCutTailMagic[] = "booo-ledger-cut-tail/1\n";

struct CutReport {
  uint64_t old_size = 0;
  uint64_t new_size = 0;
  std::string tail_file;  // empty when nothing was cut
};

// Keeps the first `keep` events of the store in `data_dir` and cuts the rest, written first
// (and synced) to `tail_file`. INVALID_ARGUMENT when `keep` is above the size; DATA_LOSS when a
// stored event of the tail does not decode; the store is unchanged on any error.
absl::StatusOr<CutReport> CutLogTail(const std::string& data_dir, uint64_t keep,
                                     const std::string& tail_file);

}  // namespace booo::ledger

#endif  // BOOO_LEDGER_STORAGE_LOG_CUT_H_
