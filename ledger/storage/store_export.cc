#include "ledger/storage/store_export.h"

#include <fstream>

#include "absl/strings/str_cat.h"
#include "ledger/core/status_macros.h"

namespace booo::ledger {

absl::StatusOr<uint64_t> WriteExportFile(const LedgerStore& store, uint64_t size,
                                         const std::string& path) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return absl::UnavailableError(absl::StrCat("export: cannot write ", path));
  out << kExportMagic;
  for (uint64_t sequence = 0; sequence < size; ++sequence) {
    ASSIGN_OR_RETURN(std::string leaf, store.GetLeaf(sequence));
    char length[4];
    for (int i = 0; i < 4; ++i) length[i] = static_cast<char>((leaf.size() >> (24 - 8 * i)) & 0xff);
    out.write(length, 4);
    out.write(leaf.data(), static_cast<std::streamsize>(leaf.size()));
  }
  out.flush();
  if (!out) return absl::UnavailableError(absl::StrCat("export: writing ", path, " failed"));
  return size;
}

absl::StatusOr<std::optional<std::string>> StoreLeafSource::Next() {
  if (next_ >= size_) return std::optional<std::string>();
  absl::StatusOr<std::string> leaf = store_.GetLeaf(next_);
  if (!leaf.ok()) {
    return absl::DataLossError(absl::StrCat("sequence ", next_, ": ", leaf.status().message()));
  }
  ++next_;
  return std::optional<std::string>(std::move(*leaf));
}

}  // namespace booo::ledger
