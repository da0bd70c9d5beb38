#include "tools/ledgerctl/tile_directory.h"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "ledger/core/status_macros.h"

namespace booo::ledgerctl {

absl::StatusOr<const std::string*> TileDirectory::ReadTile(const ledger::TileId& tile) const {
  const std::string path = ledger::TilePath(tile);
  auto cached = read_.find(path);
  if (cached != read_.end()) return &cached->second;
  const std::filesystem::path file = std::filesystem::path(dir_) / path;
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat(file.string(), ": missing; the directory does not "
                                            "hold the tree of ", size_, " entries"));
  }
  std::stringstream content;
  content << in.rdbuf();
  if (content.str().size() != static_cast<size_t>(tile.width) * 32) {
    return absl::DataLossError(absl::StrCat(file.string(), ": ", content.str().size(),
                                            " bytes, not ", tile.width, " hashes"));
  }
  return &read_.emplace(path, content.str()).first->second;
}

absl::StatusOr<ledger::Hash> TileDirectory::CompleteSubtree(int level, uint64_t index) const {
  if (level < 0 || level > 63) return absl::InvalidArgumentError("level: must be 0..63");
  const int tile_level = level / ledger::kTileHeight;
  const int k = level % ledger::kTileHeight;  // levels above the tile's hashes
  const uint64_t first = index << k;          // the run's first hash at the tile level
  const uint64_t complete = size_ >> (ledger::kTileHeight * tile_level);
  if (((index + 1) << k) > complete) {
    return absl::NotFoundError(absl::StrCat("node ", index, " at level ", level,
                                            " is not complete in the tree of ", size_));
  }
  ledger::TileId tile{false, tile_level, first / ledger::kTileWidth, ledger::kTileWidth};
  if (tile.index == complete / ledger::kTileWidth) {
    tile.width = static_cast<uint32_t>(complete % ledger::kTileWidth);
  }
  ASSIGN_OR_RETURN(const std::string* hashes, ReadTile(tile));
  return ledger::PerfectSubtreeHash(*hashes, first % ledger::kTileWidth, size_t{1} << k);
}

absl::Status WriteFileAtomically(const std::string& dir, const std::string& path,
                                 const std::string& content, bool durable) {
  const std::filesystem::path file = std::filesystem::path(dir) / path;
  std::error_code error;
  std::filesystem::create_directories(file.parent_path(), error);
  if (error) {
    return absl::UnavailableError(
        absl::StrCat(file.parent_path().string(), ": cannot create: ", error.message()));
  }
  const std::filesystem::path temporary =
      file.parent_path() / absl::StrCat(".", file.filename().string(), ".tmp-", ::getpid());
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return absl::UnavailableError(absl::StrCat(temporary.string(), ": cannot open"));
  bool written = ::write(fd, content.data(), content.size()) ==
                 static_cast<ssize_t>(content.size());
  if (durable) written = ::fsync(fd) == 0 && written;
  written = ::close(fd) == 0 && written;
  if (!written) return absl::UnavailableError(absl::StrCat(temporary.string(), ": cannot write"));
  std::filesystem::rename(temporary, file, error);
  if (error) {
    return absl::UnavailableError(absl::StrCat(file.string(), ": cannot rename into place: ",
                                               error.message()));
  }
  if (durable) {
    const int parent = ::open(file.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    const bool synced = parent >= 0 && ::fsync(parent) == 0;
    if (parent >= 0) ::close(parent);
    if (!synced) {
      return absl::UnavailableError(absl::StrCat(file.parent_path().string(), ": cannot fsync"));
    }
  }
  return absl::OkStatus();
}

}  // namespace booo::ledgerctl
