// Export files: the leaves of a ledger in order (format in ledger/LEAF_FORMAT.md), so that an
// auditor can verify a ledger away from its server.
#ifndef BOOO_LEDGER_EXPORT_FILE_H_
#define BOOO_LEDGER_EXPORT_FILE_H_

#include <cstdint>
#include <fstream>
#include <istream>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "ledger/store.h"
#include "ledger/verifier.h"

namespace booo::ledger {

inline constexpr char kExportMagic[] = "booo-ledger-export/1\n";

// Writes the first `size` leaves of `store` to `path`; returns how many were written.
absl::StatusOr<uint64_t> WriteExportFile(const LedgerStore& store, uint64_t size,
                                         const std::string& path);

// Reads an export file leaf by leaf. DATA_LOSS for a wrong header or a truncated leaf.
class ExportFileReader final : public LeafSource {
 public:
  // NOT_FOUND when the file cannot be read.
  static absl::StatusOr<std::unique_ptr<ExportFileReader>> Open(const std::string& path);
  // The same over an export already in memory (`name` only names it in messages).
  static absl::StatusOr<std::unique_ptr<ExportFileReader>> FromBytes(std::string bytes,
                                                                     const std::string& name);
  absl::StatusOr<std::optional<std::string>> Next() override;

 private:
  static absl::StatusOr<std::unique_ptr<ExportFileReader>> Start(std::unique_ptr<std::istream> in,
                                                                 const std::string& name);
  std::unique_ptr<std::istream> in_;
  uint64_t read_ = 0;
};

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

#endif  // BOOO_LEDGER_EXPORT_FILE_H_
