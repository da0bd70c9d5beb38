// The two readers of an export, the streaming one and the in-memory one, agree leaf for leaf and
// refuse the same damage with DATA_LOSS.
#include "ledger/core/export_file.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace booo::ledger {
namespace {

using ::testing::HasSubstr;

std::string Length(uint32_t n) {
  return std::string{static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                     static_cast<char>(n >> 8), static_cast<char>(n)};
}

std::string Export(const std::vector<std::string>& leaves) {
  std::string out = kExportMagic;
  for (const std::string& leaf : leaves) out += Length(leaf.size()) + leaf;
  return out;
}

std::vector<std::string> Streamed(const std::string& bytes) {
  std::vector<std::string> out;
  auto reader = ExportFileReader::FromBytes(bytes, "t");
  EXPECT_TRUE(reader.ok());
  for (;;) {
    auto leaf = (*reader)->Next();
    EXPECT_TRUE(leaf.ok()) << leaf.status();
    if (!leaf.ok() || !*leaf) break;
    out.push_back(**leaf);
  }
  return out;
}

absl::StatusOr<std::vector<std::string>> Viewed(const std::string& bytes) {
  std::vector<std::string> out;
  absl::Status s = ForEachExportLeaf(bytes, "t", [&](absl::string_view leaf) {
    out.emplace_back(leaf);
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return out;
}

TEST(ExportFileTest, BothReadersGiveTheSameLeaves) {
  const std::vector<std::string> leaves = {"a", std::string(300, 'b'), std::string(1, '\0')};
  const std::string bytes = Export(leaves);
  EXPECT_EQ(Streamed(bytes), leaves);
  auto viewed = Viewed(bytes);
  ASSERT_TRUE(viewed.ok()) << viewed.status();
  EXPECT_EQ(*viewed, leaves);
  auto empty = Viewed(Export({}));
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(ExportFileTest, TheInMemoryReaderRefusesDamageAsDataLoss) {
  const std::string good = Export({"first", "second"});
  struct Case {
    std::string bytes;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"not an export\n", "t is not a booo-ledger export"},
      {good.substr(0, good.size() - 2), "sequence 1: truncated leaf in export"},
      {good + std::string(2, '\0'), "sequence 2: truncated length in export"},
      {good + Length(0), "sequence 2: impossible leaf length 0"},
      {good + Length(1u << 30), "sequence 2: impossible leaf length 1073741824"},
  };
  for (const Case& c : cases) {
    auto viewed = Viewed(c.bytes);
    ASSERT_FALSE(viewed.ok()) << c.message;
    EXPECT_EQ(viewed.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_THAT(viewed.status().message(), HasSubstr(c.message));
  }
}

}  // namespace
}  // namespace booo::ledger
