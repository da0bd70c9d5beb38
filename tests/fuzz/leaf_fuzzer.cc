// Fuzz target: the stored leaf format (ledger/core/LEAF_FORMAT.md), as every read of the store and
// of an export file decodes it.
// Properties: a refusal is DATA_LOSS; the format is canonical, so a leaf that decodes encodes
// back to exactly the same bytes; the view decoder agrees with the owning one field for field.
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "ledger/core/leaf_format.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<booo::ledger::Leaf> leaf = booo::ledger::DecodeLeaf(bytes);
  absl::StatusOr<booo::ledger::LeafView> view = booo::ledger::DecodeLeafView(bytes);
  FUZZ_CHECK(leaf.ok() == view.ok());
  if (!leaf.ok()) {
    FUZZ_CHECK(absl::IsDataLoss(leaf.status()));
    FUZZ_CHECK(absl::IsDataLoss(view.status()));
    return 0;
  }
  FUZZ_CHECK(view->sequence == leaf->sequence);
  FUZZ_CHECK(view->recorded_at_micros == leaf->recorded_at_micros);
  FUZZ_CHECK(view->key_id == leaf->key_id);
  FUZZ_CHECK(view->body == leaf->body);
  FUZZ_CHECK(view->signature == leaf->signature);
  FUZZ_CHECK(view->encoded == bytes);
  absl::StatusOr<std::string> encoded = booo::ledger::EncodeLeaf(*leaf);
  FUZZ_CHECK(encoded.ok());
  FUZZ_CHECK(*encoded == bytes);
  return 0;
}
