// Tile paths, which tiles a tree holds, tile contents against the Merkle tree, entry bundles.
#include "ledger/core/tiles.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace booo::ledger {
namespace {

using ::testing::HasSubstr;

TEST(TilePathTest, EncodesTheIndexInThreeDigitElements) {
  // The spec's example: index 1234067 is x001/x234/067.
  EXPECT_EQ(TilePath({false, 0, 1234067, 256}), "tile/0/x001/x234/067");
  EXPECT_EQ(TilePath({false, 3, 0, 256}), "tile/3/000");
  EXPECT_EQ(TilePath({false, 1, 1000, 17}), "tile/1/x001/000.p/17");
  EXPECT_EQ(TilePath({true, 0, 67, 1}), "tile/entries/067.p/1");
  EXPECT_EQ(TilePath({false, 63, UINT64_MAX, 255}),
            "tile/63/x018/x446/x744/x073/x709/x551/615.p/255");
}

TEST(TilePathTest, ParsesExactlyWhatItWrites) {
  for (const TileId& tile : std::vector<TileId>{{false, 0, 0, 256},
                                                {false, 0, 1234067, 256},
                                                {false, 2, 999, 1},
                                                {false, 63, UINT64_MAX, 255},
                                                {true, 0, 1000, 256},
                                                {true, 0, 5, 112}}) {
    auto parsed = ParseTilePath(TilePath(tile));
    ASSERT_TRUE(parsed.ok()) << TilePath(tile) << ": " << parsed.status();
    EXPECT_EQ(*parsed, tile) << TilePath(tile);
  }
}

TEST(TilePathTest, RefusesEveryOtherSpelling) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"tiles/0/000", "prefix"},
      {"tile/0", "level: no index follows it"},
      {"tile/00/000", "level: must be 0..63"},
      {"tile/64/000", "level: must be 0..63"},
      {"tile/-1/000", "level: must be 0..63"},
      {"tile/0/0", "index: elements are three digits"},
      {"tile/0/0000", "index: unexpected text after it"},
      {"tile/0/x000/001", "index: a leading \"x000\" element is not canonical"},
      {"tile/0/x001", "index: an \"x\" element ends in \"/\""},
      {"tile/0/x001/", "index: elements are three digits"},
      {"tile/0/001/002", "index: unexpected text after it"},
      {"tile/0/x018/x446/x744/x073/x709/x551/616", "index: out of range"},
      {"tile/0/001.p/0", "width: must be 1..255"},
      {"tile/0/001.p/256", "width: must be 1..255"},
      {"tile/0/001.p/012", "width: must be 1..255"},
      {"tile/0/001.p/", "width: must be 1..255"},
      {"tile/0/001.p/12/", "width: must be 1..255"},
      {"tile/0/001.q/12", "index: unexpected text after it"},
      {"tile/entries/x000/001", "index: a leading \"x000\" element is not canonical"},
      {"tile/entries/0a1", "index: elements are three digits"},
  };
  for (const auto& [path, message] : cases) {
    auto parsed = ParseTilePath(path);
    ASSERT_FALSE(parsed.ok()) << path;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << path;
    EXPECT_THAT(parsed.status().message(), HasSubstr(message)) << path;
  }
}

TEST(TileExistsTest, TheSpecsExampleTreeOf70000Entries) {
  // 273 full level-0 tiles, a partial level-0 tile of width 112, one full level-1 tile, a
  // partial level-1 tile of width 17, a partial level-2 tile of width 1.
  const uint64_t size = 70000;
  EXPECT_TRUE(TileExists({false, 0, 272, 256}, size));
  EXPECT_FALSE(TileExists({false, 0, 273, 256}, size));
  EXPECT_TRUE(TileExists({false, 0, 273, 112}, size));
  EXPECT_FALSE(TileExists({false, 0, 273, 113}, size));
  EXPECT_TRUE(TileExists({false, 1, 0, 256}, size));
  EXPECT_TRUE(TileExists({false, 1, 1, 17}, size));
  EXPECT_FALSE(TileExists({false, 1, 1, 18}, size));
  EXPECT_TRUE(TileExists({false, 2, 0, 1}, size));
  EXPECT_FALSE(TileExists({false, 3, 0, 1}, size));
  EXPECT_TRUE(TileExists({true, 0, 273, 112}, size));
  // A partial tile of an earlier size stays answerable: its hashes never change.
  EXPECT_TRUE(TileExists({false, 0, 0, 5}, size));
  // A tree of 256: a full level-0 tile and a partial level-1 tile of width 1.
  EXPECT_TRUE(TileExists({false, 0, 0, 256}, 256));
  EXPECT_TRUE(TileExists({false, 1, 0, 1}, 256));
  EXPECT_FALSE(TileExists({false, 0, 0, 1}, 0));
  EXPECT_FALSE(TileExists({false, 63, UINT64_MAX, 255}, UINT64_MAX));
}

