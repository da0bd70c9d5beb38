#include "services/memory_budget.h"

#include <unistd.h>

#include <fstream>

#include "absl/strings/str_cat.h"

namespace booo::services {

absl::StatusOr<MemoryShares> ShareMemory(uint64_t budget) {
  if (budget < kMinimumMemoryBudget) {
    return absl::InvalidArgumentError(absl::StrCat(
        "memory_budget: ", budget, " bytes is below ", kMinimumMemoryBudget,
        " (512 MiB), what the fixed parts and one computation in flight need"));
  }
  MemoryShares shares;
  shares.budget = budget;
  shares.rocksdb_block_cache = budget / 100 * 6;
  shares.rocksdb_write_buffers = budget / 100 * 4;
  shares.parsed_streams = budget / 100 * 20;
  shares.head_traces = budget / 100 * 20;
  return shares;
}

uint64_t ResidentBytes() {
  std::ifstream in("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  if (!(in >> size >> resident)) return 0;
  return resident * static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
}

}  // namespace booo::services
