// A backup of a serving ledger, streamed as file parts: a RocksDB checkpoint of the whole store
// (made beside the data directory, so its table files are hard links) and the tree head it
// holds. The gRPC handler only forwards the parts; everything that touches files lives here.
//
// Bounded: at most kMaxBackupFiles files, each read in parts of kBackupPartBytes up to the size
// it had when listed. A file that cannot be opened or read, or that ends early or grows, ends
// the stream with UNAVAILABLE naming it; nothing is retried and no empty part is sent twice.
// No exceptions: every filesystem call uses its std::error_code form.
#ifndef BOOO_LEDGER_STORAGE_BACKUP_STREAM_H_
#define BOOO_LEDGER_STORAGE_BACKUP_STREAM_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ledger/storage/ledger.h"

namespace booo::ledger {

inline constexpr size_t kBackupPartBytes = size_t{1} << 20;
inline constexpr size_t kMaxBackupFiles = 100'000;

struct BackupPart {
  std::string file_name;  // a plain file name, no directory
  uint64_t offset = 0;
  absl::string_view data;  // valid during the call only
  bool last = false;       // the file's last part
};

class BackupSnapshot {
 public:
  // A checkpoint of `ledger`'s store in `dir`, which must not exist; removed on destruction.
  static absl::StatusOr<std::unique_ptr<BackupSnapshot>> Take(const Ledger& ledger,
                                                              std::string dir);
  ~BackupSnapshot();
  BackupSnapshot(const BackupSnapshot&) = delete;
  BackupSnapshot& operator=(const BackupSnapshot&) = delete;

  // The tree head the copy holds.
  const TreeHead& head() const { return head_; }
  size_t file_count() const { return files_.size(); }

  // Calls `send` for every part of every file, files in name order. Stops at the first error,
  // from `send` or from reading, and returns it. `bytes_sent` counts the data handed over.
  absl::Status Stream(absl::FunctionRef<absl::Status(const BackupPart&)> send,
                      uint64_t& bytes_sent) const;

 private:
  struct File {
    std::string name;
    uint64_t size = 0;
  };
  BackupSnapshot(std::string dir, TreeHead head) : dir_(std::move(dir)), head_(head) {}
  absl::Status ListFiles();
  absl::Status StreamFile(const File& file,
                          absl::FunctionRef<absl::Status(const BackupPart&)> send,
                          std::string& buffer, uint64_t& bytes_sent) const;

  const std::string dir_;
  const TreeHead head_;
  std::vector<File> files_;
};

}  // namespace booo::ledger

#endif  // BOOO_LEDGER_STORAGE_BACKUP_STREAM_H_