TEST(TilesAddedSinceTest, NewFullTilesAndTheCurrentPartialOnes) {
  auto paths = [](uint64_t since, uint64_t size) {
    std::vector<std::string> out;
    for (const TileId& t : TilesAddedSince(since, size)) out.push_back(TilePath(t));
    return out;
  };
  EXPECT_THAT(paths(0, 300), ::testing::ElementsAre("tile/0/000", "tile/0/001.p/44",
                                                    "tile/entries/000", "tile/entries/001.p/44",
                                                    "tile/1/000.p/1"));
  // From 300 to 600: the level-0 tile 1 completes, tile 2 is partial, level 1 grows to 2.
  EXPECT_THAT(paths(300, 600),
              ::testing::ElementsAre("tile/0/001", "tile/0/002.p/88", "tile/entries/001",
                                     "tile/entries/002.p/88", "tile/1/000.p/2"));
  // Within one partial tile, nothing above level 0 changes.
  EXPECT_THAT(paths(600, 601), ::testing::ElementsAre("tile/0/002.p/89", "tile/entries/002.p/89"));
  EXPECT_TRUE(paths(601, 601).empty());
}

// The tiles' hashes rebuild the tree: the root of a tree from its tiles alone equals the Merkle
// root, and every full tile hashes to its entry in the level above.
TEST(TileHashesTest, TilesAreTheTreesSubtreeHashes) {
  CompactRange range;
  MemorySubtreeStore store;
  std::vector<std::string> leaves;
  const uint64_t size = 256 * 256 + 300;
  for (uint64_t i = 0; i < size; ++i) {
    leaves.push_back(absl::StrCat("leaf ", i));
    store.PutAll(range.Append(HashLeaf(leaves.back())));
  }
  auto hashes_of = [](const std::string& tile) {
    std::vector<Hash> out(tile.size() / 32);
    for (size_t i = 0; i < out.size(); ++i) {
      std::copy_n(reinterpret_cast<const uint8_t*>(tile.data()) + 32 * i, 32, out[i].begin());
    }
    return out;
  };
  // Merkle root of a list of hashes as RFC 6962 builds it (largest power of two on the left).
  std::function<Hash(const std::vector<Hash>&, size_t, size_t)> mth =
      [&](const std::vector<Hash>& h, size_t begin, size_t end) -> Hash {
    if (end - begin == 1) return h[begin];
    size_t k = 1;
    while (k * 2 < end - begin) k *= 2;
    return HashChildren(mth(h, begin, begin + k), mth(h, begin + k, end));
  };
  auto level0 = TileHashes(store, {false, 0, 3, 256}, size);
  ASSERT_TRUE(level0.ok()) << level0.status();
  ASSERT_EQ(level0->size(), 8192u);
  EXPECT_EQ(hashes_of(*level0)[5], HashLeaf(leaves[3 * 256 + 5]));
  auto level1 = TileHashes(store, {false, 1, 0, 256}, size);
  ASSERT_TRUE(level1.ok()) << level1.status();
  const std::vector<Hash> parents = hashes_of(*level1);
  EXPECT_EQ(parents[3], mth(hashes_of(*level0), 0, 256));
  auto top = TileHashes(store, {false, 2, 0, 1}, size);
  ASSERT_TRUE(top.ok()) << top.status();
  EXPECT_EQ(hashes_of(*top)[0], mth(parents, 0, 256));
  // The root of the whole tree from the tiles: the level-2 hash, then the 300 leaves beyond it
  // (a level-1 partial of width 1 and a level-0 partial of width 44).
  auto partial1 = TileHashes(store, {false, 1, 1, 1}, size);
  auto partial0 = TileHashes(store, {false, 0, 257, 44}, size);
  ASSERT_TRUE(partial1.ok() && partial0.ok());
  std::vector<Hash> right = hashes_of(*partial0);
  const Hash root = HashChildren(hashes_of(*top)[0],
                                 HashChildren(hashes_of(*partial1)[0], mth(right, 0, right.size())));
  EXPECT_EQ(root, range.Root());
  // Not in the tree: NOT_FOUND naming the path.
  auto missing = TileHashes(store, {false, 0, 257, 45}, size);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("tile/0/257.p/45"));
}

