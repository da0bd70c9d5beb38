// MemoryBudget: what ledgerd may hold in memory (--memory-budget, 4 GiB by default) and how it
// is shared out. Every cache gets a share it cannot pass: the ledger store's block cache and
// memtables, the parsed streams, the whole traces of the head cache. What is left holds what
// grows with the log and is never evicted (the projection's index, about 24 bytes per event;
// the tree's upper levels; RocksDB's index and filter blocks), the kept projection's and the
// access log's small stores, and the headroom a computation in flight needs (a national-scale
// whole-year trace is hundreds of megabytes while it is built and serialized).
#ifndef BOOO_SERVICES_MEMORY_BUDGET_H_
#define BOOO_SERVICES_MEMORY_BUDGET_H_

#include <cstdint>

#include "absl/status/statusor.h"

namespace booo::services {

inline constexpr uint64_t kDefaultMemoryBudget = uint64_t{4} << 30;
inline constexpr uint64_t kMinimumMemoryBudget = uint64_t{512} << 20;

struct MemoryShares {
  uint64_t budget = 0;
  uint64_t rocksdb_block_cache = 0;    // 6%: 245 MiB of 4 GiB
  uint64_t rocksdb_write_buffers = 0;  // 4%: all memtables together
  uint64_t parsed_streams = 0;         // 20%: ParsedStreamCache
  uint64_t head_traces = 0;            // 20%: HeadGrantCache's whole traces and their bytes
  // The rest: the index, the fixed parts and the headroom (50%).
  uint64_t rest() const {
    return budget - rocksdb_block_cache - rocksdb_write_buffers - parsed_streams - head_traces;
  }
};

// INVALID_ARGUMENT naming memory_budget under kMinimumMemoryBudget (the fixed parts alone and
// one computation need about that much).
absl::StatusOr<MemoryShares> ShareMemory(uint64_t budget);

// The process's resident memory now, in bytes (/proc/self/statm); 0 where it cannot be read.
uint64_t ResidentBytes();

}  // namespace booo::services

#endif  // BOOO_SERVICES_MEMORY_BUDGET_H_
