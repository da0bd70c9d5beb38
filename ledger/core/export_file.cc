#include "ledger/core/export_file.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "ledger/core/leaf_format.h"
#include "ledger/core/status_macros.h"

namespace booo::ledger {

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

absl::Status ForEachExportLeaf(absl::string_view bytes, const std::string& name,
                               absl::FunctionRef<absl::Status(absl::string_view leaf)> fn) {
  const absl::string_view magic(kExportMagic, sizeof(kExportMagic) - 1);
  if (bytes.substr(0, magic.size()) != magic) {
    return absl::DataLossError(absl::StrCat("export: ", name, " is not a booo-ledger export"));
  }
  size_t at = magic.size();
  for (uint64_t sequence = 0; at < bytes.size(); ++sequence) {
    if (bytes.size() - at < 4) {
      return absl::DataLossError(absl::StrCat("sequence ", sequence, ": truncated length in export"));
    }
    uint32_t n = 0;
    for (size_t i = 0; i < 4; ++i) n = (n << 8) | static_cast<uint8_t>(bytes[at + i]);
    at += 4;
    if (n == 0 || n > kMaxLeafBodyBytes + 1024) {
      return absl::DataLossError(absl::StrCat("sequence ", sequence, ": impossible leaf length ", n));
    }
    if (bytes.size() - at < n) {
      return absl::DataLossError(absl::StrCat("sequence ", sequence, ": truncated leaf in export"));
    }
    RETURN_IF_ERROR(fn(bytes.substr(at, n)));
    at += n;
  }
  return absl::OkStatus();
}

}  // namespace booo::ledger
