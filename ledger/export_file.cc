#include "ledger/export_file.h"

#include <sstream>

#include "absl/strings/str_cat.h"
#include "ledger/leaf_format.h"
#include "ledger/status_macros.h"

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

absl::StatusOr<std::unique_ptr<ExportFileReader>> ExportFileReader::Open(const std::string& path) {
  auto in = std::make_unique<std::ifstream>(path, std::ios::binary);
  if (!*in) return absl::NotFoundError(absl::StrCat("export: cannot read ", path));
  return Start(std::move(in), path);
}

absl::StatusOr<std::unique_ptr<ExportFileReader>> ExportFileReader::FromBytes(
    std::string bytes, const std::string& name) {
  return Start(std::make_unique<std::istringstream>(std::move(bytes), std::ios::binary), name);
}

absl::StatusOr<std::unique_ptr<ExportFileReader>> ExportFileReader::Start(
    std::unique_ptr<std::istream> in, const std::string& name) {
  auto reader = std::unique_ptr<ExportFileReader>(new ExportFileReader());
  reader->in_ = std::move(in);
  std::string magic(sizeof(kExportMagic) - 1, '\0');
  reader->in_->read(magic.data(), static_cast<std::streamsize>(magic.size()));
  if (!*reader->in_ || magic != kExportMagic) {
    return absl::DataLossError(absl::StrCat("export: ", name, " is not a booo-ledger export"));
  }
  return reader;
}

absl::StatusOr<std::optional<std::string>> ExportFileReader::Next() {
  char length[4];
  in_->read(length, 4);
  if (in_->gcount() == 0 && in_->eof()) return std::optional<std::string>();
  if (in_->gcount() != 4) {
    return absl::DataLossError(absl::StrCat("sequence ", read_, ": truncated length in export"));
  }
  uint32_t n = 0;
  for (char c : length) n = (n << 8) | static_cast<uint8_t>(c);
  if (n == 0 || n > kMaxLeafBodyBytes + 1024) {
    return absl::DataLossError(absl::StrCat("sequence ", read_, ": impossible leaf length ", n));
  }
  std::string leaf(n, '\0');
  in_->read(leaf.data(), n);
  if (static_cast<uint32_t>(in_->gcount()) != n) {
    return absl::DataLossError(absl::StrCat("sequence ", read_, ": truncated leaf in export"));
  }
  ++read_;
  return std::optional<std::string>(std::move(leaf));
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
