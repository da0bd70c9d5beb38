#include "ledger/storage/backup_stream.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"

namespace booo::ledger {
namespace {

namespace fs = std::filesystem;

absl::Status Unavailable(absl::string_view what, const std::error_code& error) {
  return absl::UnavailableError(absl::StrCat("backup: ", what, ": ", error.message()));
}

}  // namespace

absl::StatusOr<std::unique_ptr<BackupSnapshot>> BackupSnapshot::Take(const Ledger& ledger,
                                                                     std::string dir) {
  absl::StatusOr<TreeHead> head = ledger.CopyStoreTo(dir);
  if (!head.ok()) {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
    return head.status();
  }
  std::unique_ptr<BackupSnapshot> snapshot(new BackupSnapshot(std::move(dir), *head));
  if (absl::Status listed = snapshot->ListFiles(); !listed.ok()) return listed;
  return snapshot;
}

BackupSnapshot::~BackupSnapshot() {
  std::error_code ignored;
  fs::remove_all(dir_, ignored);
}

absl::Status BackupSnapshot::ListFiles() {
  std::error_code error;
  fs::directory_iterator it(dir_, error);
  if (error) return Unavailable(absl::StrCat("cannot list ", dir_), error);
  for (; it != fs::directory_iterator(); it.increment(error)) {
    if (error) return Unavailable(absl::StrCat("cannot list ", dir_), error);
    if (files_.size() == kMaxBackupFiles) {
      return absl::ResourceExhaustedError(
          absl::StrCat("backup: the copy holds more than ", kMaxBackupFiles, " files"));
    }
    const bool regular = it->is_regular_file(error);
    if (error) return Unavailable(absl::StrCat("cannot stat ", it->path().string()), error);
    if (!regular) continue;
    const uint64_t size = it->file_size(error);
    if (error) return Unavailable(absl::StrCat("cannot stat ", it->path().string()), error);
    files_.push_back({it->path().filename().string(), size});
  }
  if (error) return Unavailable(absl::StrCat("cannot list ", dir_), error);
  std::sort(files_.begin(), files_.end(),
            [](const File& a, const File& b) { return a.name < b.name; });
  return absl::OkStatus();
}

absl::Status BackupSnapshot::Stream(absl::FunctionRef<absl::Status(const BackupPart&)> send,
                                    uint64_t& bytes_sent) const {
  bytes_sent = 0;
  std::string buffer(kBackupPartBytes, '\0');
  for (const File& file : files_) {
    if (absl::Status s = StreamFile(file, send, buffer, bytes_sent); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status BackupSnapshot::StreamFile(const File& file,
                                        absl::FunctionRef<absl::Status(const BackupPart&)> send,
                                        std::string& buffer, uint64_t& bytes_sent) const {
  std::ifstream in(fs::path(dir_) / file.name, std::ios::binary);
  if (!in.is_open()) {
    return absl::UnavailableError(absl::StrCat("backup: cannot open ", file.name));
  }
  // One part per kBackupPartBytes of the listed size, and one (empty) for an empty file.
  const uint64_t parts = std::max<uint64_t>(1, (file.size + kBackupPartBytes - 1) /
                                                   kBackupPartBytes);
  uint64_t offset = 0;
  for (uint64_t part = 0; part < parts; ++part) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(kBackupPartBytes,
                                                               file.size - offset));
    in.read(buffer.data(), static_cast<std::streamsize>(want));
    if (static_cast<size_t>(in.gcount()) != want || in.bad()) {
      return absl::UnavailableError(absl::StrCat("backup: cannot read ", file.name, " at ",
                                                 offset, " (it ended or failed early)"));
    }
    const bool last = part + 1 == parts;
    if (last && in.peek() != std::char_traits<char>::eof()) {
      return absl::UnavailableError(
          absl::StrCat("backup: ", file.name, " grew while it was sent; a checkpoint's files "
                                              "never change"));
    }
    if (absl::Status s = send({file.name, offset, absl::string_view(buffer.data(), want), last});
        !s.ok()) {
      return s;
    }
    offset += want;
    bytes_sent += want;
  }
  return absl::OkStatus();
}

}  // namespace booo::ledger
