#include "ledger/core/leaf_format.h"

#include "gtest/gtest.h"

namespace booo::ledger {
namespace {

Leaf Sample() {
  return Leaf{7, 1'700'000'000'123'456, "ed25519:00112233aabbccdd", "body", std::string(64, 's')};
}

TEST(LeafFormatTest, EncodesTheDocumentedLayout) {
  auto bytes = EncodeLeaf(Sample());
  ASSERT_TRUE(bytes.ok());
  const std::string& b = *bytes;
  ASSERT_EQ(b.size(), 1 + 8 + 8 + 2 + 24 + 4 + 4 + 2 + 64);
  EXPECT_EQ(b[0], 1);                                               // version
  EXPECT_EQ(b.substr(1, 8), std::string("\0\0\0\0\0\0\0\x07", 8));  // sequence, big-endian
  EXPECT_EQ(b.substr(17, 2), std::string("\0\x18", 2));             // key id length 24
  EXPECT_EQ(b.substr(19, 24), "ed25519:00112233aabbccdd");
  EXPECT_EQ(b.substr(43, 4), std::string("\0\0\0\x04", 4));
  EXPECT_EQ(b.substr(47, 4), "body");
  EXPECT_EQ(b.substr(51, 2), std::string("\0\x40", 2));
}

TEST(LeafFormatTest, RoundTrips) {
  auto bytes = EncodeLeaf(Sample());
  auto leaf = DecodeLeaf(*bytes);
  ASSERT_TRUE(leaf.ok());
  EXPECT_EQ(*leaf, Sample());
}

TEST(LeafFormatTest, DecodingRefusesDamageAsDataLoss) {
  const std::string bytes = *EncodeLeaf(Sample());
  EXPECT_EQ(DecodeLeaf(bytes + "x").status().code(), absl::StatusCode::kDataLoss);
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    EXPECT_EQ(DecodeLeaf(bytes.substr(0, cut)).status().code(), absl::StatusCode::kDataLoss)
        << "truncated at " << cut;
  }
  std::string wrong_version = bytes;
  wrong_version[0] = 2;
  EXPECT_EQ(DecodeLeaf(wrong_version).status().code(), absl::StatusCode::kDataLoss);
}

TEST(LeafFormatTest, EncodingRefusesFieldsOutsideTheLimits) {
  Leaf leaf = Sample();
  leaf.signature = "short";
  EXPECT_EQ(EncodeLeaf(leaf).status().code(), absl::StatusCode::kInvalidArgument);
  leaf = Sample();
  leaf.key_id.clear();
  EXPECT_EQ(EncodeLeaf(leaf).status().code(), absl::StatusCode::kInvalidArgument);
  leaf = Sample();
  leaf.body.clear();
  EXPECT_EQ(EncodeLeaf(leaf).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace booo::ledger
