#include "ledger/core/tiles.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "ledger/core/status_macros.h"

namespace booo::ledger {
namespace {

absl::Status Invalid(absl::string_view part, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("tile path: ", part, ": ", why));
}

// Complete subtrees of height 8L in a tree of `tree_size` leaves.
uint64_t SubtreesAtLevel(uint64_t tree_size, int level) {
  const int height = kTileHeight * level;
  return height >= 64 ? 0 : tree_size >> height;
}

// A decimal number of 1..max_digits digits with no leading zero (except "0" itself).
bool ParseDecimal(absl::string_view text, uint64_t max, uint64_t& out) {
  if (text.empty() || text.size() > 20 || (text.size() > 1 && text[0] == '0')) return false;
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (value > (max - digit) / 10) return false;
    value = value * 10 + digit;
  }
  out = value;
  return true;
}

bool ThreeDigits(absl::string_view text, uint64_t& out) {
  if (text.size() != 3) return false;
  out = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + static_cast<uint64_t>(c - '0');
  }
  return true;
}

}  // namespace

std::string TilePath(const TileId& tile) {
  std::string path = tile.entries ? "tile/entries/" : absl::StrCat("tile/", tile.level, "/");
  std::vector<uint64_t> groups;  // three digits each, most significant first
  uint64_t n = tile.index;
  do {
    groups.insert(groups.begin(), n % 1000);
    n /= 1000;
  } while (n > 0);
  for (size_t i = 0; i < groups.size(); ++i) {
    absl::StrAppend(&path, i + 1 < groups.size() ? "x" : "", absl::StrFormat("%03d", groups[i]),
                    i + 1 < groups.size() ? "/" : "");
  }
  if (!tile.full()) absl::StrAppend(&path, ".p/", tile.width);
  return path;
}

absl::StatusOr<TileId> ParseTilePath(absl::string_view path) {
  TileId tile;
  if (path.substr(0, 5) != "tile/") return Invalid("prefix", "does not start with \"tile/\"");
  absl::string_view rest = path.substr(5);
  if (rest.substr(0, 8) == "entries/") {
    tile.entries = true;
    rest.remove_prefix(8);
  } else {
    const size_t slash = rest.find('/');
    if (slash == absl::string_view::npos) return Invalid("level", "no index follows it");
    uint64_t level = 0;
    if (!ParseDecimal(rest.substr(0, slash), kMaxTileLevel, level)) {
      return Invalid("level", "must be 0..63 without leading zeros");
    }
    tile.level = static_cast<int>(level);
    rest.remove_prefix(slash + 1);
  }
  // The index: "xDDD/" elements, then a final "DDD", then optionally ".p/W".
  uint64_t index = 0;
  bool first = true;
  for (;;) {
    const bool prefixed = !rest.empty() && rest[0] == 'x';
    const absl::string_view element = rest.substr(prefixed ? 1 : 0, 3);
    uint64_t group = 0;
    if (!ThreeDigits(element, group)) return Invalid("index", "elements are three digits");
    if (first && prefixed && group == 0) {
      return Invalid("index", "a leading \"x000\" element is not canonical");
    }
    if (index > (std::numeric_limits<uint64_t>::max() - group) / 1000) {
      return Invalid("index", "out of range");
    }
    index = index * 1000 + group;
    first = false;
    rest.remove_prefix(prefixed ? 4 : 3);
    if (prefixed) {
      if (rest.empty() || rest[0] != '/') return Invalid("index", "an \"x\" element ends in \"/\"");
      rest.remove_prefix(1);
      continue;
    }
    break;
  }
  tile.index = index;
  if (rest.empty()) return tile;
  if (rest.substr(0, 3) != ".p/") return Invalid("index", "unexpected text after it");
  uint64_t width = 0;
  if (!ParseDecimal(rest.substr(3), kTileWidth - 1, width) || width == 0) {
    return Invalid("width", "must be 1..255 without leading zeros");
  }
  tile.width = static_cast<uint32_t>(width);
  return tile;
}

bool TileExists(const TileId& tile, uint64_t tree_size) {
  if (tile.width == 0 || tile.width > kTileWidth) return false;
  if (tile.entries && tile.level != 0) return false;
  const uint64_t complete = SubtreesAtLevel(tree_size, tile.level);
  if (tile.index > complete / kTileWidth) return false;
  const uint64_t start = tile.index * kTileWidth;
  return complete - start >= tile.width;
}

absl::StatusOr<std::string> TileHashes(const SubtreeHashSource& source, const TileId& tile,
                                       uint64_t tree_size) {
  if (tile.entries || !TileExists(tile, tree_size)) {
    return absl::NotFoundError(
        absl::StrCat(TilePath(tile), ": not in the tree of ", tree_size, " entries"));
  }
  std::string out;
  out.reserve(static_cast<size_t>(tile.width) * 32);
  for (uint32_t i = 0; i < tile.width; ++i) {
    ASSIGN_OR_RETURN(Hash hash, source.CompleteSubtree(kTileHeight * tile.level,
                                                       tile.index * kTileWidth + i));
    out.append(reinterpret_cast<const char*>(hash.data()), hash.size());
  }
  return out;
}

