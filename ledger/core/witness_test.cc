// The witness's side of C2SP tlog-witness and tlog-cosignature, and the tlog-policy parser.
#include <set>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/core/checkpoint.h"
#include "ledger/core/cosignature.h"
#include "ledger/core/witness_policy.h"
#include "ledger/core/witness_protocol.h"

namespace booo::ledger {
namespace {

using ::testing::HasSubstr;

constexpr char kOrigin[] = "example.org/log";

// A log of `n` leaves "0".."n-1", its nodes kept for proofs.
struct TestLog {
  MemorySubtreeStore store;
  CompactRange range;
  Ed25519PrivateKey key = *Ed25519PrivateKey::Generate();
  void Grow(uint64_t to, const std::string& salt = "") {
    while (range.size() < to) store.PutAll(range.Append(HashLeaf(absl::StrCat(salt, range.size()))));
  }
  std::string Note(std::vector<std::string> extensions = {}) const {
    return *SignCheckpoint({kOrigin, range.size(), range.Root(), std::move(extensions)}, kOrigin, key);
  }
  AddCheckpointRequest Request(uint64_t old_size) const {
    AddCheckpointRequest r{old_size, {}, Note()};
    if (old_size > 0 && old_size < range.size()) r.proof = *ConsistencyProof(store, old_size, range.size());
    return r;
  }
};

struct TestWitness {
  Ed25519PrivateKey key = *Ed25519PrivateKey::Generate();
  WitnessedLog state;
  explicit TestWitness(const TestLog& log) {
    state.origin = kOrigin;
    state.log_keys = {{kOrigin, log.key.PublicKey()}};
  }
  WitnessAnswer Submit(const AddCheckpointRequest& request) {
    WitnessAnswer answer = JudgeAddCheckpoint(request, state, "witness.example/w1", key, 1700000000);
    if (answer.updated) state = *answer.updated;
    return answer;
  }
};

TEST(AddCheckpointRequestTest, RoundTripsAndRefusesAnythingElse) {
  TestLog log;
  log.Grow(10);
  const AddCheckpointRequest request = log.Request(0);
  const std::string body = FormatAddCheckpointRequest(log.Request(0));
  EXPECT_EQ(*ParseAddCheckpointRequest(body), request);
  AddCheckpointRequest with_proof = log.Request(0);
  log.Grow(20);
  with_proof = log.Request(10);
  EXPECT_EQ(*ParseAddCheckpointRequest(FormatAddCheckpointRequest(with_proof)), with_proof);
  for (const std::string& bad :
       {std::string("old 01\n\n") + request.checkpoint, std::string("old -1\n\n") + request.checkpoint,
        std::string("old 1\n") + request.checkpoint, std::string("old 1\nAAAA\n\n") + request.checkpoint,
        std::string("old 1\n\n"), std::string("new 1\n\n") + request.checkpoint,
        std::string("old 18446744073709551616\n\n") + request.checkpoint}) {
    EXPECT_EQ(ParseAddCheckpointRequest(bad).status().code(), absl::StatusCode::kInvalidArgument)
        << bad;
  }
  std::string many = "old 1\n";
  for (int i = 0; i < 64; ++i) absl::StrAppend(&many, std::string(43, 'A'), "=\n");
  EXPECT_THAT(ParseAddCheckpointRequest(many + "\n" + request.checkpoint).status().message(),
              HasSubstr("more than 63"));
}

TEST(JudgeAddCheckpointTest, CosignsConsistentGrowthAndRefusesWithTheSpecsCodes) {
  TestLog log;
  TestWitness witness(log);
  log.Grow(5);
  WitnessAnswer first = witness.Submit(log.Request(0));
  ASSERT_EQ(first.http_status, 200) << first.body;
  // The cosignature verifies over the checkpoint, under the witness's cosigner key.
  auto cosigned = VerifiedCosigners(log.Note() + first.body,
                                    {{"witness.example/w1", witness.key.PublicKey()}});
  ASSERT_TRUE(cosigned.ok()) << cosigned.status();
  EXPECT_EQ(cosigned->at("witness.example/w1"), 1700000000u);
  EXPECT_EQ(witness.state.size, 5u);

  log.Grow(300);
  // A log that does not know the witness's size asks from 0: 409 with the size it holds.
  WitnessAnswer behind = witness.Submit(log.Request(0));
  EXPECT_EQ(behind.http_status, 409);
  EXPECT_EQ(behind.content_type, "text/x.tlog.size");
  EXPECT_EQ(behind.body, "5\n");
  EXPECT_EQ(witness.Submit(log.Request(5)).http_status, 200);
  EXPECT_EQ(witness.state.size, 300u);
  // The same checkpoint again: old size = size, empty proof, same root: cosigned again.
  EXPECT_EQ(witness.Submit(log.Request(300)).http_status, 200);
  // Old size above the checkpoint's: 400.
  AddCheckpointRequest above = log.Request(300);
  above.old_size = 301;
  EXPECT_EQ(witness.Submit(above).http_status, 400);
  // A proof that does not verify: 422, nothing changes.
  log.Grow(310);
  AddCheckpointRequest wrong = log.Request(300);
  wrong.proof[0][0] ^= 1;
  WitnessAnswer refused = witness.Submit(wrong);
  EXPECT_EQ(refused.http_status, 422);
  EXPECT_FALSE(refused.evidence_of_misbehaviour);  // anyone can send a wrong proof
  EXPECT_EQ(witness.state.size, 300u);
  // A non-empty proof from 0 is refused too (the witness is at 300, so first make it 0).
  TestWitness fresh(log);
  AddCheckpointRequest from_zero = log.Request(0);
  from_zero.proof = wrong.proof;
  EXPECT_EQ(fresh.Submit(from_zero).http_status, 422);
}

TEST(JudgeAddCheckpointTest, AForkUnderTheSameKeyIsRefused) {
  TestLog log;
  log.Grow(40);
  TestWitness witness(log);
  ASSERT_EQ(witness.Submit(log.Request(0)).http_status, 200);
  // A second ledger under the same key and origin, with other leaves.
  TestLog fork;
  fork.key = *Ed25519PrivateKey::FromPem(*log.key.ToPem());
  fork.Grow(40, "other");
  WitnessAnswer same_size = witness.Submit(fork.Request(40));  // same size, another root
  EXPECT_EQ(same_size.http_status, 422);
  EXPECT_TRUE(same_size.evidence_of_misbehaviour);
  fork.Grow(50, "other");
  EXPECT_EQ(witness.Submit(fork.Request(0)).http_status, 409);
  EXPECT_EQ(witness.Submit(fork.Request(40)).http_status, 422);  // its proof cannot reach our root
  EXPECT_EQ(witness.state.size, 40u);
}

TEST(JudgeAddCheckpointTest, RefusesUnknownKeysAndBadSignatures) {
  TestLog log;
  log.Grow(3);
  TestWitness witness(log);
  TestLog stranger;
  stranger.Grow(3);
  EXPECT_EQ(witness.Submit(stranger.Request(0)).http_status, 403);
  std::string note = log.Note();
  note[note.size() - 10] = note[note.size() - 10] == 'A' ? 'B' : 'A';  // damage the signature
  EXPECT_EQ(witness.Submit({0, {}, note}).http_status, 403);
  EXPECT_EQ(witness.state.size, 0u);
}

TEST(JudgeAddCheckpointTest, LearnsARotatedKeyFromACheckpointBothKeysSigned) {
  TestLog log;
  log.Grow(10);
  TestWitness witness(log);
  ASSERT_EQ(witness.Submit(log.Request(0)).http_status, 200);
  const Ed25519PrivateKey next = *Ed25519PrivateKey::Generate();
  log.Grow(12);
  const Checkpoint body{kOrigin, 12, log.range.Root(),
                        {absl::StrCat("key-rotation ", VerifierKeyString(kOrigin, next.PublicKey()))}};
  const std::string by_new = *SignCheckpoint(body, kOrigin, next);
  const std::string by_old = *SignCheckpoint(body, kOrigin, log.key);
  const std::string both = by_new + by_old.substr(CheckpointBody(body).size() + 1);
  // Announced but signed by the old key alone: refused.
  EXPECT_EQ(witness.Submit({10, *ConsistencyProof(log.store, 10, 12), by_old}).http_status, 403);
  ASSERT_EQ(witness.Submit({10, *ConsistencyProof(log.store, 10, 12), both}).http_status, 200);
  EXPECT_EQ(witness.state.log_keys.front().second, next.PublicKey());
  EXPECT_EQ(witness.state.retired_log_keys.front().second, log.key.PublicKey());
  // From now on the new key alone is enough, and the old one is no longer trusted.
  log.key = *Ed25519PrivateKey::FromPem(*next.ToPem());
  log.Grow(15);
  EXPECT_EQ(witness.Submit(log.Request(12)).http_status, 200);
}

TEST(WitnessPolicyTest, ParsesTheSpecsFormatAndCountsTheQuorum) {
  const auto w = [](const std::string& name) {
    return VerifierKeyString(name, Ed25519PrivateKey::Generate()->PublicKey(),
                             kNoteAlgorithmCosignatureV1);
  };
  const std::string log_key = VerifierKeyString(kOrigin, Ed25519PrivateKey::Generate()->PublicKey());
  const std::string text = absl::StrCat(
      "# two witnesses, both needed\n", "log ", log_key, " https://log.example\n",
      "witness X1 ", w("x1.example"), " http://127.0.0.1:1/\n", "  witness\tX2 ", w("x2.example"),
      "\n", "group both all X1 X2\n", "group either any X1 X2\n", "quorum both\n");
  auto policy = WitnessPolicy::Parse(text);
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_EQ(policy->witnesses().size(), 2u);
  EXPECT_EQ(policy->witnesses()[0].url, "http://127.0.0.1:1/");
  EXPECT_EQ(policy->logs()[0].key_name, kOrigin);
  EXPECT_FALSE(policy->QuorumMet({"X1"}));
  EXPECT_TRUE(policy->QuorumMet({"X1", "X2"}));
  EXPECT_EQ(policy->DescribeQuorum(), "2 of (X1, X2)");
  EXPECT_EQ(policy->WitnessNamed("x2.example"), "X2");
  EXPECT_TRUE(WitnessPolicy::Parse("quorum none\n")->QuorumMet({}));
  for (const std::string& bad :
       {std::string("quorum X1\n"), absl::StrCat("witness X1 ", w("a"), "\ngroup g 2 X1\nquorum g\n"),
        absl::StrCat("witness X1 ", w("a"), "\nwitness X1 ", w("b"), "\nquorum X1\n"),
        absl::StrCat("witness X1 ", log_key, "\nquorum X1\n"),  // a log key as a cosigner key
        absl::StrCat("witness X1 ", w("same"), "\nwitness X2 ", w("same"), "\nquorum X1\n"),
        std::string("witnesses X1\nquorum none\n"), std::string("quorum none\nquorum none\n"),
        std::string("")}) {
    EXPECT_EQ(WitnessPolicy::Parse(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace booo::ledger
