// Writes a national history (national_history.h) into a new ledger data directory, in-process:
// genesis, the ministry and municipality keys (derived from the seed), the rule books and the
// budget, then every event, signed by its municipality's or the ministry's key and admitted by
// the ledger exactly as a server would (validation, signatures, roles, the rule guard).
// Signing runs on `signing_threads` threads. One day's events (which never refer to each other)
// are appended concurrently so the ledger commits them in groups, days in order: the same seed
// gives the same events, though their order within a day, and so the root, may differ.
#ifndef BOOO_TOOLS_LOADGEN_NATIONAL_LEDGER_H_
#define BOOO_TOOLS_LOADGEN_NATIONAL_LEDGER_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "ledger/core/clock.h"
#include "tools/loadgen/national_history.h"

namespace booo::loadgen {

struct LedgerWriteOptions {
  std::string data_dir;      // must not hold a ledger yet
  std::string rulebook_dir;  // replay/rulebook
  int signing_threads = 2;
  bool sync_writes = false;  // a bulk load: the final flush makes it durable
  // Rewrite the storage files at the end (table files, no write-ahead log left to replay), as
  // a server's background compaction would: the golden ledger is stored this way.
  bool compact = false;
};

struct LedgerWriteReport {
  uint64_t events = 0;
  std::string root_hex;
  double seconds = 0;
};

// The key of party `name` ("ministry", "checkpoint", or a municipality code) for `seed`.
absl::StatusOr<std::string> PartySeed(uint64_t seed, const std::string& name);

absl::StatusOr<LedgerWriteReport> WriteNationalLedger(const HistoryOptions& history,
                                                      const LedgerWriteOptions& options,
                                                      ledger::Clock* clock);

}  // namespace booo::loadgen

#endif  // BOOO_TOOLS_LOADGEN_NATIONAL_LEDGER_H_