Hash PerfectSubtreeHash(absl::string_view hashes, size_t first, size_t count) {
  std::vector<Hash> level(count);
  for (size_t i = 0; i < count; ++i) {
    std::memcpy(level[i].data(), hashes.data() + (first + i) * 32, 32);
  }
  while (level.size() > 1) {
    for (size_t i = 0; i < level.size() / 2; ++i) {
      level[i] = HashChildren(level[2 * i], level[2 * i + 1]);
    }
    level.resize(level.size() / 2);
  }
  return level.front();
}

absl::Status CheckTileHashes(const SubtreeHashSource& source, const TileId& tile,
                             absl::string_view hashes, uint64_t tree_size, const Hash& root) {
  if (!TileExists(tile, tree_size)) {
    return absl::NotFoundError(
        absl::StrCat(TilePath(tile), ": not in the tree of ", tree_size, " entries"));
  }
  if (hashes.size() != static_cast<size_t>(tile.width) * 32) {
    return absl::InvalidArgumentError(absl::StrCat(TilePath(tile), ": ", hashes.size(),
                                                   " bytes, not ", tile.width, " hashes"));
  }
  const int base_level = kTileHeight * tile.level;
  const uint64_t start = tile.index * kTileWidth;  // aligned to 256: runs stay aligned
  size_t offset = 0;
  for (int k = kTileHeight; k >= 0; --k) {
    const size_t run = size_t{1} << k;
    if ((tile.width & run) == 0) continue;
    const Hash node = PerfectSubtreeHash(hashes, offset, run);
    const uint64_t index = (start + offset) >> k;
    ASSIGN_OR_RETURN(std::vector<Hash> path,
                     SubtreeInclusionProof(source, base_level + k, index, tree_size));
    if (!VerifySubtreeInclusion(node, base_level + k, index, tree_size, path, root).ok()) {
      return absl::DataLossError(absl::StrCat(
          TilePath(tile), ": its hashes ", offset, "..", offset + run - 1,
          " do not lead to the root of the tree of ", tree_size,
          " entries: a stored tree node is damaged (ledgerctl verify names it)"));
    }
    offset += run;
  }
  return absl::OkStatus();
}

uint64_t FirstEntry(const TileId& bundle) { return bundle.index * kTileWidth; }

absl::Status AppendBundleEntry(std::string& bundle, absl::string_view entry, uint64_t position) {
  if (entry.size() > kMaxBundledEntryBytes) {
    return absl::FailedPreconditionError(
        absl::StrCat("entry ", position, " is ", entry.size(),
                     " bytes; an entry bundle carries at most ", kMaxBundledEntryBytes));
  }
  bundle.push_back(static_cast<char>(entry.size() >> 8));
  bundle.push_back(static_cast<char>(entry.size() & 0xff));
  bundle.append(entry.data(), entry.size());
  return absl::OkStatus();
}

absl::StatusOr<std::string> EncodeEntryBundle(const std::vector<absl::string_view>& entries) {
  std::string out;
  for (size_t i = 0; i < entries.size(); ++i) RETURN_IF_ERROR(AppendBundleEntry(out, entries[i], i));
  return out;
}

absl::StatusOr<std::vector<absl::string_view>> DecodeEntryBundle(absl::string_view bundle) {
  std::vector<absl::string_view> out;
  while (!bundle.empty()) {
    if (bundle.size() < 2) return absl::InvalidArgumentError("entry bundle: truncated length");
    const size_t n = (static_cast<uint8_t>(bundle[0]) << 8) | static_cast<uint8_t>(bundle[1]);
    bundle.remove_prefix(2);
    if (bundle.size() < n) return absl::InvalidArgumentError("entry bundle: truncated entry");
    out.push_back(bundle.substr(0, n));
    bundle.remove_prefix(n);
  }
  return out;
}

std::vector<TileId> TilesAddedSince(uint64_t since_size, uint64_t tree_size) {
  std::vector<TileId> out;
  if (tree_size <= since_size) return out;
  for (int level = 0; level <= kMaxTileLevel; ++level) {
    const uint64_t now = SubtreesAtLevel(tree_size, level);
    const uint64_t before = SubtreesAtLevel(since_size, level);
    if (now == 0) break;
    if (now == before) continue;
    auto add = [&](bool entries) {
      for (uint64_t n = before / kTileWidth; n < now / kTileWidth; ++n) {
        out.push_back(TileId{entries, level, n, kTileWidth});
      }
      if (now % kTileWidth != 0) {
        out.push_back(TileId{entries, level, now / kTileWidth,
                             static_cast<uint32_t>(now % kTileWidth)});
      }
    };
    add(false);
    if (level == 0) add(true);
  }
  return out;
}

}  // namespace booo::ledger