TEST(CheckTileHashesTest, EveryTileOfATreeLeadsToItsRootAndADamagedOneDoesNot) {
  CompactRange range;
  MemorySubtreeStore store;
  const uint64_t size = 256 * 256 + 256 * 3 + 77;  // full and partial tiles at levels 0..2
  for (uint64_t i = 0; i < size; ++i) store.PutAll(range.Append(HashLeaf(absl::StrCat("e", i))));
  const Hash root = range.Root();
  int checked = 0;
  for (const TileId& tile : TilesAddedSince(0, size)) {
    if (tile.entries) continue;
    auto hashes = TileHashes(store, tile, size);
    ASSERT_TRUE(hashes.ok()) << hashes.status();
    EXPECT_TRUE(CheckTileHashes(store, tile, *hashes, size, root).ok()) << TilePath(tile);
    // One flipped bit anywhere in the tile: DATA_LOSS naming it.
    std::string damaged = *hashes;
    damaged[damaged.size() / 2] ^= 1;
    absl::Status refused = CheckTileHashes(store, tile, damaged, size, root);
    EXPECT_EQ(refused.code(), absl::StatusCode::kDataLoss) << TilePath(tile);
    EXPECT_THAT(refused.message(), HasSubstr(TilePath(tile)));
    ++checked;
  }
  EXPECT_EQ(checked, 259 + 1 + 1 + 1 + 1);  // level 0: 259 full + 1 partial; 1: 1 + 1; 2: 1
  // An older partial tile (the tree has grown past it) still checks against today's root.
  const TileId older{false, 0, 256, 10};
  auto hashes = TileHashes(store, older, size);
  ASSERT_TRUE(hashes.ok());
  EXPECT_TRUE(CheckTileHashes(store, older, *hashes, size, root).ok());
  // Against another root: DATA_LOSS. A tile the tree does not hold: NOT_FOUND.
  EXPECT_EQ(CheckTileHashes(store, older, *hashes, size, HashLeaf("other")).code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(CheckTileHashes(store, {false, 0, 259, 78}, std::string(78 * 32, 0), size, root).code(),
            absl::StatusCode::kNotFound);
}

TEST(SubtreeInclusionTest, ProvesEveryCompleteSubtreeOfSmallTrees) {
  for (uint64_t size = 1; size <= 40; ++size) {
    CompactRange range;
    MemorySubtreeStore store;
    for (uint64_t i = 0; i < size; ++i) store.PutAll(range.Append(HashLeaf(absl::StrCat(i))));
    for (int level = 0; (uint64_t{1} << level) <= size; ++level) {
      for (uint64_t index = 0; ((index + 1) << level) <= size; ++index) {
        auto node = store.CompleteSubtree(level, index);
        ASSERT_TRUE(node.ok());
        auto path = SubtreeInclusionProof(store, level, index, size);
        ASSERT_TRUE(path.ok()) << path.status();
        EXPECT_TRUE(VerifySubtreeInclusion(*node, level, index, size, *path, range.Root()).ok())
            << "size " << size << " level " << level << " index " << index;
        EXPECT_FALSE(
            VerifySubtreeInclusion(*node, level, index ^ 1, size, *path, range.Root()).ok());
      }
      EXPECT_EQ(SubtreeInclusionProof(store, level, size >> level, size).status().code(),
                absl::StatusCode::kInvalidArgument);
    }
  }
}

TEST(EntryBundleTest, RoundTripsAndRefusesWhatAUint16CannotCarry) {
  const std::string big(kMaxBundledEntryBytes, 'b');
  auto bundle = EncodeEntryBundle({"a", "", big});
  ASSERT_TRUE(bundle.ok());
  EXPECT_EQ(bundle->substr(0, 3), std::string("\x00\x01" "a", 3));
  auto entries = DecodeEntryBundle(*bundle);
  ASSERT_TRUE(entries.ok());
  EXPECT_THAT(*entries, ::testing::ElementsAre("a", "", big));
  const std::string too_big(kMaxBundledEntryBytes + 1, 'c');
  auto refused = EncodeEntryBundle({"a", too_big});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(), HasSubstr("entry 1 is 65536 bytes"));
  EXPECT_EQ(DecodeEntryBundle(std::string("\x00\x05" "ab", 4)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodeEntryBundle(std::string("\x00", 1)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace booo::ledger
