// Key lifecycle as the offline verifier sees it, on export files built leaf by leaf (so that a
// ledger can hold what the server would have refused): a revoked key's signatures count up to
// its revocation and fail from that ledger point on; a rotated checkpoint key signs the trees
// that hold its rotation, while checkpoints of smaller trees still verify with the key before.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "ledger/core/checkpoint.h"
#include "ledger/core/export_file.h"
#include "ledger/core/key_registry.h"
#include "ledger/core/leaf_format.h"
#include "ledger/core/merkle.h"
#include "ledger/core/verifier.h"
#include "tests/support/event_factory.h"

namespace booo::ledger {
namespace {

using booo::testing::TestKey;

constexpr char kOrigin[] = "booo-ledger.test/unit";

class KeyLifecycleTest : public ::testing::Test {
 protected:
  // Appends `body` signed by `key` as the next leaf, without any of the server's rules.
  void Add(const booo::v1::EventBody& body, const Ed25519PrivateKey& key) {
    const booo::testing::SignedBytes signed_bytes = booo::testing::Sign(body, key);
    const uint64_t sequence = leaves_.size();
    leaves_.push_back(*EncodeLeaf({sequence, 1'700'000'000'000'000 + static_cast<int64_t>(sequence),
                                   key.KeyId(), signed_bytes.body, signed_bytes.signature}));
  }

  // The export of the first `size` leaves (all when 0), verified with `options`.
  absl::StatusOr<VerifyReport> Verify(size_t size = 0, VerifyOptions options = {},
                                      std::optional<uint64_t>* bad = nullptr) {
    if (size == 0) size = leaves_.size();
    std::string bytes = kExportMagic;
    for (size_t i = 0; i < size; ++i) {
      for (int shift = 24; shift >= 0; shift -= 8) {
        bytes.push_back(static_cast<char>((leaves_[i].size() >> shift) & 0xff));
      }
      bytes += leaves_[i];
    }
    auto reader = ExportFileReader::FromBytes(bytes, "test.export");
    if (!reader.ok()) return reader.status();
    options.payload_rules = booo::testing::GrantRules();
    return VerifyLedger(**reader, options, bad);
  }

  // The checkpoint of the first `size` leaves, signed by `key` under `name`.
  std::string CheckpointOf(size_t size, const std::string& name, const Ed25519PrivateKey& key) {
    CompactRange tree;
    for (size_t i = 0; i < size; ++i) tree.Append(HashLeaf(leaves_[i]));
    return *SignCheckpoint({kOrigin, size, tree.Root(), {}}, name, key);
  }

  booo::v1::EventBody Rotation(const std::string& event_id, const Ed25519PrivateKey& to,
                               const std::string& name) {
    return booo::testing::CheckpointKeyRotatedBody(event_id, root_, to, name);
  }

