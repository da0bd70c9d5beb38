// Export files: the leaves of a ledger in order (format in ledger/core/LEAF_FORMAT.md), so that an
// auditor can verify a ledger away from its server.
#ifndef BOOO_LEDGER_CORE_EXPORT_FILE_H_
#define BOOO_LEDGER_CORE_EXPORT_FILE_H_

#include <cstdint>
#include <istream>
#include <memory>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ledger/core/verifier.h"

namespace booo::ledger {

inline constexpr char kExportMagic[] = "booo-ledger-export/1\n";

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

// Every leaf of an export held in memory, in order, as views into `bytes` (no copy): the same
// format and the same refusals (DATA_LOSS, naming `name` or the sequence) as ExportFileReader.
absl::Status ForEachExportLeaf(absl::string_view bytes, const std::string& name,
                               absl::FunctionRef<absl::Status(absl::string_view leaf)> fn);

}  // namespace booo::ledger

#endif  // BOOO_LEDGER_CORE_EXPORT_FILE_H_
