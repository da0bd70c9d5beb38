// Fuzz target: the C2SP tlog-tiles paths and entry bundles (ledger/core/tiles.h), the outside
// input an HTTP tile listener and a tile client read. The first byte chooses which.
// Properties: a path is either refused with INVALID_ARGUMENT or names a tile whose canonical
// path is exactly the input (one spelling per tile, so a cache never holds two copies), with a
// level in 0..63 and a width in 1..256; a bundle is either refused with INVALID_ARGUMENT or
// re-encodes to exactly its bytes.
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "ledger/core/tiles.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const absl::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    auto tile = booo::ledger::ParseTilePath(text);
    if (!tile.ok()) {
      FUZZ_CHECK(absl::IsInvalidArgument(tile.status()));
      return 0;
    }
    FUZZ_CHECK(booo::ledger::TilePath(*tile) == text);
    FUZZ_CHECK(tile->level >= 0 && tile->level <= booo::ledger::kMaxTileLevel);
    FUZZ_CHECK(tile->width >= 1 && tile->width <= booo::ledger::kTileWidth);
    FUZZ_CHECK(!tile->entries || tile->level == 0);
    return 0;
  }
  auto entries = booo::ledger::DecodeEntryBundle(text);
  if (!entries.ok()) {
    FUZZ_CHECK(absl::IsInvalidArgument(entries.status()));
    return 0;
  }
  auto again = booo::ledger::EncodeEntryBundle(*entries);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(*again == text);
  return 0;
}
