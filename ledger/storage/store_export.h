// Exports from a store: the leaves a LedgerStore holds, as an export file (the format
// ledger/core/export_file.h reads) or as a LeafSource for the offline verifier.
#ifndef BOOO_LEDGER_STORAGE_STORE_EXPORT_H_
#define BOOO_LEDGER_STORAGE_STORE_EXPORT_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "ledger/core/export_file.h"
#include "ledger/core/verifier.h"
#include "ledger/storage/store.h"

namespace booo::ledger {

// Writes the first `size` leaves of `store` to `path`; returns how many were written.
absl::StatusOr<uint64_t> WriteExportFile(const LedgerStore& store, uint64_t size,
                                         const std::string& path);

// The leaves of a store, 0 .. size-1.
class StoreLeafSource final : public LeafSource {
 public:
  StoreLeafSource(const LedgerStore& store, uint64_t size) : store_(store), size_(size) {}
  absl::StatusOr<std::optional<std::string>> Next() override;

 private:
  const LedgerStore& store_;
  uint64_t size_;
  uint64_t next_ = 0;
};

}  // namespace booo::ledger

#endif  // BOOO_LEDGER_STORAGE_STORE_EXPORT_H_
