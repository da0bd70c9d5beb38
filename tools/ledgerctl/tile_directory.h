// A static copy of the log in the C2SP tlog-tiles layout, as files under a directory
// (`<dir>/checkpoint`, `<dir>/tile/...`): what `ledgerctl export-tiles` writes and reads back,
// so that any web server or object store can publish the log without ledgerd.
#ifndef BOOO_TOOLS_LEDGERCTL_TILE_DIRECTORY_H_
#define BOOO_TOOLS_LEDGERCTL_TILE_DIRECTORY_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "ledger/core/merkle.h"
#include "ledger/core/tiles.h"

namespace booo::ledgerctl {

// The complete-subtree hashes of the tree of `tree_size` entries, read from the hash tiles a
// directory holds for that size (full tiles, and the partial tiles of that size). A node at a
// level between two tile levels is hashed from the run of tile hashes below it. NOT_FOUND, or
// DATA_LOSS for a tile file of the wrong length, naming the file.
class TileDirectory : public ledger::SubtreeHashSource {
 public:
  TileDirectory(std::string dir, uint64_t tree_size) : dir_(std::move(dir)), size_(tree_size) {}
  absl::StatusOr<ledger::Hash> CompleteSubtree(int level, uint64_t index) const override;

 private:
  absl::StatusOr<const std::string*> ReadTile(const ledger::TileId& tile) const;
  const std::string dir_;
  const uint64_t size_;
  mutable std::map<std::string, std::string> read_;  // path -> content
};

// Writes `content` to `<dir>/<path>` through a temporary file and a rename, so a reader (or a
// sync to an object store) never sees half a file; creates the directories. `durable`: the file
// and its directory are fsynced too, so the new content survives a crash.
absl::Status WriteFileAtomically(const std::string& dir, const std::string& path,
                                 const std::string& content, bool durable = false);

}  // namespace booo::ledgerctl

#endif  // BOOO_TOOLS_LEDGERCTL_TILE_DIRECTORY_H_
