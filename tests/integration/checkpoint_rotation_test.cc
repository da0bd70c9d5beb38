// Rotating the server's checkpoint key through the real server: the server signs with the key
// the ledger puts in force for each tree size, so checkpoints handed out before the rotation
// still verify with the old key and are provably extended by the new ones; a rotation to a key
// the server does not hold, back to a used key, or by a municipality is refused and writes
// nothing; and the server will not start without the key in force.
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/core/checkpoint.h"
#include "ledger/core/merkle.h"
#include "tests/integration/test_ledger_env.h"

namespace booo::testing {
namespace {

using grpc::StatusCode;

class CheckpointRotationTest : public LedgerServerTest {
 protected:
  void SetUp() override {
    LedgerServerTest::SetUp();
    RegisterStandardKeys();
    // The server holds the current key and the next one, as an operator starts it before
    // rotating: ledgerd --checkpoint-key checkpoint.key --checkpoint-key checkpoint-next.key.
    ASSERT_TRUE(ledger::WritePrivateKeyFile(NextKeyFile(), next_key_).ok());
    checkpoint_key_files_ = {(data_dir_ / "checkpoint.key").string(), NextKeyFile()};
    StopServer();
    StartServer();
  }

  std::string NextKeyFile() const { return (data_dir_ / "checkpoint-next.key").string(); }

  booo::v1::EventBody Rotation(const std::string& event_id, const ledger::Ed25519PrivateKey& to) {
    return CheckpointKeyRotatedBody(event_id, root_, to, kNextName);
  }

  booo::v1::Checkpoint Checkpoint() {
    grpc::ClientContext context;
    booo::v1::Checkpoint checkpoint;
    EXPECT_TRUE(stub_->GetCheckpoint(&context, {}, &checkpoint).ok());
    return checkpoint;
  }

  static constexpr char kOldName[] = "booo-ledger.test";
  static constexpr char kNextName[] = "booo-ledger.test/2027";
  ledger::Ed25519PrivateKey next_key_ = TestKey(6);
};

TEST_F(CheckpointRotationTest, CheckpointsBeforeARotationVerifyWithTheOldKeyAndAfterWithTheNew) {
  const booo::v1::Checkpoint before = Checkpoint();
  ASSERT_TRUE(ledger::OpenCheckpoint(before.note(), kOldName, checkpoint_key_.PublicKey()).ok());

  booo::v1::AppendResponse rotated;
  ASSERT_TRUE(Append(Rotation("rotate-2027", next_key_), root_, &rotated).ok());
  const booo::v1::Checkpoint after = Checkpoint();
  EXPECT_EQ(after.tree_size(), rotated.receipt().sequence() + 1);
  EXPECT_EQ(after.key_name(), kNextName);
  auto opened = ledger::OpenCheckpoint(after.note(), kNextName, next_key_.PublicKey());
  ASSERT_TRUE(opened.ok()) << opened.status();
  // While the server still holds the old key, it vouches for the new one: the checkpoint
  // announces the rotation and carries both signatures, so a witness trusting the old key
  // learns the new one (services/checkpoint_signer.h).
  ASSERT_TRUE(ledger::OpenCheckpoint(after.note(), kOldName, checkpoint_key_.PublicKey()).ok());
  EXPECT_THAT(opened->extensions,
              ::testing::ElementsAre(absl::StrCat(
                  "key-rotation ", ledger::VerifierKeyString(kNextName, next_key_.PublicKey()))));

  // The old checkpoint still verifies, and the new tree provably extends it.
  auto old = ledger::OpenCheckpoint(before.note(), kOldName, checkpoint_key_.PublicKey());
  ASSERT_TRUE(old.ok());
  grpc::ClientContext context;
  booo::v1::GetConsistencyProofRequest request;
  request.set_old_size(old->tree_size);
  request.set_new_size(opened->tree_size);
  booo::v1::ConsistencyProof proof;
  ASSERT_TRUE(stub_->GetConsistencyProof(&context, request, &proof).ok());
  std::vector<ledger::Hash> hashes;
  for (const std::string& h : proof.hashes()) hashes.push_back(*ledger::HashFromBytes(h));
  EXPECT_TRUE(ledger::VerifyConsistency(old->tree_size, opened->tree_size, hashes, old->root_hash,
                                        opened->root_hash)
                  .ok());

  // After a restart with the new key alone the server signs as before; with the old key alone
  // it does not start.
  checkpoint_key_files_ = {NextKeyFile()};
  StopServer();
  StartServer();
  const booo::v1::Checkpoint alone = Checkpoint();
  EXPECT_TRUE(ledger::OpenCheckpoint(alone.note(), kNextName, next_key_.PublicKey()).ok());
  // ... and neither announces the rotation nor carries the old key's signature any more.
  EXPECT_TRUE(absl::IsUnauthenticated(
      ledger::OpenCheckpoint(alone.note(), kOldName, checkpoint_key_.PublicKey()).status()));
  EXPECT_TRUE(ledger::PeekCheckpoint(alone.note())->extensions.empty());
  StopServer();
  checkpoint_key_files_ = {(data_dir_ / "checkpoint.key").string()};
  const absl::Status refused = TryStartServer();
  EXPECT_TRUE(absl::IsFailedPrecondition(refused)) << refused;
  EXPECT_NE(refused.message().find("checkpoint key in force"), std::string::npos) << refused;
}

TEST_F(CheckpointRotationTest, RotationToAKeyTheServerDoesNotHoldIsRefused) {
  ExpectRefused(Rotation("rotate-unheld", TestKey(7)), root_, StatusCode::FAILED_PRECONDITION,
                "checkpoint_key_rotated.checkpoint_public_key");
  // Checkpoints go on with the key in force.
  EXPECT_TRUE(
      ledger::OpenCheckpoint(Checkpoint().note(), kOldName, checkpoint_key_.PublicKey()).ok());
}

TEST_F(CheckpointRotationTest, RotationBackToAKeyTheLedgerUsedIsRefused) {
  ASSERT_TRUE(Append(Rotation("rotate-2027", next_key_), root_).ok());
  booo::v1::EventBody back = Rotation("rotate-back", checkpoint_key_);
  ExpectRefused(back, root_, StatusCode::FAILED_PRECONDITION,
                "checkpoint_key_rotated.checkpoint_public_key");
}

TEST_F(CheckpointRotationTest, AMunicipalityCannotRotateTheCheckpointKey) {
  booo::v1::EventBody rotation = Rotation("rotate-by-city", next_key_);
  rotation.set_signer_key_id(amsterdam_.KeyId());
  ExpectRefused(rotation, amsterdam_, StatusCode::PERMISSION_DENIED, "signer_key_id");
}

TEST_F(CheckpointRotationTest, AMalformedRotationIsRefusedNamingTheField) {
  booo::v1::EventBody rotation = Rotation("rotate-short", next_key_);
  rotation.mutable_checkpoint_key_rotated()->set_checkpoint_public_key("too short");
  ExpectRefused(rotation, root_, StatusCode::INVALID_ARGUMENT,
                "checkpoint_key_rotated.checkpoint_public_key");
  rotation = Rotation("rotate-name", next_key_);
  rotation.mutable_checkpoint_key_rotated()->set_checkpoint_key_name("has space");
  ExpectRefused(rotation, root_, StatusCode::INVALID_ARGUMENT,
                "checkpoint_key_rotated.checkpoint_key_name");
}

}  // namespace
}  // namespace booo::testing