  Ed25519PrivateKey root_ = TestKey(1);
  Ed25519PrivateKey checkpoint_key_ = TestKey(2);
  Ed25519PrivateKey city_ = TestKey(3);
  Ed25519PrivateKey next_checkpoint_key_ = TestKey(6);
  std::vector<std::string> leaves_;
};

TEST_F(KeyLifecycleTest, ARevokedKeysSignaturesCountUpToItsRevocationAndFailAfter) {
  Add(booo::testing::GenesisBody(root_, checkpoint_key_, kOrigin), root_);
  Add(booo::testing::KeyRegisteredBody("k-city", root_, city_, booo::v1::ROLE_MUNICIPALITY,
                                       "GM0363"),
      root_);
  Add(booo::testing::PlacesBody("p-before", city_, "GM0363", 10), city_);  // 2
  Add(booo::testing::KeyRevokedBody("revoke-city", root_, city_.KeyId()), root_);  // 3
  Add(booo::testing::PlacesBody("p-after", city_, "GM0363", 11), city_);  // 4: forged

  auto until_revocation = Verify(4);
  ASSERT_TRUE(until_revocation.ok()) << until_revocation.status();
  EXPECT_EQ(until_revocation->events, 4u);

  std::optional<uint64_t> bad;
  auto whole = Verify(0, {}, &bad);
  ASSERT_TRUE(absl::IsDataLoss(whole.status())) << whole.status();
  EXPECT_EQ(bad, 4u);
  EXPECT_NE(whole.status().message().find("revoked at sequence 3"), std::string::npos)
      << whole.status();
}

TEST_F(KeyLifecycleTest, ARotatedCheckpointKeySignsTheTreesHoldingItsRotationOldCheckpointsStillVerify) {
  Add(booo::testing::GenesisBody(root_, checkpoint_key_, kOrigin), root_);
  Add(booo::testing::KeyRegisteredBody("k-city", root_, city_, booo::v1::ROLE_MUNICIPALITY,
                                       "GM0363"),
      root_);
  Add(Rotation("rotate-1", next_checkpoint_key_, "booo-ledger.test/2"), root_);  // 2
  Add(booo::testing::PlacesBody("p-1", city_, "GM0363", 10), city_);

  // Trees of 1 and 2 events: the genesis key. Trees of 3 and 4, which hold the rotation: the
  // new key. The verifier picks the key by the checkpoint's size; none is given.
  for (size_t size : {1u, 2u}) {
    VerifyOptions options;
    options.trusted_checkpoint = CheckpointOf(size, "booo-ledger.test", checkpoint_key_);
    auto report = Verify(0, options);
    EXPECT_TRUE(report.ok()) << "size " << size << ": " << report.status();
  }
  for (size_t size : {3u, 4u}) {
    VerifyOptions options;
    options.trusted_checkpoint = CheckpointOf(size, "booo-ledger.test/2", next_checkpoint_key_);
    auto report = Verify(0, options);
    EXPECT_TRUE(report.ok()) << "size " << size << ": " << report.status();
  }
  // The old key no longer signs trees that hold the rotation; the new one never signed before.
  VerifyOptions late_old;
  late_old.trusted_checkpoint = CheckpointOf(3, "booo-ledger.test", checkpoint_key_);
  EXPECT_TRUE(absl::IsUnauthenticated(Verify(0, late_old).status()));
  VerifyOptions early_new;
  early_new.trusted_checkpoint = CheckpointOf(2, "booo-ledger.test/2", next_checkpoint_key_);
  EXPECT_TRUE(absl::IsUnauthenticated(Verify(0, early_new).status()));

  auto report = Verify();
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_EQ(report->checkpoint_keys.size(), 2u);
  EXPECT_EQ(CheckpointKeyFor(report->checkpoint_keys, 2)->public_key,
            checkpoint_key_.PublicKey());
  EXPECT_EQ(CheckpointKeyFor(report->checkpoint_keys, 3)->public_key,
            next_checkpoint_key_.PublicKey());
}

TEST_F(KeyLifecycleTest, RotatingBackToAKeyTheLedgerUsedIsRefused) {
  Add(booo::testing::GenesisBody(root_, checkpoint_key_, kOrigin), root_);
  Add(Rotation("rotate-1", next_checkpoint_key_, "booo-ledger.test/2"), root_);
  Add(Rotation("rotate-back", checkpoint_key_, "booo-ledger.test"), root_);  // 2
  std::optional<uint64_t> bad;
  auto report = Verify(0, {}, &bad);
  ASSERT_TRUE(absl::IsDataLoss(report.status())) << report.status();
  EXPECT_EQ(bad, 2u);
  EXPECT_NE(report.status().message().find("already used this key"), std::string::npos)
      << report.status();
}

TEST_F(KeyLifecycleTest, OnlyAMinistryKeyRotatesTheCheckpointKey) {
  Add(booo::testing::GenesisBody(root_, checkpoint_key_, kOrigin), root_);
  Add(booo::testing::KeyRegisteredBody("k-city", root_, city_, booo::v1::ROLE_MUNICIPALITY,
                                       "GM0363"),
      root_);
  booo::v1::EventBody rotation = Rotation("rotate-by-city", next_checkpoint_key_, "x");
  rotation.set_signer_key_id(city_.KeyId());
  Add(rotation, city_);
  std::optional<uint64_t> bad;
  auto report = Verify(0, {}, &bad);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(bad, 2u);
}

}  // namespace
}  // namespace booo::ledger

namespace booo::ledger {
namespace {

// The offline verifier reads signed bodies as strictly as the server: a body whose signed bytes
// hold a field nobody reads (here field 99 inside the payload's received_date), correctly
// signed, fails verification at its sequence, naming the path.
TEST_F(KeyLifecycleTest, TheVerifierRefusesSignedBytesItDoesNotReadWhole) {
  Add(booo::testing::GenesisBody(root_, checkpoint_key_, kOrigin), root_);
  Add(booo::testing::KeyRegisteredBody("k-city", root_, city_, booo::v1::ROLE_MUNICIPALITY,
                                       "GM0363"),
      root_);
  booo::v1::EventBody places = booo::testing::PlacesBody("p-1", city_, "GM0363", 10);
  auto* date = places.mutable_goo_places_declared()->mutable_received_date();
  date->GetReflection()->MutableUnknownFields(date)->AddVarint(99, 1);
  Add(places, city_);
  std::optional<uint64_t> bad;
  auto report = Verify(0, {}, &bad);
  ASSERT_TRUE(absl::IsDataLoss(report.status())) << report.status();
  EXPECT_EQ(bad, 2u);
  EXPECT_NE(report.status().message().find("goo_places_declared.received_date: unknown field 99"),
            std::string::npos)
      << report.status();
}

}  // namespace
}  // namespace booo::ledger
