// The log as C2SP tlog-tiles (https://c2sp.org/tlog-tiles): tile paths, which tiles a tree of a
// given size holds, a tile's hashes from the complete-subtree hashes the store keeps, and entry
// bundles. Pure: no I/O, no HTTP (the HTTP listener and `ledgerctl export-tiles` are built on
// this).
//
// A tile at level L, index N holds up to 256 hashes of complete subtrees of height 8L:
// hash i is MTH(D[(N*256 + i) * 256^L : (N*256 + i + 1) * 256^L]), i.e. the store's subtree at
// level 8L and index N*256 + i. A full tile has 256 hashes (8,192 bytes); a partial tile has
// 1..255 and is addressed with ".p/<W>". Entry bundles ("tile/entries/N") hold the leaves of
// the level-0 tile N, each prefixed with its length as a big-endian uint16.
#ifndef BOOO_LEDGER_CORE_TILES_H_
#define BOOO_LEDGER_CORE_TILES_H_

#include <cstdint>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/core/merkle.h"

namespace booo::ledger {

inline constexpr int kTileHeight = 8;
inline constexpr uint32_t kTileWidth = 256;  // hashes in a full tile
inline constexpr int kMaxTileLevel = 63;
// The largest entry an entry bundle can carry (its length is a uint16).
inline constexpr size_t kMaxBundledEntryBytes = 65535;

struct TileId {
  bool entries = false;  // an entry bundle ("tile/entries/...") rather than a hash tile
  int level = 0;         // 0..63; always 0 for entry bundles
  uint64_t index = 0;    // N
  uint32_t width = kTileWidth;  // 1..256; 256 is a full tile
  bool full() const { return width == kTileWidth; }
  friend bool operator==(const TileId&, const TileId&) = default;
};

// "tile/0/x001/x234/067", "tile/3/005.p/17", "tile/entries/000.p/1" (no leading slash).
std::string TilePath(const TileId& tile);

// The tile a path names, written exactly as TilePath writes it: one canonical spelling per
// tile, so a cache never holds two copies. The path has no leading slash. INVALID_ARGUMENT,
// naming the part, for anything else: a level outside 0..63 or with leading zeros, an index
// element that is not three digits (all but the last prefixed with "x"), a non-canonical index
// (leading "x000" elements), a width outside 1..255 or with leading zeros, anything after it.
absl::StatusOr<TileId> ParseTilePath(absl::string_view path);

// Whether a tree of `tree_size` leaves holds the tile: all its `width` subtrees are complete.
// (A partial tile stays answerable once the tree has grown past it: its hashes never change.)
bool TileExists(const TileId& tile, uint64_t tree_size);

// The tile's content: `width` hashes of 32 bytes, read from `source`. NOT_FOUND, naming the
// path, when the tree of `tree_size` leaves does not hold it.
absl::StatusOr<std::string> TileHashes(const SubtreeHashSource& source, const TileId& tile,
                                       uint64_t tree_size);

// The Merkle hash of `count` (a power of two) consecutive 32-byte hashes of `hashes` from
// `first` on: the complete subtree they are the leaves of. Tile hashes are hashed this way into
// the nodes between tile levels.
Hash PerfectSubtreeHash(absl::string_view hashes, size_t first, size_t count);

// Checks a hash tile's content against the root of the tree of `tree_size` leaves, so that a
// damaged stored node is never served: the tile's hashes split into at most nine aligned runs
// of 2^k (one run for a full tile), each run hashes to one complete subtree, and each of those
// is proven into `root` by its path from `source`. `hashes` are `tile.width` hashes of 32 bytes
// (for an entry bundle's tile: the leaf hashes of its entries). DATA_LOSS naming the tile when
// they do not lead to the root; NOT_FOUND as TileHashes.
absl::Status CheckTileHashes(const SubtreeHashSource& source, const TileId& tile,
                             absl::string_view hashes, uint64_t tree_size, const Hash& root);

// The sequence numbers an entry bundle covers: [index * 256, index * 256 + width).
uint64_t FirstEntry(const TileId& bundle);

// An entry bundle of `entries` (the encoded leaves, in order). FAILED_PRECONDITION, naming the
// entry's position, when one is longer than kMaxBundledEntryBytes.
absl::StatusOr<std::string> EncodeEntryBundle(const std::vector<absl::string_view>& entries);
// Appends one entry to a bundle being built; FAILED_PRECONDITION as above (`position` names it).
absl::Status AppendBundleEntry(std::string& bundle, absl::string_view entry, uint64_t position);
// The entries of a bundle, as views into it. INVALID_ARGUMENT when it is truncated.
absl::StatusOr<std::vector<absl::string_view>> DecodeEntryBundle(absl::string_view bundle);

// Every tile (hash tiles and entry bundles) a tree of `tree_size` leaves has whose content is
// new since a tree of `since_size` leaves: the full tiles completed in between and the
// partial tiles of `tree_size`. Level by level, lowest first. For a static copy of the log
// kept up to date incrementally (`ledgerctl export-tiles`).
std::vector<TileId> TilesAddedSince(uint64_t since_size, uint64_t tree_size);

}  // namespace booo::ledger

#endif  // BOOO_LEDGER_CORE_TILES_H_
