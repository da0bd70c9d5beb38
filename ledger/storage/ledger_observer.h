// What the ledger tells an observer about its appends, for the operator's metrics
// (services/metrics.h): each group commit and each signature check, timed. The ledger calls
// these on its writer thread (groups) and on the callers' threads (signatures), so they must
// be quick and thread-safe; an observer never changes what is written.
#ifndef BOOO_LEDGER_STORAGE_LEDGER_OBSERVER_H_
#define BOOO_LEDGER_STORAGE_LEDGER_OBSERVER_H_

#include <cstddef>

namespace booo::ledger {

struct GroupCommitStats {
  size_t events = 0;            // admitted and written in this group (0: nothing was written)
  size_t leaf_bytes = 0;        // of those events' leaves
  bool replicated = false;      // a mirror's copy of the primary's events
  bool written = false;         // false: the durable write failed (nothing of it is stored)
  double commit_seconds = 0;    // the whole commit: admission, the durable write, publishing
  double write_seconds = 0;     // the durable write alone: the batch, the WAL and its fsync
};

class LedgerObserver {
 public:
  virtual ~LedgerObserver() = default;
  virtual void OnGroupCommitted(const GroupCommitStats& stats) = 0;
  virtual void OnSignatureChecked(double seconds) = 0;
};

}  // namespace booo::ledger

#endif  // BOOO_LEDGER_STORAGE_LEDGER_OBSERVER_H_
